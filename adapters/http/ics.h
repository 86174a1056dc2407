// iCalendar (RFC 5545) text for the units' deadline feeds: escaping, line folding and a
// VCALENDAR of VTODOs with VALARMs, a VEVENT beside each deadline and one per set milestone
// (Google Calendar and Outlook subscriptions show events, not todos). A deadline given as a
// day is written as that day (VALUE=DATE), any other in local time with its TZID, as
// engine/time.h's deadline_date reads it. Pure functions over plain values; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/time.h"

#include <nlohmann/json.hpp>

namespace dutyflow::http {

// TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon and comma get a backslash,
// a newline becomes "\n"; a CR (alone or before LF) is dropped.
std::string ics_escape(std::string_view text);

// One content line (without its CRLF) folded so that no physical line is longer than 75
// octets (3.1): continuation lines start with one space, and a fold never splits a UTF-8
// sequence. Every physical line ends with CRLF.
std::string ics_fold(std::string_view line);

// 20230615T100000Z
std::string ics_utc(instant at);
// 20230615T170000: local time in the zone with the given offset (for a TZID parameter).
std::string ics_local(instant at, std::chrono::minutes offset);
// 20230616
std::string ics_date(date day);

// The zone of a plan as the feed names it: the TZID and its fixed offset (a VTIMEZONE
// with one STANDARD rule is written for it). Zones other than +07:00 are named by their
// offset ("UTC+08:00"). Default: Asia/Ho_Chi_Minh.
struct ics_zone {
  std::string tzid = "Asia/Ho_Chi_Minh";
  std::chrono::minutes offset{7 * 60};
  bool operator==(const ics_zone&) const = default;
};
ics_zone ics_zone_of(std::chrono::minutes offset);

// A reminder: either relative to the VTODO's DUE (negative: before it) or at an instant.
struct ics_alarm {
  std::optional<std::chrono::seconds> before_due;  // e.g. 3 days -> TRIGGER;RELATED=END:-P3D
  std::optional<instant> at;                       // TRIGGER;VALUE=DATE-TIME:...
  std::string description;
};

struct ics_todo {
  std::string uid;
  std::string summary;
  std::string description;
  std::vector<std::string> categories;
  std::optional<instant> due;  // a day deadline (local midnight) is written as its day
  ics_zone zone;               // of the plan: where "a day" and local times are read
  std::optional<instant> completed;
  std::string status;  // NEEDS-ACTION, IN-PROCESS, COMPLETED, CANCELLED
  int sequence = 0;
  std::vector<ics_alarm> alarms;  // only written when `due` is known
  // Also write a VEVENT for the deadline (all day on its day, or at its time). Default: true.
  bool deadline_event = true;
};

// A VEVENT of its own: a milestone such as the conference.
struct ics_event {
  std::string uid;
  std::string summary;
  std::string description;
  std::string location;
  instant start{};
  std::optional<instant> end;  // none: an event at one instant
  ics_zone zone;
  std::vector<std::string> categories;
  int sequence = 0;
};

// One VEVENT per milestone of `plan` (plan JSON as GET /api/v1/plans/{plan} gives it: id,
// number, timezone, milestones [{id, title, at}]) whose date is set.
std::vector<ics_event> ics_milestone_events(const nlohmann::json& plan);

// "-P3D", "-PT12H", "-PT30M", "-PT90S": a negative DURATION value of `before` (positive input).
std::string ics_duration_before(std::chrono::seconds before);

// A whole VCALENDAR (METHOD:PUBLISH): the VTIMEZONEs used, the `events`, then each todo
// followed by the VEVENT of its deadline; `stamp` is every DTSTAMP.
std::string ics_calendar(std::string_view name, const std::vector<ics_todo>& todos, instant stamp,
                         const std::vector<ics_event>& events = {});

}  // namespace dutyflow::http

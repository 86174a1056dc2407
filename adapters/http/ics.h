// iCalendar (RFC 5545) text for the units' deadline feeds: escaping, line folding and a
// VCALENDAR of VTODOs with VALARMs. Pure functions over plain values; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/time.h"

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
  std::optional<instant> due;
  std::optional<instant> completed;
  std::string status;  // NEEDS-ACTION, IN-PROCESS, COMPLETED, CANCELLED
  int sequence = 0;
  std::vector<ics_alarm> alarms;  // only written when `due` is known
};

// "-P3D", "-PT12H", "-PT30M", "-PT90S": a negative DURATION value of `before` (positive input).
std::string ics_duration_before(std::chrono::seconds before);

// A whole VCALENDAR (METHOD:PUBLISH) with the todos in order; `stamp` is every DTSTAMP.
std::string ics_calendar(std::string_view name, const std::vector<ics_todo>& todos, instant stamp);

}  // namespace dutyflow::http

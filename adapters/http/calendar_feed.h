// A unit's iCalendar feed (GET /api/v1/units/{unit}/calendar.ics) and the signed link a
// calendar app subscribes with (GET /api/v1/units/{unit}/calendar-link). The engine thread
// only takes the snapshot; the feed is written on the replayer's threads. The builder
// below the handlers is pure and tested without a socket.
#pragma once

#include "adapters/http/handlers.h"
#include "engine/calendar.h"
#include "engine/read_model.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::http {

// The caller was authenticated (a token, or a signed link) by the router.
void get_unit_calendar(services& ctx, const std::string& unit, const respond_fn& respond);
// {"url": "/api/v1/units/U/calendar.ics?exp=..&sig=..", "expires": ISO}: a coordinator for
// any unit, a unit for itself (403 otherwise).
void get_calendar_link(services& ctx, const std::string& unit, const actor& caller, const respond_fn& respond);

// The VCALENDAR of `unit`: one VTODO per duty in `duties` (duty JSON as the API gives it,
// already filtered to the unit), `plans` (plan JSON with number and title, by id) for the
// descriptions, `now` as DTSTAMP. `calendar` counts working-day reminders; null: counted
// as days.
std::string unit_calendar(const std::string& unit_name, const std::vector<nlohmann::json>& duties,
                          const std::map<std::string, nlohmann::json>& plans, instant now,
                          const working_calendar* calendar);
// RFC 5545 STATUS of a duty: NEEDS-ACTION (Assigned, Returned), COMPLETED (Done),
// CANCELLED (Cancelled, Absent), IN-PROCESS otherwise.
std::string_view ics_status(progress_state progress);

}  // namespace dutyflow::http

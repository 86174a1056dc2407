// The API's handlers for plans, duties, events, notifications and the admin clock: plain
// functions from (services, request, caller) to a response, delivered through `respond`
// (from the engine thread for anything that touches the engine, after the commit for
// anything that changes it). The router (router.h) calls them from the route table
// (routes.h) once it authenticated the caller. No sockets here; tests call them directly.
#pragma once

#include "adapters/http/message.h"
#include "adapters/http/services.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/runner.h"

#include <functional>

namespace dutyflow::http {

using respond_fn = std::function<void(response)>;

void get_health(const request& req, const respond_fn& respond);
void list_plans(services& ctx, const request& req, const actor& caller, const respond_fn& respond);
void create_plan(services& ctx, const request& req, const actor& caller, const respond_fn& respond);
void get_plan(services& ctx, const std::string& plan, const actor& caller, const respond_fn& respond);
void put_milestone(services& ctx, const request& req, const std::string& plan, const std::string& milestone,
                   const actor& caller, const respond_fn& respond);
void get_duty(services& ctx, const std::string& plan, const std::string& duty, const actor& caller,
              const respond_fn& respond);
void post_event(services& ctx, const request& req, const std::string& plan, const std::string& duty,
                const actor& caller, const respond_fn& respond);
// The command a POST .../events asks for: the body {"event", "note", "data"} and the
// If-Match and Idempotency-Key headers, checked for shape only (the engine decides the
// rest). Fails with errc::invalid naming what is wrong.
result<command> parse_event_request(const request& req, const std::string& plan, const std::string& duty,
                                    const actor& caller);
void list_duties(services& ctx, const request& req, const actor& caller, const respond_fn& respond);
void list_notifications(services& ctx, const request& req, const actor& caller, const respond_fn& respond);
void admin_clock(services& ctx, const request& req, const actor& caller, const respond_fn& respond);

// The JSON of an outbox row as the API shows it.
nlohmann::json notification_json(const outbox_row& row);

}  // namespace dutyflow::http

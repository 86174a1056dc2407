// The API's handlers: plain functions from (request, caller) to a response, delivered
// through `respond` (from the engine thread for anything that touches the engine, after
// the commit for anything that changes it). No sockets here; tests call them directly.
#pragma once

#include "adapters/http/message.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/runner.h"

#include <functional>

namespace dutyflow::http {

using respond_fn = std::function<void(response)>;

struct view_services;
struct ack_links;
class import_services;
class event_rate_limiter;

// What the handlers work with. Owned by the daemon; outlives every request.
struct context {
  engine_runner& runner;
  const kind_registry& kinds;
  manual_clock* manual = nullptr;  // set only when dutyflowd runs on a manual clock
  // Runs on the engine thread after the manual clock moved, before the answer (the
  // scheduler fires what became due, so the caller sees its effects at once).
  std::function<void(engine&)> after_clock_move;
  // The dashboard, stream, feeds and metrics (views.h); null: those routes answer 404.
  view_services* views = nullptr;
  // One-click acknowledgement links (ack_link.h); null: /a/{token} answers 404.
  ack_links* acks = nullptr;
  // The units directories plan imports take ids, names and contacts from (imports.h);
  // null: imports name units as the document writes them, without contacts.
  import_services* imports = nullptr;
  // How large a plan POST /api/v1/plans may load (dutyflowd's "plan_limits").
  plan_limits plan_size{};
  // How fast a token may fire events, load plans and move milestones (rate_limit.h);
  // null: as fast as it likes.
  event_rate_limiter* event_rate = nullptr;
};

void get_health(const request& req, const respond_fn& respond);
void list_plans(context& ctx, const request& req, const actor& caller, const respond_fn& respond);
void create_plan(context& ctx, const request& req, const actor& caller, const respond_fn& respond);
void get_plan(context& ctx, const std::string& plan, const actor& caller, const respond_fn& respond);
void put_milestone(context& ctx, const request& req, const std::string& plan, const std::string& milestone,
                   const actor& caller, const respond_fn& respond);
void get_duty(context& ctx, const std::string& plan, const std::string& duty, const actor& caller,
              const respond_fn& respond);
void post_event(context& ctx, const request& req, const std::string& plan, const std::string& duty,
                const actor& caller, const respond_fn& respond);
// The command a POST .../events asks for: the body {"event", "note", "data"} and the
// If-Match and Idempotency-Key headers, checked for shape only (the engine decides the
// rest). Fails with errc::invalid naming what is wrong.
result<command> parse_event_request(const request& req, const std::string& plan, const std::string& duty,
                                    const actor& caller);
void list_duties(context& ctx, const request& req, const actor& caller, const respond_fn& respond);
void list_notifications(context& ctx, const request& req, const actor& caller, const respond_fn& respond);
void admin_clock(context& ctx, const request& req, const actor& caller, const respond_fn& respond);

// The JSON of an outbox row as the API shows it.
nlohmann::json notification_json(const outbox_row& row);

}  // namespace dutyflow::http

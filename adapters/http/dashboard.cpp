#include "adapters/http/dashboard.h"
#include "adapters/http/assets.h"
#include "adapters/http/view_fields.h"

namespace dutyflow::http {

using nlohmann::json;

namespace {

std::string_view who_name(who w) {
  switch (w) {
    case who::owner:
      return "owner";
    case who::coordinator:
      return "coordinator";
    case who::owner_or_coordinator:
      return "owner_or_coordinator";
    case who::system:
      return "system";
  }
  return "system";
}

std::string_view needs_name(requirement r) {
  switch (r) {
    case requirement::none:
      return "none";
    case requirement::note:
      return "note";
    case requirement::data_string:
      return "string";
    case requirement::data_url:
      return "url";
    case requirement::data_count:
      return "count";
    case requirement::data_unit:
      return "unit";
    case requirement::data_list:
      return "list";
  }
  return "none";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Dashboard assets

response get_asset(const request& req) {
  std::string_view path = req.path;
  if (path.starts_with("/assets/")) path.remove_prefix(7);
  const auto* a = find_asset(path);
  if (!a) return error_response(404, "not_found", "no such resource: " + req.path);
  response r;
  r.content_type = std::string(a->content_type);
  r.body = std::string(a->body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  // Everything comes from this server: no CDN, no inline script, no framing.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  return r;
}

// ---------------------------------------------------------------------------------------
// Dashboard helpers

void get_kinds(services& ctx, const respond_fn& respond) {
  json kinds = json::array();
  for (auto name : ctx.kinds.names()) {
    const auto* k = ctx.kinds.find(name);
    if (!k) continue;
    json events = json::array();
    for (const auto& e : k->events())
      events.push_back(json{{"name", event_name(e.type)},
                            {"label", e.label_vi},
                            {"by", who_name(e.by)},
                            {"needs", needs_name(e.needs)},
                            {"field", e.field}});
    json states = json::array();
    for (const auto& s : k->states())
      states.push_back(json{{"name", s.name},
                            {"label", s.label_vi},
                            {"region", s.in == region::progress ? "progress" : "timeliness"},
                            {"terminal", s.terminal}});
    kinds.push_back(json{{"name", k->name()}, {"label", k->label_vi()}, {"events", events}, {"states", states}});
  }
  respond(json_response(200, json{{"kinds", kinds}}));
}

response get_me(const actor& caller) {
  return json_response(200, json{{"name", caller.name},
                                 {"role", role_name(caller.role)},
                                 {"unit", caller.unit.empty() ? json(nullptr) : json(caller.unit)}});
}

void get_now(services& ctx, const respond_fn& respond) {
  respond(
      json_response(200, json{{"now", format_instant(ctx.clock.now(), display_offset)}, {"clock", ctx.clock.mode()}}));
}

}  // namespace dutyflow::http

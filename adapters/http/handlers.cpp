#include "adapters/http/handlers.h"
#include "adapters/http/json_views.h"
#include "adapters/http/rate_limit.h"

#include "engine/json_limits.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace dutyflow::http {

using nlohmann::json;

namespace {

// The body as a JSON object, or errc::invalid. The reason says where the body went wrong,
// by byte offset, never by quoting it: the bytes may not be text at all.
result<json> json_object_body(const std::string& body) {
  // nlohmann's parser rejects ill-formed UTF-8 in strings too, but says so in terms of
  // its own parse state; checking first gives the client the plain reason.
  if (auto at = invalid_utf8_at(body); at != std::string_view::npos)
    return make_error(errc::invalid,
                      "body is not valid UTF-8 (byte " + std::to_string(at) + "); JSON text must be UTF-8",
                      json{{"offset", at}});
  // Depth-limited and strict about repeated keys (engine/json_limits.h): a body nested
  // 140,000 levels deep must be refused before it is built, not copied or dumped later.
  auto out = parse_json(body);
  if (!out) {
    auto e = std::move(out).err();
    e.message = (e.message.starts_with("has ") ? "body " : "body is ") + e.message;
    return e;
  }
  if (!out->is_object()) return make_error(errc::invalid, "body must be a JSON object");
  return out;
}

// Answers 400 unless the body is a JSON object.
bool parse_object(const request& req, json& out, const respond_fn& respond) {
  auto body = json_object_body(req.body);
  if (!body) {
    respond(error_response(body.err()));
    return false;
  }
  out = std::move(*body);
  return true;
}

const std::string& query(const request& req, const char* key) {
  static const std::string empty;
  auto it = req.query.find(key);
  return it == req.query.end() ? empty : it->second;
}

// A filter on ids, state or reason names: letters, digits, "-", "_" and "." (a fanned-out
// duty is "<duty>.<unit>"). Anything else cannot match, so it is refused as a mistake
// rather than answered with an empty list. Answers 400 and returns false when `value` is
// not such a name.
bool name_filter(const request& req, const char* key, std::string& out, const respond_fn& respond) {
  out = query(req, key);
  bool ok = out.size() <= 160;
  for (char c : out)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.');
  if (!ok)
    respond(error_response(
        400, "invalid", std::string("\"") + key + "\" must be an id or a name (letters, digits, \"-\", \"_\", \".\")",
        {{"parameter", key}}));
  return ok;
}

// Counts a request that may journal events against the caller's allowances (and the
// duty's, for a unit's event); answers 429 with Retry-After and returns false when one is
// used up. Checked before the body is parsed: a refused request costs nearly nothing.
bool within_rate(services& ctx, const actor& caller, const std::string& plan, const std::string& duty,
                 const respond_fn& respond) {
  const auto v = ctx.event_rate.check(caller, plan, duty, std::chrono::steady_clock::now());
  if (v.refused == event_rate_limiter::limit::none) return true;
  const auto seconds = std::to_string(v.retry_after.count());
  const bool on_duty = v.refused == event_rate_limiter::limit::duty;
  auto r = error_response(429, "too_many_requests",
                          (on_duty ? "too many events on this duty; try again in " + seconds + " s"
                                   : "too many events from this token; try again in " + seconds + " s"),
                          {{"retry_after", v.retry_after.count()}, {"limit", on_duty ? "duty" : "token"}});
  r.headers.emplace_back("Retry-After", seconds);
  if (v.first)
    spdlog::warn("http: {} ({}) used up its {} event allowance{}; refusing it for {} s (and while it keeps trying)",
                 caller.name, role_name(caller.role), on_duty ? "per-duty" : "per-token",
                 on_duty ? " on " + log_safe(plan + "/" + duty) : "", seconds);
  respond(std::move(r));
  return false;
}

std::string display_offset_now(const clock_source& clock) {
  return format_instant(clock.now(), std::chrono::minutes{420});
}

}  // namespace

json notification_json(const outbox_row& o) {
  auto fmt = [](instant t) { return format_instant(t, std::chrono::minutes{420}); };
  return json{{"id", o.id},
              {"key", o.key},
              {"plan", o.plan},
              {"duty", o.duty},
              {"unit", o.unit},
              {"reason", o.reason},
              {"point", fmt(o.point)},
              {"channel", o.channel},
              {"status", outbox_status_name(o.status)},
              {"attempts", o.attempts},
              {"last_error", o.last_error},
              {"created_at", fmt(o.created_at)},
              {"delivered_at", o.delivered_at ? json(fmt(*o.delivered_at)) : json(nullptr)}};
}

void get_health(const request&, const respond_fn& respond) { respond(json_response(200, json{{"status", "ok"}})); }

void list_plans(services& ctx, const request&, const actor&, const respond_fn& respond) {
  ctx.runner.post([respond](engine& e) { respond(json_response(200, json{{"plans", to_json(e.plan_summaries())}})); });
}

void create_plan(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  if (caller.role != role::coordinator) {
    respond(error_response(403, "forbidden", "only a coordinator may load a plan"));
    return;
  }
  // ?dry_run=true: everything a POST would check (validation here, the id on the engine
  // thread), nothing loaded or journaled, so it counts against no allowance: the
  // dashboard's review table validates each edit with it.
  bool dry_run = false;
  if (const auto& dry = query(req, "dry_run"); !dry.empty()) {
    if (dry != "true" && dry != "1") {
      respond(error_response(400, "invalid", "dry_run must be \"true\" or absent"));
      return;
    }
    dry_run = true;
  }
  if (!dry_run && !within_rate(ctx, caller, "", "", respond)) return;
  json doc;
  if (!parse_object(req, doc, respond)) return;
  // Validation is pure: it runs here, off the engine thread.
  auto loaded = load_plan(doc, ctx.kinds, ctx.plan_size);
  if (!loaded) {
    respond(error_response(loaded.err()));
    return;
  }
  json warnings = json::array();
  for (const auto& w : loaded->warnings) warnings.push_back(json{{"path", w.path}, {"message", w.message}});
  auto p = loaded->value;
  if (dry_run) {
    auto load = std::make_shared<const plan_load>(std::move(*loaded));
    ctx.runner.post([p, load, warnings, respond](engine& e) {
      auto known = e.loaded_as(*load);
      if (!known) {
        respond(error_response(known.err()));
        return;
      }
      respond(json_response(200, json{{"valid", true},
                                      {"plan", p->id},
                                      {"duties", p->duties.size()},
                                      {"units", p->units.size()},
                                      {"loaded", *known},
                                      {"warnings", warnings}}));
    });
    return;
  }
  // Shared, not copied: the canonical text of a large plan is megabytes.
  auto load = std::make_shared<const plan_load>(std::move(*loaded));
  ctx.runner.post([&ctx, p, load, caller, warnings, respond](engine& e) {
    auto added = e.load(*load, caller);
    if (!added) {
      respond(error_response(added.err()));
      return;
    }
    auto body = e.read_plan(p->id);
    json out = body ? to_json(*body) : json::object();
    out["warnings"] = warnings;
    auto r = json_response(*added ? 201 : 200, out);
    r.headers.emplace_back("Location", "/api/v1/plans/" + p->id);
    respond(std::move(r));
  });
}

void get_plan(services& ctx, const std::string& plan, const actor&, const respond_fn& respond) {
  ctx.runner.post([plan, respond](engine& e) {
    auto j = e.read_plan(plan);
    respond(j ? json_response(200, to_json(*j)) : error_response(j.err()));
  });
}

void put_milestone(services& ctx, const request& req, const std::string& plan, const std::string& milestone,
                   const actor& caller, const respond_fn& respond) {
  if (caller.role != role::coordinator) {
    respond(error_response(403, "forbidden", "only a coordinator may set a milestone"));
    return;
  }
  if (!within_rate(ctx, caller, plan, "", respond)) return;
  json doc;
  if (!parse_object(req, doc, respond)) return;
  if (!doc.contains("at") || !doc["at"].is_string()) {
    respond(error_response(400, "invalid", "body needs \"at\": an ISO-8601 date-time with offset"));
    return;
  }
  auto at = parse_instant(doc["at"].get<std::string>());
  if (!at) {
    respond(error_response(400, "invalid", "at: " + at.err().message));
    return;
  }
  // A date before the daemon's clock fires at once what fell due since: only on purpose.
  const auto confirm = req.query.find("confirm");
  const bool confirm_past = confirm != req.query.end() && confirm->second == "past";
  ctx.runner.post([&ctx, plan, milestone, at = *at, caller, confirm_past, respond](engine& e) {
    auto r = e.set_milestone(plan, milestone, at, caller, confirm_past);
    if (!r && r.err().code == errc::conflict && r.err().details.contains("confirm")) {
      respond(error_response(409, "confirm_past", r.err().message, r.err().details));
      return;
    }
    respond(r ? json_response(200, to_json(*r)) : error_response(r.err()));
  });
}

void get_duty(services& ctx, const std::string& plan, const std::string& duty, const actor& caller,
              const respond_fn& respond) {
  ctx.runner.post([plan, duty, caller, respond](engine& e) {
    auto j = e.read_duty(plan, duty, &caller, true);
    if (!j) {
      respond(error_response(j.err()));
      return;
    }
    auto r = json_response(200, to_json(*j));
    r.headers.emplace_back("ETag", "\"" + std::to_string(j->version) + "\"");
    respond(std::move(r));
  });
}

result<command> parse_event_request(const request& req, const std::string& plan, const std::string& duty,
                                    const actor& caller) {
  auto invalid = [](std::string message) { return make_error(errc::invalid, std::move(message)); };
  auto body = json_object_body(req.body);
  if (!body) return body.err();
  json doc = std::move(*body);
  command cmd;
  cmd.plan = plan;
  cmd.duty = duty;
  cmd.by = caller;
  cmd.want_answer = true;
  auto ev = doc.find("event");
  if (ev == doc.end() || !ev->is_string() || ev->get<std::string>().empty())
    return invalid("body needs \"event\": the name of the event");
  cmd.event = ev->get<std::string>();
  if (auto n = doc.find("note"); n != doc.end() && !n->is_null()) {
    if (!n->is_string()) return invalid("\"note\" must be a string");
    cmd.note = n->get<std::string>();
    if (cmd.note.size() > 10000) return invalid("\"note\" is longer than 10000 bytes");
  }
  if (auto d = doc.find("data"); d != doc.end() && !d->is_null()) {
    if (!d->is_object()) return invalid("\"data\" must be an object");
    // Moved, not copied: the engine checks its fields against the event's spec.
    cmd.data = std::move(*d);
  }
  if (!req.if_match.empty()) {
    std::string v = req.if_match;
    if (v.starts_with("W/")) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::int64_t version = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
    if (ec != std::errc{} || p != v.data() + v.size() || version < 0)
      return invalid("If-Match must be a duty version such as \"3\"");
    cmd.expected_version = version;
  }
  if (!req.idempotency_key.empty()) {
    if (req.idempotency_key.size() > 255) return invalid("Idempotency-Key is longer than 255 characters");
    // The key is journaled: only visible ASCII goes in (RFC 9110 allows other bytes in a
    // header value, but no client needs them in a key).
    for (unsigned char c : req.idempotency_key)
      if (c < 0x21 || c > 0x7E) return invalid("Idempotency-Key must be visible ASCII characters only");
    cmd.idempotency_key = req.idempotency_key;
  }
  return cmd;
}

void post_event(services& ctx, const request& req, const std::string& plan, const std::string& duty,
                const actor& caller, const respond_fn& respond) {
  // No event is a viewer's to fire: refused before the body is read at all.
  if (caller.role == role::viewer) {
    respond(error_response(403, "forbidden", "a viewer may not fire events"));
    return;
  }
  if (!within_rate(ctx, caller, plan, duty, respond)) return;
  auto cmd = parse_event_request(req, plan, duty, caller);
  if (!cmd) {
    respond(error_response(cmd.err()));
    return;
  }
  ctx.runner.submit(std::move(*cmd), [respond](result<applied> r) {
    if (!r) {
      respond(error_response(r.err()));
      return;
    }
    const json answer = r->answer ? to_json(*r->answer) : json();
    auto out = json_response(200, answer);
    out.headers.emplace_back("ETag", "\"" + std::to_string(answer.value("version", r->version)) + "\"");
    if (r->replayed) out.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(out));
  });
}

void list_duties(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  duty_filter f;
  if (!name_filter(req, "plan", f.plan, respond) || !name_filter(req, "unit", f.unit, respond) ||
      !name_filter(req, "state", f.state, respond))
    return;
  const auto& overdue = query(req, "overdue");
  if (overdue == "true" || overdue == "1") f.overdue_only = true;
  else if (!overdue.empty() && overdue != "false" && overdue != "0") {
    respond(error_response(400, "invalid", "overdue must be true or false"));
    return;
  }
  ctx.runner.post([f, caller, respond](engine& e) {
    json list = json::array();
    for (auto& d : to_json(e.read_duties(f, &caller))) list.push_back(std::move(d));
    respond(json_response(200, json{{"duties", list}}));
  });
}

void list_notifications(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  if (caller.role != role::coordinator) {
    respond(error_response(403, "forbidden", "only a coordinator may read notifications"));
    return;
  }
  outbox_filter f;
  if (!name_filter(req, "plan", f.plan, respond) || !name_filter(req, "unit", f.unit, respond) ||
      !name_filter(req, "duty", f.duty, respond) || !name_filter(req, "reason", f.reason, respond) ||
      !name_filter(req, "status", f.status, respond))
    return;
  if (const auto& limit = query(req, "limit"); !limit.empty()) {
    int v = 0;
    auto [p, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), v);
    if (ec != std::errc{} || p != limit.data() + limit.size() || v < 1 || v > 100000) {
      respond(error_response(400, "invalid", "limit must be a whole number from 1 to 100000"));
      return;
    }
    f.limit = v;
  }
  ctx.runner.post([f, respond](engine& e) {
    auto rows = e.notifications(f);
    if (!rows) {
      respond(error_response(rows.err()));
      return;
    }
    json list = json::array();
    for (const auto& o : *rows) list.push_back(notification_json(o));
    respond(json_response(200, json{{"notifications", list}}));
  });
}

void admin_clock(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  if (!ctx.manual) {
    respond(error_response(404, "not_found", "the clock is not manual (start dutyflowd with --clock manual:ISO)"));
    return;
  }
  if (caller.role != role::coordinator) {
    respond(error_response(403, "forbidden", "only a coordinator may move the clock"));
    return;
  }
  json doc;
  if (!parse_object(req, doc, respond)) return;
  std::optional<instant> set_to;
  std::optional<std::chrono::microseconds> step;
  if (auto a = doc.find("advance"); a != doc.end()) {
    if (!a->is_string()) {
      respond(error_response(400, "invalid", "\"advance\" must be a duration such as \"6h\""));
      return;
    }
    auto d = parse_duration(a->get<std::string>());
    if (!d || d->is_working_days() || d->amount < 0) {
      respond(error_response(400, "invalid", "\"advance\" must be a non-negative duration in m, h or d"));
      return;
    }
    step = d->fixed();
  } else if (auto s = doc.find("set"); s != doc.end()) {
    auto t = s->is_string() ? parse_instant(s->get<std::string>()) : result<instant>(make_error(errc::invalid, "not a string"));
    if (!t) {
      respond(error_response(400, "invalid", "\"set\" must be an ISO-8601 date-time with offset"));
      return;
    }
    set_to = *t;
  } else {
    respond(error_response(400, "invalid", "body needs \"advance\" or \"set\""));
    return;
  }
  // Moved on the engine thread, so nothing the engine does sees time jump mid-command.
  ctx.runner.post([&ctx, set_to, step, respond](engine& e) {
    status moved = set_to ? ctx.manual->set(*set_to) : ctx.manual->advance(*step);
    if (!moved) {
      respond(error_response(moved.err()));
      return;
    }
    spdlog::info("clock: manual clock now {}", display_offset_now(*ctx.manual));
    if (ctx.after_clock_move) ctx.after_clock_move(e);
    respond(json_response(200, json{{"now", display_offset_now(*ctx.manual)}}));
  });
}

}  // namespace dutyflow::http

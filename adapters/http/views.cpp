#include "adapters/http/views.h"
#include "engine/scheduler.h"
#include "adapters/http/assets.h"
#include "adapters/http/csv.h"
#include "adapters/http/ics.h"
#include "adapters/http/json_views.h"
#include "adapters/http/prometheus.h"
#include "adapters/http/stream_replay.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <set>

namespace dutyflow::http {

using nlohmann::json;

namespace {

constexpr std::chrono::minutes display_offset{420};  // the API's +07:00

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<instant> instant_of(const json& j, const char* key) {
  auto text = str(j, key);
  if (text.empty()) return std::nullopt;
  auto t = parse_instant(text);
  return t ? std::optional<instant>(*t) : std::nullopt;
}

// "3d" -> "3 ngày", "2wd" -> "2 ngày làm việc", "12h" -> "12 giờ", "30m" -> "30 phút".
std::string duration_vi(const duration_spec& d) {
  const auto n = std::to_string(d.amount < 0 ? -d.amount : d.amount);
  switch (d.unit_) {
    case duration_spec::unit::minutes:
      return n + " phút";
    case duration_spec::unit::hours:
      return n + " giờ";
    case duration_spec::unit::days:
      return n + " ngày";
    case duration_spec::unit::working_days:
      return n + " ngày làm việc";
  }
  return n;
}

bool parse_id(std::string_view text, std::int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && p == text.data() + text.size() && out >= 0;
}

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

view_services* services(context& ctx, const respond_fn& respond) {
  if (!ctx.views) respond(error_response(404, "not_found", "this daemon serves no views"));
  return ctx.views;
}

response method_not_allowed(const char* allow) {
  auto r = error_response(405, "method_not_allowed", std::string("use ") + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

bool is_read(const request& req) {
  return req.method == "GET" || req.method == "HEAD";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Routing

bool route_public(context& ctx, const request& req, const std::vector<std::string>& parts,
                  const std::optional<actor>& caller, const respond_fn& respond) {
  const auto n = parts.size();
  if (n == 0 || (n == 1 && parts[0] == "index.html") || (n == 2 && parts[0] == "assets")) {
    if (!is_read(req)) {
      respond(method_not_allowed("GET"));
      return true;
    }
    respond(get_asset(req));
    return true;
  }
  if (n == 1 && parts[0] == "metrics") {
    if (!is_read(req)) {
      respond(method_not_allowed("GET"));
      return true;
    }
    get_metrics(ctx, req, caller, respond);
    return true;
  }
  // A calendar app cannot send a token: a signed link stands in for one.
  if (n == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "units" && parts[4] == "calendar.ics" &&
      req.query.contains("sig") && req.authorization.empty()) {
    auto* v = services(ctx, respond);
    if (!v) return true;
    if (!is_read(req)) {
      respond(method_not_allowed("GET"));
      return true;
    }
    auto exp = req.query.find("exp");
    if (exp == req.query.end() ||
        !v->calendar_links.verify(req.path, exp->second, req.query.at("sig"), v->clock.now())) {
      respond(error_response(403, "forbidden", "the calendar link is not valid or has expired; ask for a new one"));
      return true;
    }
    get_unit_calendar(ctx, parts[3], respond);
    return true;
  }
  return false;
}

bool route_views(context& ctx, const request& req, const std::vector<std::string>& parts, const actor& caller,
                 const respond_fn& respond) {
  const auto n = parts.size();
  auto get_only = [&](auto&& fn) {
    if (is_read(req))
      fn();
    else
      respond(method_not_allowed("GET"));
    return true;
  };
  if (n == 3 && parts[2] == "stream") {
    if (req.method == "GET")
      stream_events(ctx, req, caller, respond);
    else
      respond(method_not_allowed("GET"));  // not HEAD either: a stream has no end to describe
    return true;
  }
  if (n == 3 && parts[2] == "kinds") return get_only([&] { get_kinds(ctx, respond); });
  if (n == 3 && parts[2] == "now") return get_only([&] { get_now(ctx, respond); });
  if (n == 3 && parts[2] == "me") return get_only([&] { respond(get_me(caller)); });
  if (n == 5 && parts[2] == "units" && parts[4] == "calendar.ics")
    return get_only([&] { get_unit_calendar(ctx, parts[3], respond); });
  if (n == 5 && parts[2] == "units" && parts[4] == "calendar-link")
    return get_only([&] { get_calendar_link(ctx, parts[3], caller, respond); });
  if (n == 5 && parts[2] == "plans" && parts[4] == "report.csv")
    return get_only([&] { get_report_csv(ctx, parts[3], respond); });
  return false;
}

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
// Live stream

void stream_events(context& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  auto* v = services(ctx, respond);
  if (!v) return;
  std::optional<std::int64_t> last;
  std::string last_text = req.last_event_id;
  if (last_text.empty()) {
    if (auto it = req.query.find("last_event_id"); it != req.query.end()) last_text = it->second;
  }
  if (!last_text.empty()) {
    std::int64_t id = 0;
    if (!parse_id(last_text, id)) {
      respond(error_response(400, "invalid", "Last-Event-ID must be an event id (a whole number)"));
      return;
    }
    last = id;
  }
  if (last && !v->replay) {
    respond(error_response(503, "unavailable",
                           "this daemon cannot replay missed events; reconnect without Last-Event-ID"));
    return;
  }
  // A place under the stream limits, given back when the connection closes: one token
  // cannot hold every stream, and streams cannot hold every connection.
  bool per_token = false;
  auto lease = v->hub.admit(caller.name, per_token);
  if (!lease) {
    auto r = per_token ? error_response(429, "too_many_requests",
                                        "this token has " + std::to_string(v->hub.options().streams_per_token) +
                                            " streams open already, the most one token may; close one",
                                        {{"retry_after", 5}})
                       : error_response(503, "unavailable", "too many streams are open; try again shortly",
                                        {{"retry_after", 5}});
    r.headers.emplace_back("Retry-After", "5");
    respond(std::move(r));
    return;
  }
  spdlog::info("stream: {} connected from {} (last event {})", caller.name, log_safe(req.remote), last ? *last : -1);
  response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.lease = std::move(lease);
  event_hub& hub = v->hub;
  stream_replayer* replay = v->replay;
  r.stream = [&hub, replay, last](std::shared_ptr<stream_sink> sink) {
    if (sink->write(hub.preamble()) != stream_sink::offer::queued) return;
    // No engine thread here: a new client joins the live stream as it is, a returning one
    // is replayed from the journal by the replayer's threads, which then hand it over.
    if (!last) return hub.join(std::move(sink));
    replay->replay(std::move(sink), *last);
  };
  respond(std::move(r));
}

// ---------------------------------------------------------------------------------------
// Dashboard helpers

void get_kinds(context& ctx, const respond_fn& respond) {
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

void get_now(context& ctx, const respond_fn& respond) {
  auto* v = services(ctx, respond);
  if (!v) return;
  respond(
      json_response(200, json{{"now", format_instant(v->clock.now(), display_offset)}, {"clock", v->clock.mode()}}));
}

// ---------------------------------------------------------------------------------------
// iCalendar

std::string_view ics_status(std::string_view progress) {
  if (progress == "Assigned" || progress == "Returned") return "NEEDS-ACTION";
  if (progress == "Done") return "COMPLETED";
  if (progress == "Cancelled" || progress == "Absent") return "CANCELLED";
  return "IN-PROCESS";
}

std::string unit_calendar(const std::string& unit_name, const std::vector<json>& duties,
                          const std::map<std::string, json>& plans, instant now, const working_calendar* calendar) {
  std::vector<ics_todo> todos;
  for (const auto& d : duties) {
    ics_todo t;
    const auto plan_id = str(d, "plan");
    const json* plan = nullptr;
    if (auto it = plans.find(plan_id); it != plans.end()) plan = &it->second;
    std::chrono::minutes tz = display_offset;
    if (plan) {
      if (auto z = parse_timezone(str(*plan, "timezone"))) tz = *z;
    }
    // Day deadlines are written as their day (DUE;VALUE=DATE), timed ones in the plan's zone.
    t.zone = ics_zone_of(tz);
    t.uid = plan_id + "/" + str(d, "id") + "@dutyflow";
    t.summary = str(d, "title");
    t.sequence = d.value("version", 1) > 0 ? static_cast<int>(d.value("version", 1) - 1) : 0;
    const auto& st = d.contains("state") ? d["state"] : json::object();
    t.status = std::string(ics_status(str(st, "progress")));
    t.due = instant_of(d, "deadline");
    if (t.status == "COMPLETED") t.completed = instant_of(d, "finished_at");
    std::string desc;
    if (plan) desc += "Kế hoạch " + str(*plan, "number") + ": " + str(*plan, "title") + "\n";
    desc += "Loại: " + str(d, "kind_label") + "\n";
    desc += "Trạng thái: " + str(st, "progress_label") + " · " + str(st, "timeliness_label") + "\n";
    desc += "Tình trạng: " + str(d, "status_label") + "\n";
    desc += "Hạn: " + (t.due ? vietnamese_deadline(*t.due, tz) : std::string("chờ ấn định"));
    t.description = desc;
    t.categories = {str(d, "kind_label")};
    if (plan) t.categories.push_back(str(*plan, "number"));

    const json before = d.contains("reminders") ? d["reminders"].value("before", json::array()) : json::array();
    for (const auto& b : before) {
      if (!b.is_string() || !t.due) continue;
      auto spec = parse_duration(b.get<std::string>());
      if (!spec) continue;
      ics_alarm a;
      const auto amount = spec->amount < 0 ? -spec->amount : spec->amount;
      a.description = "Nhắc hạn (còn " + duration_vi(*spec) + "): " + t.summary;
      if (spec->is_working_days()) {
        if (calendar) {
          // The same time of day, |amount| working days before the deadline's day.
          const date day = local_date(*t.due, tz);
          const auto time_of_day = *t.due - start_of_day(day, tz);
          const date back = calendar->add_working_days(day, -static_cast<int>(amount));
          if (back.ok()) a.at = start_of_day(back, tz) + time_of_day;
        }
        if (!a.at) a.before_due = std::chrono::hours(24 * amount);
      } else {
        auto fixed = std::chrono::duration_cast<std::chrono::seconds>(spec->fixed());
        a.before_due = fixed.count() < 0 ? -fixed : fixed;
      }
      t.alarms.push_back(std::move(a));
    }
    todos.push_back(std::move(t));
  }
  // The conference (and any other set milestone) of the plans the unit has duties in, as
  // events: calendar subscriptions (Google Calendar, Outlook) show VEVENTs, not VTODOs.
  std::vector<ics_event> events;
  std::set<std::string> used;
  for (const auto& d : duties) used.insert(str(d, "plan"));
  for (const auto& [id, p] : plans)
    if (used.contains(id))
      for (auto& e : ics_milestone_events(p)) events.push_back(std::move(e));
  return ics_calendar("dutyflow — " + unit_name, todos, now, events);
}

void get_unit_calendar(context& ctx, const std::string& unit, const respond_fn& respond) {
  auto* v = services(ctx, respond);
  if (!v) return;
  const working_calendar* calendar = v->calendar;
  const clock_source& clock = v->clock;
  stream_replayer* off_engine = v->replay;
  ctx.runner.post([unit, calendar, &clock, off_engine, respond](engine& e) {
    // The engine thread only takes the snapshot; the feed is written elsewhere: with
    // thousands of duties the writing (working-day alarms, folding) is most of the work.
    struct snapshot {
      std::string unit_name;
      std::map<std::string, json> plans;
      std::vector<json> duties;
      instant now;
    };
    auto snap = std::make_shared<snapshot>();
    for (const auto& summary : to_json(e.plan_summaries())) {
      auto id = str(summary, "id");
      auto header = to_json(e.read_plan(id, false));
      if (!header) continue;
      for (const auto& u : (*header)["units"])
        if (str(u, "id") == unit) snap->unit_name = str(u, "name");
      snap->plans[id] = std::move(*header);
    }
    if (snap->unit_name.empty()) {
      respond(error_response(404, "not_found", "no plan has a unit \"" + unit + "\""));
      return;
    }
    duty_filter f;
    f.unit = unit;
    snap->duties = to_json(e.read_duties(f, nullptr));
    snap->now = clock.now();
    auto write = [unit, calendar, snap, respond] {
      response r;
      r.content_type = "text/calendar; charset=utf-8";
      r.body = unit_calendar(snap->unit_name, snap->duties, snap->plans, snap->now, calendar);
      r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + unit + ".ics\"");
      respond(std::move(r));
    };
    if (off_engine)
      off_engine->post([write](journal_reader*) { write(); });
    else
      write();
  });
}

void get_calendar_link(context& ctx, const std::string& unit, const actor& caller, const respond_fn& respond) {
  auto* v = services(ctx, respond);
  if (!v) return;
  if (caller.role != role::coordinator && !(caller.role == role::unit && caller.unit == unit)) {
    respond(error_response(403, "forbidden", "only a coordinator, or the unit itself, may get a unit's calendar link"));
    return;
  }
  const std::string path = "/api/v1/units/" + unit + "/calendar.ics";
  const instant expires = v->clock.now() + v->calendar_link_ttl;
  const auto exp = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  json body{{"url", path + "?" + v->calendar_links.query(path, exp)},
            {"expires",
             format_instant(std::chrono::time_point_cast<std::chrono::microseconds>(instant{std::chrono::seconds{exp}}),
                            display_offset)}};
  ctx.runner.post([unit, body, respond](engine& e) {
    duty_filter f;
    f.unit = unit;
    bool known = !e.read_duties(f, nullptr).empty();
    for (const auto& summary : to_json(e.plan_summaries())) {
      if (known) break;
      auto full = to_json(e.read_plan(str(summary, "id")));
      if (!full) continue;
      for (const auto& u : (*full)["units"]) known = known || str(u, "id") == unit;
    }
    respond(known ? json_response(200, body) : error_response(404, "not_found", "no plan has a unit \"" + unit + "\""));
  });
}

// ---------------------------------------------------------------------------------------
// CSV report

std::string plan_report(const json& plan, const std::vector<json>& duties) {
  return csv_plan_report(plan, duties);
}

void get_report_csv(context& ctx, const std::string& plan, const respond_fn& respond) {
  ctx.runner.post([plan, respond](engine& e) {
    auto p = to_json(e.read_plan(plan));
    if (!p) {
      respond(error_response(p.err()));
      return;
    }
    duty_filter f;
    f.plan = plan;
    response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = plan_report(*p, to_json(e.read_duties(f, nullptr)));
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + plan + "-bao-cao.csv\"");
    respond(std::move(r));
  });
}

// ---------------------------------------------------------------------------------------
// Metrics

std::string metrics_body(const metrics_snapshot& s) {
  metrics_text m;
  std::map<std::pair<std::string, std::string>, int> by_progress, by_timeliness, by_status, follow_up;
  std::map<std::pair<std::string, std::string>, double> follow_up_oldest;
  for (const auto& d : s.duties) {
    const auto plan = str(d, "plan");
    const auto& st = d.contains("state") ? d["state"] : json::object();
    ++by_progress[{plan, str(st, "progress")}];
    ++by_timeliness[{plan, str(st, "timeliness")}];
    ++by_status[{plan, str(d, "status")}];
    // The coordinator's follow-up (approve, present, mark attended) after a unit delivered:
    // how many wait and for how long, never counted as the unit's lateness.
    if (auto f = d.find("follow_up"); f != d.end() && f->is_object()) {
      const auto events = f->value("events", json::array());
      const std::string step = events.empty() || !events.front().is_string() ? "" : events.front().get<std::string>();
      ++follow_up[{plan, step}];
      auto& oldest = follow_up_oldest[{plan, step}];
      oldest = std::max(oldest, f->value("waited_seconds", 0.0));
    }
  }
  auto family = [&](const char* name, const char* label, const char* help, const auto& counts) {
    m.family(name, "gauge", help);
    for (const auto& [key, n] : counts) m.sample(name, {{"plan", key.first}, {label, key.second}}, n);
  };
  family("dutyflow_duties", "progress", "Duties by progress state.", by_progress);
  family("dutyflow_duties_by_timeliness", "timeliness", "Duties by timeliness state.", by_timeliness);
  family("dutyflow_duties_by_status", "status",
         "Duties by the four-state status of QD 42/2014 (plus pending, cancelled).", by_status);
  family("dutyflow_follow_up_waiting", "step",
         "Duties a unit delivered that wait for the coordinator's next step (approve, present, mark_attended).",
         follow_up);
  family("dutyflow_follow_up_oldest_seconds", "step",
         "How long the oldest delivered duty has waited for the coordinator, per step.", follow_up_oldest);
  m.family("dutyflow_events_total", "counter", "Events in the journal.");
  m.sample("dutyflow_events_total", {}, static_cast<double>(s.events));
  m.family("dutyflow_notifications", "gauge", "Outbox notifications by delivery status.");
  for (const auto& [status, n] : s.notifications)
    m.sample("dutyflow_notifications", {{"status", status}}, static_cast<double>(n));
  m.histogram("dutyflow_commit_duration_seconds", "Time one group commit took.", s.commit_seconds);
  m.histogram("dutyflow_commit_batch_size", "Commands committed together in one transaction.", s.batch_size);
  m.family("dutyflow_scheduler_lag_seconds", "gauge", "How far behind its due instant the scheduler last ran.");
  m.sample("dutyflow_scheduler_lag_seconds", {}, s.scheduler_lag_seconds);
  m.family("dutyflow_reminder_progress_waiting", "gauge",
           "Duties whose reminder progress is in the outbox but not yet in the duties table.");
  m.sample("dutyflow_reminder_progress_waiting", {}, static_cast<double>(s.reminder_progress_waiting));
  m.family("dutyflow_stream_clients", "gauge", "Clients connected to the live event stream.");
  m.sample("dutyflow_stream_clients", {}, static_cast<double>(s.stream_clients));
  m.family("dutyflow_stream_dropped_clients_total", "counter", "Stream clients dropped because they were gone.");
  m.sample("dutyflow_stream_dropped_clients_total", {}, static_cast<double>(s.stream_dropped));
  m.family("dutyflow_stream_resets_total", "counter",
           "Reset events sent instead of events: a client a whole queue behind, or one missing more than a replay "
           "may send.");
  m.sample("dutyflow_stream_resets_total", {}, static_cast<double>(s.stream_resets));
  m.family("dutyflow_stream_replays", "gauge", "Returning stream clients being replayed what they missed.");
  m.sample("dutyflow_stream_replays", {}, static_cast<double>(s.stream_replays));
  m.family("dutyflow_stream_refused_total", "counter",
           "Streams refused: over http.stream.per_token for their token (429) or over http.stream.max_open (503).");
  m.sample("dutyflow_stream_refused_total", {{"reason", "per_token"}},
           static_cast<double>(s.streams.refused_per_token));
  m.sample("dutyflow_stream_refused_total", {{"reason", "max_open"}}, static_cast<double>(s.streams.refused_all));
  if (s.journal_bytes) {
    m.family("dutyflow_journal_bytes", "gauge",
             "Size of the SQLite journal (events, duties, outbox): its pages, those still in the write-ahead log "
             "included.");
    m.sample("dutyflow_journal_bytes", {}, static_cast<double>(*s.journal_bytes));
    m.family("dutyflow_journal_events_total", "counter", "Events appended to the journal.");
    m.sample("dutyflow_journal_events_total", {}, static_cast<double>(s.events));
  }
  if (s.event_rate) {
    const auto& r = *s.event_rate;
    m.family("dutyflow_http_rate_limited_total", "counter",
             "Requests answered 429 because a token's or a duty's event allowance was used up (http.event_rate).");
    m.sample("dutyflow_http_rate_limited_total", {{"role", "unit"}, {"limit", "token"}},
             static_cast<double>(r.refused_unit_token));
    m.sample("dutyflow_http_rate_limited_total", {{"role", "unit"}, {"limit", "duty"}},
             static_cast<double>(r.refused_unit_duty));
    m.sample("dutyflow_http_rate_limited_total", {{"role", "coordinator"}, {"limit", "token"}},
             static_cast<double>(r.refused_coordinator_token));
    m.family("dutyflow_http_rate_limit_tracked", "gauge", "Tokens and duties whose event allowance is remembered.");
    m.sample("dutyflow_http_rate_limit_tracked", {}, static_cast<double>(r.tracked));
  }
  m.family("dutyflow_clock_seconds", "gauge", "The daemon's clock (system, manual or scaled), unix seconds.");
  m.sample("dutyflow_clock_seconds", {}, s.clock_seconds);
  if (s.http) {
    const auto& h = *s.http;
    auto one = [&](const char* name, const char* type, const char* help, double value) {
      m.family(name, type, help);
      m.sample(name, {}, value);
    };
    one("dutyflow_http_connections", "gauge", "HTTP connections open.", static_cast<double>(h.connections));
    one("dutyflow_http_connections_refused_total", "counter",
        "Connections answered 503 and closed because http.max_connections were open.",
        static_cast<double>(h.connections_refused));
    one("dutyflow_http_connections_refused_per_address_total", "counter",
        "Connections answered 429 and closed because their client had http.max_connections_per_address open.",
        static_cast<double>(h.connections_refused_per_address));
    one("dutyflow_http_timeouts_total", "counter",
        "Connections closed by the header, body, keep-alive or send timeout.", static_cast<double>(h.timeouts));
    one("dutyflow_http_bad_requests_total", "counter",
        "Requests refused before routing: malformed (400), too large (413, 431).", static_cast<double>(h.bad_requests));
    one("dutyflow_http_auth_failures_total", "counter", "Failed bearer-token checks.",
        static_cast<double>(h.auth_failures));
    one("dutyflow_http_auth_throttled_total", "counter",
        "Requests answered 429 because their client failed too many token checks.",
        static_cast<double>(h.auth_throttled));
    one("dutyflow_http_auth_clients_tracked", "gauge", "Clients the failed-token limiter remembers.",
        static_cast<double>(h.auth_clients_tracked));
  }
  return m.text();
}

void get_metrics(context& ctx, const request& req, const std::optional<actor>& caller, const respond_fn& respond) {
  auto* v = services(ctx, respond);
  if (!v) return;
  if (!(req.from_loopback && v->metrics_allow_loopback)) {
    if (!caller) {
      auto r = error_response(401, "unauthenticated",
                              req.authorization.empty() ? "a coordinator token is required" : "unknown token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dutyflow\"");
      respond(std::move(r));
      return;
    }
    if (caller->role != role::coordinator) {
      respond(error_response(403, "forbidden", "only a coordinator may read /metrics"));
      return;
    }
  }
  event_hub& hub = v->hub;
  runner_metrics& rm = ctx.runner.metrics();
  const clock_source& clock = v->clock;
  stream_replayer* replay = v->replay;
  auto s = std::make_shared<metrics_snapshot>();
  if (v->http) s->http = v->http();
  if (ctx.event_rate) s->event_rate = ctx.event_rate->read();
  s->stream_clients = hub.clients();
  s->stream_dropped = hub.dropped();
  s->streams = hub.streams();
  s->stream_resets = hub.resets() + (replay ? replay->resets() : 0);
  s->stream_replays = replay ? replay->in_progress() : 0;
  // The rest on the engine thread: duties, the outbox, the engine's own figures.
  auto on_engine = [&ctx, &rm, &clock, s, respond](bool counted) {
    ctx.runner.post([&rm, &clock, s, counted, respond](engine& e) {
      s->duties = to_json(e.read_duties(duty_filter{}, nullptr));
      if (!counted) {
        auto events = e.event_count();
        if (!events) {
          respond(error_response(events.err()));
          return;
        }
        s->events = *events;
      }
      auto notes = e.notification_counts();
      if (!notes) {
        respond(error_response(notes.err()));
        return;
      }
      s->notifications = std::move(*notes);
      s->commit_seconds = rm.commit_seconds.read();
      s->batch_size = rm.batch_size.read();
      s->scheduler_lag_seconds = rm.scheduler_lag_seconds.get();
      s->reminder_progress_waiting = e.timers().unflushed_progress();
      s->clock_seconds = std::chrono::duration<double>(clock.now().time_since_epoch()).count();
      response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics_body(*s);
      respond(std::move(r));
    });
  };
  if (!replay) return on_engine(false);
  // The journal's figures from a reader of its own: counting a large journal's events on
  // the engine thread held every command up behind the count.
  replay->post([s, on_engine](journal_reader* reader) {
    bool counted = false;
    if (reader) {
      auto bytes = reader->size_bytes();
      auto last = reader->last_event_id();
      if (bytes && last) {
        s->journal_bytes = *bytes;
        // The journal is append-only (no UPDATE, no DELETE) and its ids are SQLite rowids
        // handed out one after another: the last id is the number of events.
        s->events = *last;
        counted = true;
      }
    }
    on_engine(counted);
  });
}

}  // namespace dutyflow::http

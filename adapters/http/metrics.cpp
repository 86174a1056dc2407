#include "adapters/http/metrics.h"
#include "adapters/http/prometheus.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/stream_replay.h"
#include "adapters/http/view_fields.h"
#include "engine/scheduler.h"

namespace dutyflow::http {

using nlohmann::json;

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

void get_metrics(services& ctx, const request& req, const std::optional<actor>& caller, const respond_fn& respond) {
  if (!(req.from_loopback && ctx.metrics_allow_loopback)) {
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
  event_hub& hub = ctx.hub;
  runner_metrics& rm = ctx.runner.metrics();
  const clock_source& clock = ctx.clock;
  stream_replayer& replay = ctx.replay;
  auto s = std::make_shared<metrics_snapshot>();
  if (ctx.http) s->http = ctx.http();
  s->event_rate = ctx.event_rate.read();
  s->stream_clients = hub.clients();
  s->stream_dropped = hub.dropped();
  s->streams = hub.streams();
  s->stream_resets = hub.resets() + replay.resets();
  s->stream_replays = replay.in_progress();
  // The rest on the engine thread: duties, the outbox, the engine's own figures.
  auto on_engine = [&ctx, &rm, &clock, s, respond](bool counted) {
    ctx.runner.post([&rm, &clock, s, counted, respond](engine& e) {
      s->duties = e.duties_json(duty_filter{}, nullptr);
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
  // The journal's figures from a reader of its own: counting a large journal's events on
  // the engine thread held every command up behind the count.
  replay.post([s, on_engine](journal_reader* reader) {
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

// What people and their tools read off the engine besides the JSON API: the dashboard's
// assets, the live event stream (SSE), a unit's iCalendar feed, a plan's CSV report,
// /metrics, and two small helpers for the dashboard (the duty kinds with their Vietnamese
// labels, the server's clock). Handlers are plain functions like those of handlers.h;
// the builders below them are pure and tested without a socket.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http/auth.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/handlers.h"
#include "adapters/http/signed_urls.h"
#include "adapters/http/rate_limit.h"
#include "engine/calendar.h"

namespace dutyflow::http {

// The HTTP server's own figures, shown by /metrics: its connections, what it refused
// before routing, and the failed-token limiter (auth_limit.h).
struct http_stats {
  std::size_t connections = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t connections_refused_per_address = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t bad_requests = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_throttled = 0;
  std::size_t auth_clients_tracked = 0;
};

class stream_replayer;

// Services the views need beyond the handlers' context. Owned by the daemon; outlives
// every request. Reached through context::views.
struct view_services {
  event_hub& hub;
  const signed_urls& calendar_links;
  const clock_source& clock;
  // Counts reminders given in working days ("2wd") for VALARMs; null: counted as days.
  const working_calendar* calendar = nullptr;
  // How long a signed calendar link stays valid. Default: 365 days.
  std::chrono::hours calendar_link_ttl{24 * 365};
  // Reads the server's figures (any I/O thread); empty: /metrics leaves them out.
  std::function<http_stats()> http{};
  // /metrics without a token from a loopback peer (config metrics.allow_loopback). Behind a
  // reverse proxy on the same machine every client is a loopback peer. Default: false.
  bool metrics_allow_loopback = false;
  // Reads the journal off the engine thread: the stream's replay after Last-Event-ID, the
  // journal's figures in /metrics, and the writing of calendar feeds run on its threads.
  // Null: a stream with Last-Event-ID is refused (503), the rest runs on the engine thread.
  stream_replayer* replay = nullptr;
};

// Routes that answer without a bearer token, or decide about one themselves: the dashboard
// ("/", "/assets/..."), GET /metrics (a coordinator token, or loopback if allowed) and a unit's
// calendar.ics reached by a signed link (?exp=&sig=). `caller` is the request's token
// once the router checked it (nullopt: none, or not a known one). Returns false when
// `req` is none of these (the router goes on and asks for a token).
bool route_public(context& ctx, const request& req, const std::vector<std::string>& parts,
                  const std::optional<actor>& caller, const respond_fn& respond);
// This file's routes under /api/v1 for an authenticated caller: stream, kinds, now, me,
// units/{unit}/calendar.ics, units/{unit}/calendar-link, plans/{plan}/report.csv.
// Returns false for any other path.
bool route_views(context& ctx, const request& req, const std::vector<std::string>& parts, const actor& caller,
                 const respond_fn& respond);

// The handlers. Refusals answer with the API's error JSON.
response get_asset(const request& req);  // 404 for an unknown asset
void stream_events(context& ctx, const request& req, const actor& caller, const respond_fn& respond);
void get_kinds(context& ctx, const respond_fn& respond);
void get_now(context& ctx, const respond_fn& respond);
// {"name", "role", "unit"} of the token: the dashboard shows a unit its own duties first.
response get_me(const actor& caller);
// The caller was authenticated (a token, or a signed link) by the router.
void get_unit_calendar(context& ctx, const std::string& unit, const respond_fn& respond);
// {"url": "/api/v1/units/U/calendar.ics?exp=..&sig=..", "expires": ISO}: a coordinator for
// any unit, a unit for itself (403 otherwise).
void get_calendar_link(context& ctx, const std::string& unit, const actor& caller, const respond_fn& respond);
void get_report_csv(context& ctx, const std::string& plan, const respond_fn& respond);
// `caller` is the authenticated token, if any; it must be a coordinator's unless the
// request comes from loopback and view_services::metrics_allow_loopback is set.
void get_metrics(context& ctx, const request& req, const std::optional<actor>& caller, const respond_fn& respond);

// --- Pure builders ---

// The VCALENDAR of `unit`: one VTODO per duty in `duties` (duty JSON as the API gives it,
// already filtered to the unit), `plans` (plan JSON with number and title, by id) for the
// descriptions, `now` as DTSTAMP.
std::string unit_calendar(const std::string& unit_name, const std::vector<nlohmann::json>& duties,
                          const std::map<std::string, nlohmann::json>& plans, instant now,
                          const working_calendar* calendar);
// RFC 5545 STATUS of a duty: NEEDS-ACTION (Assigned, Returned), COMPLETED (Done),
// CANCELLED (Cancelled, Absent), IN-PROCESS otherwise.
std::string_view ics_status(std::string_view progress);

// The report: a header row and one row per duty, UTF-8 with a BOM, CRLF rows. `plan` is the
// plan JSON (units give the names).
std::string plan_report(const nlohmann::json& plan, const std::vector<nlohmann::json>& duties);

// Everything /metrics shows, gathered on the engine thread.
struct metrics_snapshot {
  std::vector<nlohmann::json> duties;                 // duty JSON of every plan
  std::int64_t events = 0;                            // journaled events
  std::map<std::string, std::int64_t> notifications;  // outbox rows by status
  histogram::snapshot commit_seconds;
  histogram::snapshot batch_size;
  double scheduler_lag_seconds = 0;
  std::size_t reminder_progress_waiting = 0;  // engine::unflushed_progress()
  std::size_t stream_clients = 0;
  std::uint64_t stream_dropped = 0;
  std::uint64_t stream_resets = 0;       // live and replay resets together
  std::size_t stream_replays = 0;        // replays in progress
  event_hub::stream_counts streams;      // admitted, refused per token, refused over max_streams
  std::optional<std::int64_t> journal_bytes;  // the database's size, when a journal reader gave it
  // Requests refused by the event allowances (rate_limit.h), when the daemon has them.
  std::optional<event_rate_limiter::stats> event_rate;
  double clock_seconds = 0;  // the engine clock, unix seconds
  std::optional<http_stats> http;
};
std::string metrics_body(const metrics_snapshot& s);

}  // namespace dutyflow::http

// Everything the HTTP handlers work with, in one required object (as Beast's example
// `shared_state`): the engine runner, the clock and calendar, the event hub and its
// replayer, the signers behind calendar and one-click links, the units directories of
// imports, the event allowances, and the settings the daemon read from its config.
// Built once by dutyflowd (and by the test fixtures) before the router; outlives every
// request. Every service is always there: what a daemon may do without is a value here
// (no units directory: an import_services with no directories; no event limits: an
// event_rate_limiter whose allowances are off), never a null pointer each handler checks.
// The references are set once; the objects behind them are thread-safe where the I/O
// threads share them (see each one's header).
#pragma once

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/runner.h"

#include <chrono>
#include <cstdint>
#include <functional>

namespace dutyflow {
class working_calendar;
}

namespace dutyflow::security {
class link_tokens;
}

namespace dutyflow::http {

class event_hub;
class stream_replayer;
class signed_urls;
class import_services;
class event_rate_limiter;

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

struct services {
  engine_runner& runner;
  const kind_registry& kinds;
  const clock_source& clock;
  // Counts reminders given in working days ("2wd") for a calendar feed's VALARMs.
  const working_calendar& calendar;
  // The live event stream (stream.h) and the journal reader of returning clients, which
  // also reads /metrics' journal figures and writes calendar feeds off the engine thread.
  event_hub& hub;
  stream_replayer& replay;
  // Signs and checks calendar links (?exp=&sig=) and one-click links (/a/{token}).
  const signed_urls& calendar_links;
  const security::link_tokens& acks;
  // The units directories plan imports take ids, names and contacts from (imports.h).
  import_services& imports;
  // How fast a token may fire events, load plans and move milestones (rate_limit.h).
  event_rate_limiter& event_rate;

  // --- Settings (dutyflowd's config) ---

  // How large a plan POST /api/v1/plans may load ("plan_limits").
  plan_limits plan_size{};
  // How long a signed calendar link stays valid. Default: 365 days.
  std::chrono::hours calendar_link_ttl{24 * 365};
  // /metrics without a token from a loopback peer (metrics.allow_loopback). Behind a
  // reverse proxy on the same machine every client is a loopback peer. Default: false.
  bool metrics_allow_loopback = false;

  // --- What depends on how the daemon runs ---

  // The clock when dutyflowd runs on a manual one (--clock manual:ISO), else null: a mode
  // of the daemon, not a missing service; POST /api/v1/admin/clock answers 404 without it.
  manual_clock* manual = nullptr;
  // Runs on the engine thread after the manual clock moved, before the answer (the
  // scheduler fires what became due, so the caller sees its effects at once). Empty:
  // nothing runs.
  std::function<void(engine&)> after_clock_move{};
  // Reads the server's figures (any I/O thread). Set once the server exists (it is built
  // on the router, which is built on this object); empty: /metrics leaves them out.
  std::function<http_stats()> http{};
};

}  // namespace dutyflow::http

// GET /metrics: the daemon's figures in the Prometheus text format (prometheus.h writes
// it). The handler gathers the hub's and the server's figures on the I/O thread, the
// journal's on the replayer's reader, the rest on the engine thread; metrics_body is pure.
#pragma once

#include "adapters/http/event_stream.h"
#include "adapters/http/handlers.h"
#include "adapters/http/rate_limit.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dutyflow::http {

// `caller` is the authenticated token, if any; it must be a coordinator's unless the
// request comes from loopback and services::metrics_allow_loopback is set.
void get_metrics(services& ctx, const request& req, const std::optional<actor>& caller, const respond_fn& respond);

// Everything /metrics shows, gathered on the engine thread.
struct metrics_snapshot {
  std::vector<nlohmann::json> duties;                 // duty JSON of every plan
  std::int64_t events = 0;                            // journaled events
  std::map<std::string, std::int64_t> notifications;  // outbox rows by status
  histogram::snapshot commit_seconds;
  histogram::snapshot batch_size;
  double scheduler_lag_seconds = 0;
  std::size_t reminder_progress_waiting = 0;  // scheduler::unflushed_progress()
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

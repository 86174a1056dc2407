// How fast requests that journal events may come through the API, so that one token (a
// leaked one, a script in a loop) cannot grow the journal by megabytes a second: each
// token, and each duty for the events units fire on it, has an allowance that refills at
// a steady rate up to a burst (a token bucket). A request over an allowance is refused
// (429 with Retry-After) before it is read further, journals nothing and uses up nothing.
// A coordinator's events never count against a duty's allowance: a unit that used it up
// cannot keep its coordinator from approving or returning the duty. Memory is bounded by
// `tracked`. Thread-safe; one per daemon; time is passed in (steady time), so tests drive
// it without waiting.
#pragma once

#include "engine/engine.h"

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dutyflow::http {

// One allowance: `burst` requests at once after a quiet spell, refilled at `per_minute`.
struct rate_allowance {
  // 0 turns the limit off.
  double burst = 0;
  double per_minute = 0;
  bool off() const { return burst <= 0 || per_minute <= 0; }
};

struct event_rate_options {
  // Per unit token: a few hundred events at once (a script acknowledging every duty of a
  // unit), then one a second. Default: 600, 60 a minute.
  rate_allowance unit{600, 60};
  // Per coordinator token: approving, returning and commenting on a whole plan, and the
  // scripts of its clerks, then ten a second. Default: 3000, 600 a minute.
  rate_allowance coordinator{3000, 600};
  // Per duty, for the events units fire on it (a duty sees tens of events in its life).
  // Default: 60, 12 a minute.
  rate_allowance duty{60, 12};
  // Tokens and duties remembered at once (about 150 bytes each); an allowance that has
  // refilled is forgotten first, and when full the longest unused. Default: 100000.
  std::size_t tracked = 100000;
};

class event_rate_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit event_rate_limiter(event_rate_options options = {}) : options_(options) {}

  enum class limit : std::uint8_t { none, token, duty };
  struct verdict {
    limit refused = limit::none;
    // For a refusal: seconds until one more request would pass (at least 1).
    std::chrono::seconds retry_after{0};
    // The first refusal since that allowance last let a request through (worth a log line).
    bool first = false;
  };

  // Counts one request of `caller` that may journal events on `duty` of `plan` (an empty
  // duty: a request on the plan, which counts against the token only), unless an allowance
  // is used up: then nothing is counted and the verdict says which.
  verdict check(const actor& caller, std::string_view plan, std::string_view duty, time_point now);

  struct stats {
    std::uint64_t refused_unit_token = 0;
    std::uint64_t refused_unit_duty = 0;
    std::uint64_t refused_coordinator_token = 0;
    std::size_t tracked = 0;
  };
  stats read() const;
  const event_rate_options& options() const { return options_; }

 private:
  struct bucket {
    std::string key;
    double tokens = 0;
    time_point at;          // when `tokens` was right
    bool refusing = false;  // the last request it decided was refused
  };
  using list = std::list<bucket>;

  // The bucket under `key` with `a` refilled up to `now`, created full; the list keeps
  // buckets in the order they were last used.
  bucket& find(const std::string& key, const rate_allowance& a, time_point now);
  static double refill(const bucket& b, const rate_allowance& a, time_point now);
  static std::chrono::seconds wait_for_one(double tokens, const rate_allowance& a);
  void forget_refilled(time_point now);

  const event_rate_options options_;
  mutable std::mutex mutex_;
  list order_;  // least recently used first
  std::unordered_map<std::string, list::iterator> by_key_;
  stats stats_;
};

}  // namespace dutyflow::http

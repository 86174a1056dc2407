// Load on a real dutyflowd the way careful clients make it, for the crash and backup
// tests. Several threads each read a duty, choose an event the duty allows them now, and
// post it with If-Match (the version they read) and an Idempotency-Key. A request whose
// connection is lost is in doubt: the client sends the same request again (same key,
// same If-Match) until it gets a definite answer. Every 2xx answer is recorded.
// A request_gate lets the test hold new requests while it kills and restarts the daemon.
// event_load's methods may be called from any thread; it owns its client threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/time.h"
#include "tests/support/daemon_fixture.h"

namespace dutyflow::testing {

// A plan with many duties of every kind, generated for load: units don-vi-01..NN, each
// owning duties whose deadlines fall from one to ten days after `start` (some fixed, some
// counted in working days from assignment), all with the default reminders.
struct busy_plan {
  std::string id = "tai-cao";
  std::string coordinator_unit = "phong-noi-vu";
  std::vector<std::string> units;  // owner units, not the coordinator's
  std::vector<std::string> duties;
  nlohmann::json doc;
};
busy_plan make_busy_plan(int duties, int units, instant start);

// The tokens of one daemon: the coordinator's and one per owner unit, named after it
// (the name is the journal's actor).
struct load_tokens {
  std::string coordinator_name = "dieu-phoi";
  std::string coordinator_unit;
  std::string coordinator;
  std::map<std::string, std::string> by_unit;
};
// Creates them with the real `dutyflow token add` in the fixture's tokens file.
load_tokens add_load_tokens(daemon_fixture& d, const busy_plan& p);

// Closed: new requests wait. Open: they go through, counted while in flight. Each
// open() starts a new generation, so a client that lost its connection knows when a new
// daemon is there to retry against.
class request_gate {
 public:
  // Waits until open, counts the caller in flight; returns the generation.
  std::uint64_t enter();
  void leave();
  void close();
  // Waits until no request is in flight (a killed daemon's requests fail fast).
  void wait_idle();
  void open();
  // Waits until the generation is past `gen`, up to `limit`; true if it is.
  bool wait_past(std::uint64_t gen, std::chrono::milliseconds limit);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  int in_flight_ = 0;
  std::uint64_t generation_ = 0;
};

// One event the daemon answered with 2xx.
struct answered_event {
  std::string duty;
  std::string event;
  std::string actor;
  std::int64_t version = 0;  // the duty's version in the answer
  bool replayed = false;     // Idempotent-Replayed: a retry of a request that had been applied
};

struct load_stats {
  std::uint64_t calls = 0;        // HTTP requests started, retries included
  std::uint64_t posts = 0;        // distinct event requests (a retried one counts once)
  std::uint64_t answered = 0;     // 2xx answers to event requests
  std::uint64_t in_doubt = 0;     // event requests that lost their connection at least once
  std::uint64_t replayed = 0;     // ... and were answered from the first attempt's commit
  std::uint64_t stale = 0;        // 412: another client (or the scheduler) moved the duty first
  std::uint64_t refused = 0;      // 409: not allowed any more
  std::uint64_t unavailable = 0;  // 503 retried
};

class event_load {
 public:
  // `url` is fixed: a restarted daemon listens on the same port.
  event_load(std::string url, busy_plan plan, load_tokens tokens, request_gate& gate, std::uint64_t seed, int clients);
  ~event_load();

  void start();
  // Each client finishes the request it is in (retrying until answered), then stops.
  void stop();
  // From now on a lost connection is given up instead of retried: for a test on its way
  // out with no daemon to come back. stop() still joins the clients.
  void abandon();

  // Waits until `n` HTTP requests have been started in all (the killer's random moment),
  // up to `limit`; false if the load stalled.
  bool wait_for_calls(std::uint64_t n, std::chrono::milliseconds limit);
  // Waits until `n` event requests have been answered 2xx, up to `limit`.
  bool wait_for_answers(std::uint64_t n, std::chrono::milliseconds limit);

  std::vector<answered_event> answered() const;
  load_stats stats() const;
  // What no client should ever see (a 400, 403, 404, 500, a malformed answer), one line each.
  std::vector<std::string> surprises() const;

  // Performs one call through the gate, retrying until the daemon answers. Also used by
  // the tests' own requests (the clock, the final reads).
  std::optional<reply> call_until_answered(const std::string& method, const std::string& target,
                                           const std::string& token, const std::string& body,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           bool* lost_connection = nullptr);

 private:
  void run_client(int index);
  void note_surprise(std::string what);
  void count_call();

  std::string url_;
  busy_plan plan_;
  load_tokens tokens_;
  request_gate& gate_;
  std::uint64_t seed_;
  int clients_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> abandoned_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable progress_;
  std::vector<answered_event> answered_;
  std::vector<std::string> surprises_;
  load_stats stats_;
};

}  // namespace dutyflow::testing

// The notification dispatcher: reads due rows of the outbox through its own store
// connection, renders each (message.h), hands one delivery per contact of the row's unit
// to the channel's lane (one thread per destination, so a slow or dead destination
// delays only itself, never the engine or the other channels), and records the attempt:
// delivered, or pending again after an exponential backoff with jitter, or failed with
// the last error once the attempts run out or a channel says retrying cannot help.
// Within one run a contact that already took a row is not sent it again when the row is
// retried for another contact. Times (next attempt, Date headers, link expiry) come from
// the injected clock, so a manual clock drives retries in tests. The attempts of the
// rows that settle within one round are recorded together, in one transaction, when no
// row is left under way or before the outbox is read again (every poll interval at the
// latest): a transaction per row kept the engine's commits waiting for the write lock.
// Owned by the daemon; start() and stop() from its main thread, poke() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/notify/channel.h"
#include "adapters/security/link_token.h"
#include "adapters/notify/message.h"
#include "adapters/notify/templates.h"
#include "engine/clock.h"
#include "engine/outbox_queue.h"
#include "engine/workflow.h"

namespace dutyflow::notify {

struct retry_options {
  // Attempts per row before it is marked failed (the first try counts). Default: 8.
  int max_attempts = 8;
  // Wait before the second attempt; doubled for each later one. Default: 1 minute.
  std::chrono::seconds initial_backoff{60};
  // The longest wait between two attempts. Default: 6 hours.
  std::chrono::seconds max_backoff{6 * 3600};
  // Each wait is scaled by a random factor in [1 - jitter, 1 + jitter], so rows that
  // failed together do not all come back at the same instant. Default: 0.2.
  double jitter = 0.2;
};

// The wait before attempt `failed_attempts + 1`, given `unit_random` in [0, 1).
std::chrono::microseconds backoff_delay(const retry_options& options, int failed_attempts, double unit_random);

struct dispatcher_options {
  // Retry policy. Default: see retry_options.
  retry_options retry;
  // Links and their lifetime. Default: see compose_options.
  compose_options compose;
  // How often (real time) the outbox is read for due rows when not poked. Default: 1 s.
  std::chrono::milliseconds poll_interval{1000};
  // Most rows taken per read. Default: 100.
  int batch = 100;
  // On stop, how long (real time) deliveries under way may take to finish and be
  // recorded before they are abandoned (they are sent again after the restart, with the
  // same id). Default: 5 s.
  std::chrono::milliseconds stop_grace{5000};
};

// The channel for each contact "channel" name: "email", "webhook", "file", "log".
using channel_map = std::map<std::string, std::shared_ptr<channel>, std::less<>>;

struct dispatcher_stats {
  std::uint64_t delivered = 0;  // rows
  std::uint64_t retried = 0;    // attempts that left the row pending
  std::uint64_t failed = 0;     // rows given up on
  std::uint64_t skipped = 0;    // rows no channel could carry (recorded as outbox_status::skipped)
  std::uint64_t sends = 0;      // deliveries to single contacts, successful ones
};

class dispatcher {
 public:
  // `db` is the dispatcher's own connection (not the engine's; a store is one). `links` may be null.
  dispatcher(dispatcher_options options, std::unique_ptr<outbox_queue> db, const kind_registry& kinds,
             const clock_source& clock, template_set templates, std::shared_ptr<const security::link_tokens> links,
             channel_map channels);
  ~dispatcher();
  dispatcher(const dispatcher&) = delete;
  dispatcher& operator=(const dispatcher&) = delete;

  void start();
  // Stops reading the outbox, lets deliveries under way finish (up to stop_grace) and
  // records them, then stops every lane. Rows not finished stay pending.
  void stop();
  // Reads the outbox now instead of at the next poll (after a commit, a clock move).
  void poke();
  dispatcher_stats stats() const;
  // Waits until `done()` holds: checks it now, then again each time the dispatcher has
  // recorded a round of attempts (the only time rows, stats and the store change), until
  // `limit` passes. For tests and tools that wait on deliveries without polling; `done`
  // runs on the caller's thread, without the dispatcher's lock.
  bool wait_recorded(const std::function<bool()>& done, std::chrono::milliseconds limit);

 private:
  struct lane;
  struct job;
  struct outcome;
  struct in_flight;
  struct settled;

  void run();
  void poll(instant now);
  void begin(const outbox_row& row, instant now);
  void finish(in_flight& f, instant now);
  void on_outcome(outcome&& o, instant now);
  void record_settled();
  std::shared_ptr<const plan> find_plan(const std::string& id);
  lane& lane_for(const std::string& key);

  dispatcher_options options_;
  std::unique_ptr<outbox_queue> db_;
  const kind_registry& kinds_;
  const clock_source& clock_;
  template_set templates_;
  std::shared_ptr<const security::link_tokens> links_;
  channel_map channels_;

  // Owned by the dispatcher thread.
  std::map<std::string, std::shared_ptr<const plan>, std::less<>> plans_;
  std::map<std::int64_t, std::unique_ptr<in_flight>> in_flight_;
  std::map<std::int64_t, std::set<std::size_t>> sent_;  // row id -> contacts that took it
  std::vector<settled> settled_;                        // finished rows whose attempt is not recorded yet
  std::map<std::string, std::unique_ptr<lane>, std::less<>> lanes_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable recorded_;  // after each record_settled() round
  std::uint64_t rounds_ = 0;          // record_settled() rounds, under mutex_
  std::deque<outcome> outcomes_;  // from the lanes
  bool poked_ = false;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  dispatcher_stats stats_;
  std::thread thread_;
};

}  // namespace dutyflow::notify

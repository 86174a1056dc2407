// The engine strand: one thread that owns the engine. Commands submitted from any thread
// queue up while the previous batch commits, and then go to the engine together in one
// transaction (group commit); each callback runs on the engine thread after its commit.
// Reads posted with post() run in order with the commands, so a caller reads its writes.
// Once run_scheduler() is called, the engine's scheduler (engine/scheduler.h) runs on the
// same thread at its next due instant, waiting through the clock seam (a manual clock
// waits until poke()); what is due when it starts fires before any queued work. When idle,
// and when it stops, it writes the scheduler's deferred reminder progress
// (scheduler::flush_progress). While it runs, its thread is the engine strand
// (engine::bind_strand): calling the engine from elsewhere trips engine::assert_strand.
#pragma once

#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/metrics.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace dutyflow {

struct runner_stats {
  std::uint64_t batches = 0;
  std::uint64_t commands = 0;
  std::uint64_t max_batch = 0;
};

class engine_runner {
 public:
  using done_fn = std::function<void(result<applied>)>;
  using read_fn = std::function<void(engine&)>;

  engine_runner(engine& eng, const clock_source& clock, std::size_t max_batch = 1024);
  ~engine_runner();
  engine_runner(const engine_runner&) = delete;
  engine_runner& operator=(const engine_runner&) = delete;

  void start();
  // Finishes everything already queued (their commits and callbacks), then joins.
  void stop();

  void submit(command cmd, done_fn done);
  void post(read_fn fn);
  // Drives the engine's scheduler from now on (the daemon does; a runner without it only
  // applies commands and reads, as the HTTP unit tests want).
  void run_scheduler();
  // Wakes the thread to look at the timer again (after a milestone, a manual clock move).
  void poke();

  runner_stats stats() const;
  // Commit latency, batch sizes and scheduler lag for /metrics; any thread.
  runner_metrics& metrics() { return metrics_; }

 private:
  struct pending_command {
    command cmd;
    done_fn done;
  };
  using item = std::variant<pending_command, read_fn>;

  void run();
  void run_batch(std::vector<pending_command>& cmds);
  // With the queue empty and the next due point at least this far (nullopt: no telling, a
  // manual clock or no timer), writes one chunk of the scheduler's deferred reminder
  // progress (engine::flush_progress) with the lock released. True if it did (the caller
  // looks at the queue again).
  bool flush_when_idle(std::unique_lock<std::mutex>& lock, std::optional<std::chrono::nanoseconds> idle);
  void flush_all_progress();  // at stop
  // Runs the scheduler if it is driven and its next instant is due (at start, and after
  // each round of work).
  void fire_due(bool scheduling);
  std::chrono::steady_clock::time_point flush_retry_at_{};  // after a failed flush

  engine& engine_;
  const clock_source& clock_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<item> queue_;
  bool stopping_ = false;
  bool poked_ = false;
  bool scheduling_ = false;  // run_scheduler()
  runner_stats stats_;
  runner_metrics metrics_;
  std::thread thread_;
};

}  // namespace dutyflow

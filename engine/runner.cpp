#include "engine/runner.h"
#include "engine/scheduler.h"

#include <spdlog/spdlog.h>

#include <limits>

namespace dutyflow {

engine_runner::engine_runner(engine& eng, const clock_source& clock, std::size_t max_batch)
    : engine_(eng), clock_(clock), max_batch_(max_batch) {}

engine_runner::~engine_runner() { stop(); }

void engine_runner::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void engine_runner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void engine_runner::submit(command cmd, done_fn done) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(pending_command{std::move(cmd), std::move(done)});
  }
  wake_.notify_one();
}

void engine_runner::post(read_fn fn) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(fn));
  }
  wake_.notify_one();
}

void engine_runner::run_scheduler() {
  {
    std::lock_guard lock(mutex_);
    scheduling_ = true;
    poked_ = true;
  }
  wake_.notify_one();
}

void engine_runner::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

runner_stats engine_runner::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void engine_runner::run_batch(std::vector<pending_command>& cmds) {
  if (cmds.empty()) return;
  std::vector<command> batch;
  batch.reserve(cmds.size());
  for (auto& c : cmds) batch.push_back(std::move(c.cmd));
  // Real elapsed time on purpose: this measures the program, not the plan's clock.
  const auto started = std::chrono::steady_clock::now();
  auto results = engine_.apply_batch(batch);
  metrics_.commit_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  metrics_.batch_size.observe(static_cast<double>(cmds.size()));
  {
    std::lock_guard lock(mutex_);
    stats_.batches += 1;
    stats_.commands += cmds.size();
    stats_.max_batch = std::max<std::uint64_t>(stats_.max_batch, cmds.size());
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    // A callback that throws must not take the engine thread down with it.
    try {
      cmds[i].done(std::move(results[i]));
    } catch (const std::exception& e) {
      spdlog::error("runner: a command callback threw: {}", e.what());
    }
  }
  cmds.clear();
}

bool engine_runner::flush_when_idle(std::unique_lock<std::mutex>& lock, std::optional<std::chrono::nanoseconds> idle) {
  // A chunk is one transaction of random duty pages, a few milliseconds: not worth starting
  // with the next due point closer than this (a scheduler that is never idle has its own
  // bound, engine_options::progress_backlog).
  constexpr auto min_idle = std::chrono::milliseconds(50);
  constexpr std::size_t chunk = 512;
  if (idle && *idle < min_idle) return false;
  if (std::chrono::steady_clock::now() < flush_retry_at_) return false;
  if (!engine_.timers().progress_pending()) return false;
  lock.unlock();
  auto r = engine_.timers().flush_progress(chunk);
  if (!r) {
    spdlog::warn("runner: writing reminder progress failed (kept; retried in 5 s): {}", r.err().message);
    flush_retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  }
  lock.lock();
  return true;  // the queue may have filled meanwhile: look again
}

void engine_runner::flush_all_progress() {
  // One transaction, the watermark moved to the last outbox row: the next start reads nothing back.
  if (auto r = engine_.timers().flush_progress(std::numeric_limits<std::size_t>::max()); !r)
    // Nothing is lost: the outbox holds it and the next open() takes it back.
    spdlog::warn("runner: writing reminder progress at stop failed: {}", r.err().message);
}

void engine_runner::run() {
  // This thread is the engine strand until it returns (engine::assert_strand).
  engine_.bind_strand(std::this_thread::get_id());
  std::vector<pending_command> cmds;
  // What fell due before the start (a catch-up after downtime, a manual clock set ahead)
  // fires before any queued read or command: a first request must not see the engine as
  // if time had stood still since the stop.
  {
    bool scheduling = false;
    {
      std::lock_guard lock(mutex_);
      scheduling = scheduling_;
    }
    fire_due(scheduling);
  }
  while (true) {
    std::deque<item> work;
    bool scheduling = false;
    {
      std::unique_lock lock(mutex_);
      while (queue_.empty() && !stopping_ && !poked_) {
        // Ask the scheduler when it next wants to run, and wait that long through the clock.
        std::optional<instant> at;
        if (scheduling_) {
          lock.unlock();
          at = engine_.timers().next_due();
          lock.lock();
          if (!queue_.empty() || stopping_ || poked_) break;
        }
        if (!at) {
          if (flush_when_idle(lock, std::nullopt)) continue;
          wake_.wait(lock);
          break;
        }
        auto now = clock_.now();
        if (*at <= now) break;
        auto real = clock_.real_time_until(*at);
        if (flush_when_idle(lock, real)) continue;
        if (!real) {
          wake_.wait(lock);  // a manual clock: only a poke moves time
        } else {
          wake_.wait_for(lock, *real);
        }
        break;
      }
      work.swap(queue_);
      poked_ = false;
      scheduling = scheduling_;
      if (work.empty() && stopping_) {
        lock.unlock();
        flush_all_progress();
        engine_.bind_strand(std::thread::id{});  // the owner may use the engine again
        return;
      }
    }
    for (auto& it : work) {
      if (auto* c = std::get_if<pending_command>(&it)) {
        cmds.push_back(std::move(*c));
        if (cmds.size() >= max_batch_) run_batch(cmds);
      } else {
        run_batch(cmds);
        try {
          std::get<read_fn>(it)(engine_);
        } catch (const std::exception& e) {
          spdlog::error("runner: a read threw: {}", e.what());
        }
      }
    }
    run_batch(cmds);
    fire_due(scheduling);
  }
}

void engine_runner::fire_due(bool scheduling) {
  if (!scheduling) return;
  auto at = engine_.timers().next_due();
  auto now = clock_.now();
  if (at && *at <= now) {
    metrics_.scheduler_lag_seconds.set(std::chrono::duration<double>(now - *at).count());
    engine_.timers().run_due(now);
  }
}

}  // namespace dutyflow

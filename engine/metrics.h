// Measurements the daemon exports on /metrics: a fixed-bucket histogram and a gauge.
// Both are lock-free (atomics) and thread-safe: the engine thread records, the HTTP
// threads read snapshots. They measure the program (real elapsed time, batch sizes),
// not the plan's time, so they never go through the clock seam.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

namespace dutyflow {

// Counts observations into cumulative buckets with fixed upper bounds (Prometheus style).
class histogram {
 public:
  // `bounds`: strictly increasing upper bounds; at most max_buckets of them (extra are ignored).
  explicit histogram(std::span<const double> bounds);
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  void observe(double value);

  struct snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // observations <= bounds[i]
    std::uint64_t count = 0;                // all observations (the +Inf bucket)
    double sum = 0;
  };
  // Consistent enough for scraping: each field is read atomically, and `cumulative` is
  // capped at `count` so a scrape never shows a bucket above the total.
  snapshot read() const;

  static constexpr std::size_t max_buckets = 24;

 private:
  std::array<double, max_buckets> bounds_{};
  std::size_t size_ = 0;
  std::array<std::atomic<std::uint64_t>, max_buckets> buckets_{};  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_bits_{0};  // a double, updated by compare-exchange
};

// A value that is set, not accumulated (e.g. how late the scheduler last ran).
class gauge {
 public:
  void set(double value) { bits_.store(to_bits(value), std::memory_order_relaxed); }
  double get() const { return from_bits(bits_.load(std::memory_order_relaxed)); }

 private:
  static std::uint64_t to_bits(double v);
  static double from_bits(std::uint64_t b);
  std::atomic<std::uint64_t> bits_{0};  // 0 bits == 0.0
};

// What the engine runner measures. Owned by the runner; any thread may read or set.
struct runner_metrics {
  runner_metrics();
  // Seconds one group commit took (stage + SQLite transaction + in-memory install).
  histogram commit_seconds;
  // Commands per group commit.
  histogram batch_size;
  // How far behind its due instant the scheduler last ran, in seconds of the engine's
  // clock. The runner sets it each time it runs the timer hook; a scheduler that knows
  // better (it sees each point it fires) may set it too.
  gauge scheduler_lag_seconds;
};

}  // namespace dutyflow

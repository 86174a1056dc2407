#include "engine/metrics.h"

#include <algorithm>
#include <bit>

namespace dutyflow {

namespace {

// From 100 µs (an in-memory commit) to 10 s (a disk stalled behind a backup).
constexpr double commit_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
constexpr double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

}  // namespace

std::uint64_t gauge::to_bits(double v) {
  return std::bit_cast<std::uint64_t>(v);
}
double gauge::from_bits(std::uint64_t b) {
  return std::bit_cast<double>(b);
}

histogram::histogram(std::span<const double> bounds) {
  for (double b : bounds) {
    if (size_ == max_buckets) break;
    if (size_ > 0 && b <= bounds_[size_ - 1]) continue;
    bounds_[size_++] = b;
  }
}

void histogram::observe(double value) {
  auto end = bounds_.begin() + static_cast<std::ptrdiff_t>(size_);
  auto it = std::lower_bound(bounds_.begin(), end, value);  // first bound >= value
  if (it != end) buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  auto old = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(old, std::bit_cast<std::uint64_t>(std::bit_cast<double>(old) + value),
                                          std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_release);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.count = count_.load(std::memory_order_acquire);
  s.sum = std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed));
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.bounds.push_back(bounds_[i]);
    s.cumulative.push_back(std::min(running, s.count));
  }
  return s;
}

runner_metrics::runner_metrics() : commit_seconds(commit_bounds), batch_size(batch_bounds) {}

}  // namespace dutyflow

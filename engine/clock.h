// The one seam through which dutyflow reads time. The engine, the scheduler and the
// workflows never call system_clock::now(); they ask a clock they were given.
// Implementations are thread-safe: now() may be called from any thread.
#pragma once

#include "engine/status.h"
#include "engine/time.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dutyflow {

class clock_source {
 public:
  virtual ~clock_source() = default;
  virtual instant now() const = 0;
  // "system", "manual", "scaled": shown in logs and used to gate the admin clock API.
  virtual std::string_view mode() const = 0;
  // How long to wait in real time until this clock reads `target`; nullopt when only an
  // explicit move can get it there (a manual clock). Zero if it is there already.
  virtual std::optional<std::chrono::nanoseconds> real_time_until(instant target) const = 0;
};

// Real wall-clock time.
class system_clock_source final : public clock_source {
 public:
  instant now() const override;
  std::string_view mode() const override { return "system"; }
  std::optional<std::chrono::nanoseconds> real_time_until(instant target) const override;
};

// Stands still until told to move; tests and demos drive it. Moving it backwards is
// refused: deadlines already fired would otherwise fire again.
class manual_clock final : public clock_source {
 public:
  explicit manual_clock(instant start) : now_(start.time_since_epoch().count()) {}
  instant now() const override { return instant{std::chrono::microseconds{now_.load()}}; }
  std::string_view mode() const override { return "manual"; }
  std::optional<std::chrono::nanoseconds> real_time_until(instant) const override { return std::nullopt; }
  // Returns errc::invalid if `to` is earlier than now().
  status set(instant to);
  // Returns errc::invalid for a negative step.
  status advance(std::chrono::microseconds step);

 private:
  std::atomic<std::int64_t> now_;
};

// Time that starts at `start` when constructed and runs `factor` times faster than the
// real clock: a week of reminders in minutes, for demos.
class scaled_clock final : public clock_source {
 public:
  scaled_clock(instant start, double factor);
  instant now() const override;
  std::string_view mode() const override { return "scaled"; }
  std::optional<std::chrono::nanoseconds> real_time_until(instant target) const override;

 private:
  instant start_;
  instant real_start_;
  double factor_;
};

// "system", "manual:2023-06-05T08:00:00+07:00", "scaled:2023-06-05T08:00:00+07:00:60".
// Returns errc::invalid with the reason for anything else.
result<std::unique_ptr<clock_source>> make_clock(std::string_view spec);

}  // namespace dutyflow

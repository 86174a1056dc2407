#include "engine/clock.h"

#include <charconv>
#include <cmath>

namespace dutyflow {

instant system_clock_source::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::optional<std::chrono::nanoseconds> system_clock_source::real_time_until(instant target) const {
  auto left = target - now();
  return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left) : std::chrono::nanoseconds{0};
}

status manual_clock::set(instant to) {
  auto target = to.time_since_epoch().count();
  auto current = now_.load();
  while (true) {
    if (target < current) return make_error(errc::invalid, "the manual clock cannot move backwards");
    if (now_.compare_exchange_weak(current, target)) return ok_status();
  }
}

status manual_clock::advance(std::chrono::microseconds step) {
  if (step.count() < 0) return make_error(errc::invalid, "the manual clock cannot move backwards");
  now_.fetch_add(step.count());
  return ok_status();
}

scaled_clock::scaled_clock(instant start, double factor)
    : start_(start), real_start_(system_clock_source{}.now()), factor_(factor) {}

instant scaled_clock::now() const {
  auto real_elapsed = (system_clock_source{}.now() - real_start_).count();
  auto scaled = static_cast<std::int64_t>(std::llround(static_cast<double>(real_elapsed) * factor_));
  return start_ + std::chrono::microseconds{scaled};
}

std::optional<std::chrono::nanoseconds> scaled_clock::real_time_until(instant target) const {
  auto left = target - now();
  if (left.count() <= 0) return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{static_cast<std::int64_t>(static_cast<double>(left.count()) * 1000.0 / factor_)};
}

result<std::unique_ptr<clock_source>> make_clock(std::string_view spec) {
  if (spec == "system") return std::unique_ptr<clock_source>(std::make_unique<system_clock_source>());
  if (spec.starts_with("manual:")) {
    auto start = parse_instant(spec.substr(7));
    if (!start) return make_error(errc::invalid, "--clock manual:ISO: " + start.err().message);
    return std::unique_ptr<clock_source>(std::make_unique<manual_clock>(*start));
  }
  if (spec.starts_with("scaled:")) {
    auto rest = spec.substr(7);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
      return make_error(errc::invalid, "--clock scaled:ISO:FACTOR needs a factor");
    auto start = parse_instant(rest.substr(0, colon));
    if (!start) return make_error(errc::invalid, "--clock scaled:ISO:FACTOR: " + start.err().message);
    std::string factor_text(rest.substr(colon + 1));
    double factor = 0;
    try {
      std::size_t used = 0;
      factor = std::stod(factor_text, &used);
      if (used != factor_text.size()) factor = 0;
    } catch (const std::exception&) {
      factor = 0;
    }
    if (!(factor > 0) || factor > 1e6)
      return make_error(errc::invalid, "--clock scaled: factor must be a number in (0, 1000000], got \"" +
                                           factor_text + "\"");
    return std::unique_ptr<clock_source>(std::make_unique<scaled_clock>(*start, factor));
  }
  return make_error(errc::invalid, "unknown clock \"" + std::string(spec) +
                                       "\" (use system, manual:ISO or scaled:ISO:FACTOR)");
}

}  // namespace dutyflow

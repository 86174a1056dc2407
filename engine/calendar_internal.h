// Internal to the working calendar (calendar.cpp, calendar_files.cpp), not for other
// modules: day numbers, and the problems that checking overrides and reading override
// files collect. Plain values and pure functions; any thread may call.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/calendar.h"
#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::detail {

using day_number = std::int64_t;  // days since 1970-01-01

inline day_number to_number(date d) {
  return std::chrono::sys_days{d}.time_since_epoch().count();
}
inline date to_date(day_number n) {
  return date{std::chrono::sys_days{std::chrono::days{n}}};
}
// Whether the holidays of year `y` are computed (first_year..last_year).
inline bool in_table(int y) {
  return y >= working_calendar::first_year && y <= working_calendar::last_year;
}

// Every problem found, one line each; the error names the first and lists them all.
struct problems {
  std::vector<std::string> lines;
  void add(std::string line) { lines.push_back(std::move(line)); }
  bool empty() const { return lines.empty(); }
  error to_error() const {
    std::string message = lines.front();
    if (lines.size() > 1) message += " (and " + std::to_string(lines.size() - 1) + " more)";
    return make_error(errc::invalid, std::move(message), nlohmann::json{{"errors", lines}});
  }
};

}  // namespace dutyflow::detail

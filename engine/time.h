// Instants, calendar dates, UTC offsets and durations as dutyflow reads and writes them
// (ISO-8601 and the plan file's "30m" / "12h" / "3d" / "2wd"). Pure functions, no state;
// callable from any thread. Parsers return an error value describing what is wrong.
#pragma once

#include "engine/status.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace dutyflow {

// Every instant in dutyflow: microseconds since the Unix epoch, UTC.
using instant = std::chrono::sys_time<std::chrono::microseconds>;
// A calendar day with no time of day (issued_on, holidays, milestone windows).
using date = std::chrono::year_month_day;

// "2023-06-15T17:00:00+07:00", "2023-06-15T10:00:00Z", fractions allowed; an offset is
// required (without one it means different things on different machines). Years 1000 to
// 8999 (UTC) only, so that it and its deadlines write back. Fails with errc::invalid.
result<instant> parse_instant(std::string_view text);

// Formats with the given offset, e.g. "2023-06-15T17:00:00+07:00"; fractions of a
// second are written only when non-zero ("...T17:00:00.250+07:00").
std::string format_instant(instant at, std::chrono::minutes offset);

// "2023-06-05" (a real date: 2023-02-30 fails). Fails with errc::invalid.
result<date> parse_date(std::string_view text);
std::string format_date(date day);

// Midnight at the start of `day` in a zone with the given offset.
instant start_of_day(date day, std::chrono::minutes offset);
// The calendar day that `at` falls on in a zone with the given offset.
date local_date(instant at, std::chrono::minutes offset);

// A deadline as people read it, the one rendering every channel shows (dashboard, mail,
// CLI, CSV, calendar). Civil Code 2015 art. 148: a deadline given as a day ends at 24:00 of
// that day, which dutyflow stores as the next local midnight.
// Whether `at` is such a day deadline (local 00:00).
bool is_day_deadline(instant at, std::chrono::minutes offset);
// The day a deadline falls on: for a day deadline the day that ends at `at`, otherwise the
// local date of `at`.
date deadline_date(instant at, std::chrono::minutes offset);
// "16/6/2023" (Nghị định 30/2020/NĐ-CP: days below 10 and the months 1 and 2 take a
// leading zero: "05/02/2024").
std::string vietnamese_date(date day);
// "17:00 ngày 15/6/2023": an instant in the zone with the given offset, as messages write it.
std::string vietnamese_datetime(instant at, std::chrono::minutes offset);
// "hết ngày 16/6/2023" for a day deadline, "17:00 ngày 15/6/2023" otherwise (lower case:
// it is written inside sentences; a label capitalises it).
std::string vietnamese_deadline(instant at, std::chrono::minutes offset);

// Zone names a plan may use: IANA names of zones with one fixed offset since 1975
// (Asia/Ho_Chi_Minh, Asia/Bangkok, ...), "UTC", or a literal "+07:00". Fails with
// errc::invalid naming the zone.
result<std::chrono::minutes> parse_timezone(std::string_view name);

// A signed length of time as written in plans and requests. Days are calendar days;
// working days are counted by the working calendar, not here.
struct duration_spec {
  enum class unit : std::uint8_t { minutes, hours, days, working_days };
  std::int64_t amount = 0;  // may be negative ("-3wd")
  unit unit_ = unit::days;

  bool is_working_days() const { return unit_ == unit::working_days; }
  // The fixed length of a minutes/hours/days spec; working days have none (returns 0).
  std::chrono::microseconds fixed() const;
  // Canonical text: "-3wd", "12h".
  std::string text() const;
  bool operator==(const duration_spec&) const = default;
};

// "30m", "12h", "3d", "2wd", "-1d", "+2h". Fails with errc::invalid.
result<duration_spec> parse_duration(std::string_view text);

}  // namespace dutyflow

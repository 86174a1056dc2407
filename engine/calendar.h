// The Vietnamese working calendar: which days are working days (Monday–Friday less the public
// holidays of Bộ luật Lao động 2019, Điều 112, their nghỉ bù under Điều 111 khoản 3, and the
// per-year decisions that move them), and working-day arithmetic for deadlines ("-3wd").
// Whoever loads it owns it (the engine, the CLI). It is immutable once built, so any thread may
// call its const members at the same time; copies share one read-only table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow {

namespace detail {
struct calendar_table;
}

// A day off other than an ordinary Saturday or Sunday.
struct holiday {
  date day{};
  std::string name;    // Vietnamese, e.g. "Tết Nguyên Đán", "Nghỉ bù Giỗ Tổ Hùng Vương"
  std::string source;  // "rule" (the Labour Code), or the decision that set it
  bool operator==(const holiday&) const = default;
};

// The holidays of Điều 112 as groups an override file can replace for one year.
enum class holiday_rule : std::uint8_t {
  tet_duong_lich,    // 1/1
  tet,               // Tết Nguyên Đán, 5 days
  gio_to,            // Giỗ Tổ Hùng Vương, 10/3 âm lịch
  chien_thang,       // 30/4
  quoc_te_lao_dong,  // 1/5
  quoc_khanh,        // 2/9 and one adjacent day
};

// The id used in override files ("tet", "quoc_khanh", ...).
std::string_view holiday_rule_name(holiday_rule rule);
// nullopt for an unknown id.
std::optional<holiday_rule> parse_holiday_rule(std::string_view name);
// Every id, in the order above ("tet_duong_lich, tet, ..."), for error messages.
std::string holiday_rule_names();

// What the government decided for one year, on top of the rules.
struct year_overrides {
  int year = 0;
  // Extra days off (or, with replace_rules, the days that replace a rule). Never compensated:
  // a decision lists its nghỉ bù days itself.
  std::vector<holiday> days_off;
  // Days worked although they are a weekend or a rule holiday (làm bù). `name` and `source`
  // are kept for people reading the file.
  std::vector<holiday> working_days;
  // Rule groups whose days (and the compensatory days they would get) are dropped this year.
  std::vector<holiday_rule> replace_rules;
};

class working_calendar {
 public:
  // The years the holidays are computed for; outside them only weekends are days off.
  static constexpr int first_year = 1900;
  static constexpr int last_year = 2100;

  // The rules only.
  working_calendar();

  // The rules plus the override files `dir`/YYYY.json (format: config/calendar/README.md).
  // A missing `dir` gives the rules only. Fails with errc::invalid when `dir` is not a
  // directory or a file is unreadable or wrong; the message names the file and the JSON path
  // ("config/calendar/2025.json: days_off[0].date: ..."), and details.errors lists every
  // problem found in every file, not only the first.
  static result<working_calendar> load(const std::filesystem::path& dir);

  // The rules plus already-parsed overrides. Fails with errc::invalid (every problem in
  // details.errors) on a year outside first_year..last_year, a year given twice, a date
  // outside its year, or a date both off and working.
  static result<working_calendar> with_overrides(const std::vector<year_overrides>& overrides);

  // False on Saturdays, Sundays and holidays, true otherwise (and true on a làm bù Saturday).
  // An invalid date (!ok()) is not a working day.
  bool is_working_day(date day) const;

  // The days off of `year` other than ordinary weekends, sorted: rule holidays (a holiday
  // falling on a weekend included), their compensatory days, and the overrides. Empty outside
  // first_year..last_year.
  std::vector<holiday> holidays(int year) const;

  // Counting as Bộ luật Dân sự 2015, Điều 147 does, the start day is not counted: n > 0 gives
  // the n-th working day after `start`, n < 0 the |n|-th working day before it, n == 0 `start`
  // if it is a working day, else the next working day. Returns an invalid date (!ok()) if
  // `start` is invalid or the result lies beyond what std::chrono::year can hold.
  date add_working_days(date start, int n) const;

  // `day` itself if it is a working day, else the first working day after it. Invalid in,
  // invalid out.
  date next_working_day(date day) const;

 private:
  explicit working_calendar(std::shared_ptr<const detail::calendar_table> table);

  std::shared_ptr<const detail::calendar_table> table_;
};

}  // namespace dutyflow

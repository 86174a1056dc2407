#include "engine/calendar.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "engine/calendar_internal.h"
#include "engine/lunar.h"

namespace dutyflow {

namespace detail {

// One bit per day of every year from first_year to last_year, plus the holiday list that
// explains the bits. Built once, never changed: shared by every copy of a calendar.
struct calendar_table {
  struct year_data {
    std::bitset<366> working;  // bit i: day i of the year (0 = 1 January) is a working day
    std::vector<holiday> holidays;
  };
  std::vector<year_data> years;  // index 0 is working_calendar::first_year
};

}  // namespace detail

namespace {

namespace chr = std::chrono;
using detail::calendar_table;
using detail::day_number;
using detail::in_table;
using detail::problems;
using detail::to_date;
using detail::to_number;

constexpr int first_year = working_calendar::first_year;
constexpr int last_year = working_calendar::last_year;

day_number jan1(int y) {
  return to_number(chr::year{y} / chr::January / 1);
}
// Only for day numbers inside the table: far outside it std::chrono::year cannot hold the year.
int year_of(day_number n) {
  return static_cast<int>(to_date(n).year());
}

bool is_weekend(day_number n) {
  const unsigned wd = chr::weekday{chr::sys_days{chr::days{n}}}.c_encoding();  // 0 = Sunday
  return wd == 0 || wd == 6;
}

// ---- The rules: Bộ luật Lao động 2019, Điều 112 khoản 1 and Điều 111 khoản 3 ----

struct rule_day {
  day_number day;
  std::string name;
  holiday_rule rule;
};

constexpr std::array<std::pair<holiday_rule, std::string_view>, 6> rule_ids{{
    {holiday_rule::tet_duong_lich, "tet_duong_lich"},
    {holiday_rule::tet, "tet"},
    {holiday_rule::gio_to, "gio_to"},
    {holiday_rule::chien_thang, "chien_thang"},
    {holiday_rule::quoc_te_lao_dong, "quoc_te_lao_dong"},
    {holiday_rule::quoc_khanh, "quoc_khanh"},
}};

std::vector<rule_day> rule_days(int y) {
  std::vector<rule_day> out;
  const auto on = [y](unsigned m, unsigned d) { return to_number(chr::year{y} / chr::month{m} / chr::day{d}); };

  out.push_back({on(1, 1), "Tết Dương lịch", holiday_rule::tet_duong_lich});

  // Tết Âm lịch is 5 days whose placement the Prime Minister decides each year. With no
  // decision on file we take the last day of the old lunar year (29 or 30 tháng Chạp) and
  // mùng 1 to mùng 4 tháng Giêng: the usual "one day before, four after" shape.
  if (const auto tet = from_lunar({1, 1, y, false})) {
    const day_number first = to_number(*tet);
    for (day_number d = first - 1; d <= first + 3; ++d) out.push_back({d, "Tết Nguyên Đán", holiday_rule::tet});
  }
  if (const auto gio_to = from_lunar({10, 3, y, false})) {
    out.push_back({to_number(*gio_to), "Giỗ Tổ Hùng Vương", holiday_rule::gio_to});
  }
  out.push_back({on(4, 30), "Ngày Chiến thắng", holiday_rule::chien_thang});
  out.push_back({on(5, 1), "Ngày Quốc tế Lao động", holiday_rule::quoc_te_lao_dong});

  // Quốc khánh is 2/9 and "01 ngày liền kề trước hoặc sau", chosen each year. With no decision
  // on file we take the neighbour that is a working day nearer the weekend, so that the two
  // days join a Saturday or Sunday when they can; on a tie (2/9 a Wednesday) 1/9. This is what
  // the decisions chose in 2021 (Thu → 3/9), 2022 (Fri → 1/9), 2023 (Sat → 1/9), 2024 (Mon →
  // 3/9) and 2025 (Tue → 1/9).
  const day_number national_day = on(9, 2);
  const unsigned wd = chr::weekday{chr::sys_days{chr::days{national_day}}}.c_encoding();
  const bool day_after = wd == 0 || wd == 1 || wd == 4;  // Sunday, Monday, Thursday
  out.push_back({national_day, "Quốc khánh", holiday_rule::quoc_khanh});
  out.push_back(
      {day_after ? national_day + 1 : national_day - 1, "Quốc khánh (ngày liền kề)", holiday_rule::quoc_khanh});

  std::stable_sort(out.begin(), out.end(), [](const rule_day& a, const rule_day& b) { return a.day < b.day; });
  return out;
}

calendar_table::year_data build_year(int y, const year_overrides* overrides) {
  std::vector<rule_day> rules = rule_days(y);
  if (overrides != nullptr) {
    const auto& replaced = overrides->replace_rules;
    std::erase_if(rules, [&](const rule_day& r) {
      return std::find(replaced.begin(), replaced.end(), r.rule) != replaced.end();
    });
  }

  // Nghỉ bù days are placed among the rule days only. A decision that lists a day off which
  // is also a rule's nghỉ bù day means that same day (it usually restates it), not one more.
  std::set<day_number> off;
  for (const auto& r : rules) off.insert(r.day);

  std::map<day_number, holiday> listed;
  for (const auto& r : rules) {
    // Điều 111 khoản 3: when the weekly rest day falls on a holiday of Điều 112 khoản 1, the
    // rest day is taken on the next working day. (Điều 112 khoản 3 is the Prime Minister's
    // yearly choice of the Tết and Quốc khánh days, which the override files carry.) A holiday
    // on the date of another one (Giỗ Tổ on 30/4, as in 1947) is one day of leave lost the
    // same way, so it is compensated too.
    const bool shares_date = listed.contains(r.day);
    if (!shares_date) listed.emplace(r.day, holiday{to_date(r.day), r.name, "rule"});
    if (is_weekend(r.day) || shares_date) {
      day_number d = r.day + 1;
      while (is_weekend(d) || off.contains(d)) ++d;
      off.insert(d);
      listed.emplace(d, holiday{to_date(d), "Nghỉ bù " + r.name, "rule"});
    }
  }

  std::set<day_number> forced_working;
  if (overrides != nullptr) {
    for (const auto& h : overrides->days_off) listed.insert_or_assign(to_number(h.day), h);
    for (const auto& h : overrides->working_days) {
      listed.erase(to_number(h.day));
      forced_working.insert(to_number(h.day));
    }
  }

  calendar_table::year_data out;
  const day_number start = jan1(y);
  const day_number end = jan1(y + 1);
  for (day_number d = start; d < end; ++d) {
    const bool working = forced_working.contains(d) || (!is_weekend(d) && !listed.contains(d));
    out.working.set(static_cast<std::size_t>(d - start), working);
  }
  out.holidays.reserve(listed.size());
  for (auto& [day, h] : listed) {
    if (day >= start && day < end) out.holidays.push_back(std::move(h));
  }
  return out;
}

std::shared_ptr<const calendar_table> rules_only_table() {
  static const std::shared_ptr<const calendar_table> table = [] {
    auto t = std::make_shared<calendar_table>();
    t->years.reserve(last_year - first_year + 1);
    for (int y = first_year; y <= last_year; ++y) t->years.push_back(build_year(y, nullptr));
    return t;
  }();
  return table;
}

// ---- Counting working days ----

// Working days in [from, to) when only weekends are off.
day_number weekday_count(day_number from, day_number to) {
  if (to <= from) return 0;
  const day_number span = to - from;
  day_number count = span / 7 * 5;
  for (day_number d = from + span / 7 * 7; d < to; ++d) count += is_weekend(d) ? 0 : 1;
  return count;
}

// The n-th (n >= 1) weekday at or after `from` / at or before `from`, weekends only.
day_number nth_weekday_forward(day_number from, day_number n) {
  const day_number weeks = (n - 1) / 5;
  day_number d = from + weeks * 7;
  n -= weeks * 5;
  for (;; ++d) {
    if (!is_weekend(d) && --n == 0) return d;
  }
}
day_number nth_weekday_backward(day_number from, day_number n) {
  const day_number weeks = (n - 1) / 5;
  day_number d = from - weeks * 7;
  n -= weeks * 5;
  for (;; --d) {
    if (!is_weekend(d) && --n == 0) return d;
  }
}

// The n-th (n >= 1) working day at or after `from`: whole years are skipped by bit count,
// and outside the table weeks are counted five working days at a time.
day_number nth_forward(const calendar_table& t, day_number from, day_number n) {
  const day_number table_start = jan1(first_year);
  const day_number table_end = jan1(last_year + 1);
  for (;;) {
    if (from >= table_end) return nth_weekday_forward(from, n);
    if (from < table_start) {
      const day_number here = weekday_count(from, table_start);
      if (here >= n) return nth_weekday_forward(from, n);
      n -= here;
      from = table_start;
      continue;
    }
    const int y = year_of(from);
    const auto& bits = t.years[static_cast<std::size_t>(y - first_year)].working;
    std::size_t i = static_cast<std::size_t>(from - jan1(y));
    const auto here = static_cast<day_number>((bits >> i).count());
    if (here < n) {
      n -= here;
      from = jan1(y + 1);
      continue;
    }
    for (;; ++i) {
      if (bits[i] && --n == 0) return jan1(y) + static_cast<day_number>(i);
    }
  }
}

// The n-th (n >= 1) working day at or before `from`.
day_number nth_backward(const calendar_table& t, day_number from, day_number n) {
  const day_number table_start = jan1(first_year);
  const day_number table_end = jan1(last_year + 1);
  for (;;) {
    if (from < table_start) return nth_weekday_backward(from, n);
    if (from >= table_end) {
      const day_number here = weekday_count(table_end, from + 1);
      if (here >= n) return nth_weekday_backward(from, n);
      n -= here;
      from = table_end - 1;
      continue;
    }
    const int y = year_of(from);
    const auto& bits = t.years[static_cast<std::size_t>(y - first_year)].working;
    std::size_t i = static_cast<std::size_t>(from - jan1(y));
    const auto here = static_cast<day_number>((bits << (bits.size() - 1 - i)).count());
    if (here < n) {
      n -= here;
      from = jan1(y) - 1;
      continue;
    }
    for (;; --i) {
      if (bits[i] && --n == 0) return jan1(y) + static_cast<day_number>(i);
    }
  }
}

// The result as a date, or an invalid date beyond what std::chrono::year holds.
date checked_date(day_number n) {
  static const day_number lowest = to_number(chr::year::min() / chr::January / 1);
  static const day_number highest = to_number(chr::year::max() / chr::December / 31);
  if (n < lowest || n > highest) return date{};
  return to_date(n);
}

// ---- Validation of overrides (their files are read in calendar_files.cpp) ----

void check_overrides(const std::vector<year_overrides>& all, problems& out) {
  std::set<int> years;
  for (const auto& o : all) {
    const std::string where = std::to_string(o.year) + ": ";
    if (!in_table(o.year)) {
      out.add(where + "year outside " + std::to_string(first_year) + "–" + std::to_string(last_year));
      continue;
    }
    if (!years.insert(o.year).second) out.add(where + "overrides given twice for this year");
    std::set<day_number> off;
    for (const auto& h : o.days_off) {
      if (!h.day.ok() || static_cast<int>(h.day.year()) != o.year) {
        out.add(where + "day off " + format_date(h.day) + " is not in " + std::to_string(o.year));
      } else if (!off.insert(to_number(h.day)).second) {
        out.add(where + "day off " + format_date(h.day) + " listed twice");
      }
    }
    std::set<day_number> working;
    for (const auto& h : o.working_days) {
      if (!h.day.ok() || static_cast<int>(h.day.year()) != o.year) {
        out.add(where + "working day " + format_date(h.day) + " is not in " + std::to_string(o.year));
      } else if (off.contains(to_number(h.day))) {
        out.add(where + format_date(h.day) + " is both a day off and a working day");
      } else if (!working.insert(to_number(h.day)).second) {
        out.add(where + "working day " + format_date(h.day) + " listed twice");
      }
    }
  }
}

}  // namespace

std::string_view holiday_rule_name(holiday_rule rule) {
  for (const auto& [r, name] : rule_ids) {
    if (r == rule) return name;
  }
  return "";
}

std::optional<holiday_rule> parse_holiday_rule(std::string_view name) {
  for (const auto& [r, id] : rule_ids) {
    if (id == name) return r;
  }
  return std::nullopt;
}

std::string holiday_rule_names() {
  std::string out;
  for (const auto& [r, id] : rule_ids) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

working_calendar::working_calendar() : table_(rules_only_table()) {}

working_calendar::working_calendar(std::shared_ptr<const detail::calendar_table> table) : table_(std::move(table)) {}

result<working_calendar> working_calendar::with_overrides(const std::vector<year_overrides>& overrides) {
  problems found;
  check_overrides(overrides, found);
  if (!found.empty()) return found.to_error();
  if (overrides.empty()) return working_calendar();
  auto table = std::make_shared<calendar_table>(*rules_only_table());
  for (const auto& o : overrides) table->years[static_cast<std::size_t>(o.year - first_year)] = build_year(o.year, &o);
  return working_calendar(std::move(table));
}

bool working_calendar::is_working_day(date day) const {
  if (!day.ok()) return false;
  const int y = static_cast<int>(day.year());
  const day_number n = to_number(day);
  if (!in_table(y)) return !is_weekend(n);
  return table_->years[static_cast<std::size_t>(y - first_year)].working[static_cast<std::size_t>(n - jan1(y))];
}

std::vector<holiday> working_calendar::holidays(int year) const {
  if (!in_table(year)) return {};
  return table_->years[static_cast<std::size_t>(year - first_year)].holidays;
}

date working_calendar::add_working_days(date start, int n) const {
  if (!start.ok()) return date{};
  const day_number from = to_number(start);
  if (n == 0) return checked_date(nth_forward(*table_, from, 1));
  if (n > 0) return checked_date(nth_forward(*table_, from + 1, n));
  return checked_date(nth_backward(*table_, from - 1, -static_cast<day_number>(n)));
}

date working_calendar::next_working_day(date day) const {
  return add_working_days(day, 0);
}

}  // namespace dutyflow

#include "engine/calendar.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

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
using day_number = std::int64_t;  // days since 1970-01-01

constexpr int first_year = working_calendar::first_year;
constexpr int last_year = working_calendar::last_year;

day_number to_number(date d) {
  return chr::sys_days{d}.time_since_epoch().count();
}
date to_date(day_number n) {
  return date{chr::sys_days{chr::days{n}}};
}
day_number jan1(int y) {
  return to_number(chr::year{y} / chr::January / 1);
}
// Only for day numbers inside the table: far outside it std::chrono::year cannot hold the year.
int year_of(day_number n) {
  return static_cast<int>(to_date(n).year());
}
bool in_table(int y) {
  return y >= first_year && y <= last_year;
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

// ---- Validation of overrides and of override files ----

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

using json = nlohmann::json;

// Reads one override file, adding "<file>: <path>: <message>" lines to `out` for every problem.
class file_reader {
 public:
  file_reader(std::string file, int year, problems& out) : file_(std::move(file)), year_(year), out_(out) {}

  std::optional<year_overrides> read(const json& root) {
    const std::size_t before = out_.lines.size();
    if (!root.is_object()) {
      add("", "must be a JSON object {\"year\": " + std::to_string(year_) + ", \"days_off\": [...], ...}");
      return std::nullopt;
    }
    for (const auto& [key, value] : root.items()) {
      if (key != "year" && key != "days_off" && key != "working_days" && key != "replace_rules" && key != "note") {
        add(key, "unknown field (expected year, days_off, working_days, replace_rules, note)");
      }
    }
    year_overrides o;
    o.year = year_;
    if (!root.contains("year")) {
      add("year", "missing (expected " + std::to_string(year_) + ")");
    } else if (const json& y = root["year"]; !y.is_number_integer()) {
      add("year", "must be an integer, got " + y.dump());
    } else if (y.get<std::int64_t>() != year_) {
      add("year", y.dump() + " does not match the file name " + std::to_string(year_) + ".json");
    }
    if (root.contains("note") && !root["note"].is_string()) add("note", "must be a string");
    std::vector<std::string> off_paths;
    std::vector<std::string> working_paths;
    if (root.contains("days_off")) read_days(root["days_off"], "days_off", o.days_off, off_paths);
    if (root.contains("working_days")) read_days(root["working_days"], "working_days", o.working_days, working_paths);
    if (root.contains("replace_rules")) read_rules(root["replace_rules"], o.replace_rules);
    cross_check({{&o.days_off, &off_paths}, {&o.working_days, &working_paths}});
    if (out_.lines.size() != before) return std::nullopt;
    return o;
  }

 private:
  void add(const std::string& path, const std::string& message) {
    out_.add(path.empty() ? file_ + ": " + message : file_ + ": " + path + ": " + message);
  }

  std::optional<date> read_date(const json& entry, const std::string& key, const std::string& path) {
    const json& v = entry[key];
    if (!v.is_string()) {
      add(path + "." + key, "must be a date string \"YYYY-MM-DD\", got " + v.dump());
      return std::nullopt;
    }
    const auto d = parse_date(v.get<std::string>());
    if (!d) {
      add(path + "." + key, v.dump() + " is not a date (expected YYYY-MM-DD)");
      return std::nullopt;
    }
    if (static_cast<int>(d->year()) != year_) {
      add(path + "." + key, v.dump() + " is not in " + std::to_string(year_) + " (each file covers its own year)");
      return std::nullopt;
    }
    return *d;
  }

  std::optional<std::string> read_text(const json& entry, const std::string& key, const std::string& path) {
    if (!entry.contains(key)) {
      add(path, "missing \"" + key + "\"");
      return std::nullopt;
    }
    const json& v = entry[key];
    if (!v.is_string() || v.get<std::string>().empty()) {
      add(path + "." + key, "must be a non-empty string, got " + v.dump());
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  // Appends one holiday per day (a range gives several) and, in `paths`, the entry each came from.
  void read_days(const json& list, const std::string& key, std::vector<holiday>& out, std::vector<std::string>& paths) {
    if (!list.is_array()) {
      add(key, "must be an array of {\"date\", \"name\", \"source\"} objects");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = key + "[" + std::to_string(i) + "]";
      const json& entry = list[i];
      if (!entry.is_object()) {
        add(path, "must be an object {\"date\", \"name\", \"source\"}, got " + entry.dump());
        continue;
      }
      for (const auto& [field, value] : entry.items()) {
        if (field != "date" && field != "from" && field != "to" && field != "name" && field != "source" &&
            field != "note") {
          add(path + "." + field, "unknown field (expected date, or from and to; name, source, note)");
        }
      }
      if (entry.contains("note") && !entry["note"].is_string()) add(path + ".note", "must be a string");
      const auto name = read_text(entry, "name", path);
      const auto source = read_text(entry, "source", path);

      std::optional<date> first;
      std::optional<date> last;
      const bool has_date = entry.contains("date");
      const bool has_range = entry.contains("from") || entry.contains("to");
      if (has_date && has_range) {
        add(path, "give either \"date\" or \"from\" and \"to\", not both");
        continue;
      }
      if (has_date) {
        first = last = read_date(entry, "date", path);
      } else if (has_range) {
        if (!entry.contains("from") || !entry.contains("to")) {
          add(path, "a range needs both \"from\" and \"to\"");
          continue;
        }
        first = read_date(entry, "from", path);
        last = read_date(entry, "to", path);
        if (first && last && *last < *first) {
          add(path + ".to", entry["to"].dump() + " is before \"from\" " + entry["from"].dump());
          continue;
        }
      } else {
        add(path, "missing \"date\" (or \"from\" and \"to\")");
        continue;
      }
      if (!first || !last || !name || !source) continue;
      for (day_number d = to_number(*first); d <= to_number(*last); ++d) {
        out.push_back(holiday{to_date(d), *name, *source});
        paths.push_back(path);
      }
    }
  }

  void read_rules(const json& list, std::vector<holiday_rule>& out) {
    if (!list.is_array()) {
      add("replace_rules", "must be an array of rule ids (" + holiday_rule_names() + ")");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = "replace_rules[" + std::to_string(i) + "]";
      const json& v = list[i];
      const auto rule = v.is_string() ? parse_holiday_rule(v.get<std::string>()) : std::nullopt;
      if (!rule) {
        add(path, "unknown rule " + v.dump() + " (expected one of " + holiday_rule_names() + ")");
      } else if (std::find(out.begin(), out.end(), *rule) != out.end()) {
        add(path, v.dump() + " listed twice");
      } else {
        out.push_back(*rule);
      }
    }
  }

  // Dates listed twice, or both off and working.
  using listed_days = std::pair<const std::vector<holiday>*, const std::vector<std::string>*>;
  void cross_check(std::initializer_list<listed_days> lists) {
    std::map<day_number, std::string> seen;
    for (const auto& [days, paths] : lists) {
      for (std::size_t i = 0; i < days->size(); ++i) {
        const auto [it, fresh] = seen.emplace(to_number((*days)[i].day), (*paths)[i]);
        if (!fresh) add((*paths)[i], format_date((*days)[i].day) + " is already listed at " + it->second);
      }
    }
  }

  std::string file_;
  int year_;
  problems& out_;
};

// "2025.json" → 2025.
std::optional<int> year_from_file_name(const std::filesystem::path& file) {
  const std::string stem = file.stem().string();
  if (stem.size() != 4 || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::atoi(stem.c_str());
}

std::string parse_error_text(const json::parse_error& e) {
  // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." → from "line".
  std::string what = e.what();
  const auto at = what.find("line ");
  return at == std::string::npos ? what : what.substr(at);
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

result<working_calendar> working_calendar::load(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto kind = fs::status(dir, ec);
  if (kind.type() == fs::file_type::not_found) return working_calendar();
  if (ec) return make_error(errc::invalid, dir.string() + ": " + ec.message());
  if (!fs::is_directory(kind)) return make_error(errc::invalid, dir.string() + ": not a directory");

  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) return make_error(errc::invalid, dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  problems found;
  std::vector<year_overrides> overrides;
  for (const auto& file : files) {
    const std::string name = file.string();
    const auto year = year_from_file_name(file);
    if (!year) {
      found.add(name + ": file name must be YYYY.json, the year it covers");
      continue;
    }
    if (!in_table(*year)) {
      found.add(name + ": year outside " + std::to_string(first_year) + "–" + std::to_string(last_year));
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in.is_open()) {
      found.add(name + ": cannot be read");
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
      const json root = json::parse(text.str());
      file_reader reader(name, *year, found);
      if (auto o = reader.read(root)) overrides.push_back(std::move(*o));
    } catch (const json::parse_error& e) {
      found.add(name + ": not valid JSON: " + parse_error_text(e));
    } catch (const json::exception& e) {
      found.add(name + ": " + e.what());
    }
  }
  if (!found.empty()) return found.to_error();
  return with_overrides(overrides);
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

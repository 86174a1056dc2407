// Reading the per-year override files (config/calendar/YYYY.json) into year_overrides,
// with every problem of every file reported: working_calendar::load (see calendar.h).
#include "engine/calendar.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "engine/calendar_internal.h"

namespace dutyflow {

namespace {

using detail::day_number;
using detail::in_table;
using detail::problems;
using detail::to_date;
using detail::to_number;
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

}  // namespace dutyflow

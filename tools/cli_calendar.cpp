#include "tools/cli_calendar.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>

#include "engine/calendar.h"
#include "engine/lunar.h"
#include "engine/time.h"

namespace dutyflow {
namespace {

struct calendar_args {
  std::string calendar_dir;  // --calendar-dir; empty: DUTYFLOW_CALENDAR_DIR, else config/calendar
  bool json = false;
  std::string year;
  std::string day;
  std::string count;
};

int fail(const std::string& message) {
  std::cerr << "dutyflow: " << message << '\n';
  return 1;
}

// An explicit directory (flag or environment) must exist; the default one may be missing, in
// which case the rules alone apply.
std::optional<working_calendar> open_calendar(const std::string& flag) {
  std::filesystem::path dir = flag;
  bool explicit_dir = !flag.empty();
  if (!explicit_dir) {
    const char* env = std::getenv("DUTYFLOW_CALENDAR_DIR");
    explicit_dir = env != nullptr && *env != '\0';
    dir = explicit_dir ? env : "config/calendar";
  }
  std::error_code ec;
  if (explicit_dir && !std::filesystem::exists(dir, ec)) {
    fail("calendar directory not found: " + dir.string());
    return std::nullopt;
  }
  auto loaded = working_calendar::load(dir);
  if (!loaded) {
    const auto& details = loaded.err().details;
    if (details.contains("errors") && details["errors"].is_array() && !details["errors"].empty()) {
      for (const auto& line : details["errors"]) fail(line.get<std::string>());
    } else {
      fail(loaded.err().message);
    }
    return std::nullopt;
  }
  return std::move(*loaded);
}

bool in_supported_years(date d) {
  const int y = static_cast<int>(d.year());
  return y >= working_calendar::first_year && y <= working_calendar::last_year;
}

// A date in the years the calendar covers, or a message on stderr.
std::optional<date> read_day(const std::string& text) {
  const auto d = parse_date(text);
  if (!d) {
    fail("DATE must be a date YYYY-MM-DD, got \"" + text + "\"");
    return std::nullopt;
  }
  if (!in_supported_years(*d)) {
    fail("DATE must be between 1900-01-01 and 2100-12-31, got " + text);
    return std::nullopt;
  }
  return *d;
}

std::optional<int> read_int(const std::string& text) {
  int value = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (first == last || ec != std::errc{} || end != last) return std::nullopt;
  return value;
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2) << '\n';
}

int run_holidays(const calendar_args& args) {
  const auto year = read_int(args.year);
  if (!year || *year < working_calendar::first_year || *year > working_calendar::last_year) {
    return fail("YEAR must be an integer from 1900 to 2100, got \"" + args.year + "\"");
  }
  const auto cal = open_calendar(args.calendar_dir);
  if (!cal) return 1;
  const auto days = cal->holidays(*year);
  if (args.json) {
    auto out = nlohmann::json::array();
    for (const auto& h : days) out.push_back({{"date", format_date(h.day)}, {"name", h.name}, {"source", h.source}});
    print_json(out);
  } else {
    for (const auto& h : days) {
      std::cout << format_date(h.day) << "  " << h.name << "  (" << (h.source == "rule" ? "quy định" : h.source)
                << ")\n";
    }
  }
  return 0;
}

int run_add_working_days(const calendar_args& args) {
  const auto start = read_day(args.day);
  if (!start) return 1;
  const auto n = read_int(args.count);
  if (!n) return fail("N must be an integer, got \"" + args.count + "\"");
  const auto cal = open_calendar(args.calendar_dir);
  if (!cal) return 1;
  const date result = cal->add_working_days(*start, *n);
  if (!result.ok()) return fail("the result lies beyond the years a date can hold");
  if (args.json) {
    print_json({{"date", format_date(result)}});
  } else {
    std::cout << format_date(result) << '\n';
  }
  return 0;
}

int run_lunar(const calendar_args& args) {
  const auto day = read_day(args.day);
  if (!day) return 1;
  const lunar_date l = to_lunar(*day);
  if (args.json) {
    print_json({{"day", l.day}, {"month", l.month}, {"year", l.year}, {"leap", l.leap}});
  } else {
    std::cout << l.day << '/' << l.month << '/' << l.year << (l.leap ? " (nhuận)" : "") << " âm lịch\n";
  }
  return 0;
}

}  // namespace

CLI::App* add_calendar_command(CLI::App& app, int& exit_code) {
  auto* calendar = app.add_subcommand("calendar", "Vietnamese working calendar: holidays, working days, lunar dates");
  calendar->require_subcommand(1);

  // Owned by the callbacks, which CLI11 keeps as long as the app.
  auto args = std::make_shared<calendar_args>();
  const auto common = [&args](CLI::App* sub) {
    sub->add_option("--calendar-dir", args->calendar_dir,
                    "directory of YYYY.json overrides (default: $DUTYFLOW_CALENDAR_DIR, else ./config/calendar "
                    "if present, else the Labour Code rules alone)");
    sub->add_flag("--json", args->json, "machine-readable output");
  };

  auto* holidays = calendar->add_subcommand("holidays", "days off of YEAR other than ordinary weekends");
  holidays->add_option("YEAR", args->year, "year, 1900–2100")->required();
  common(holidays);
  holidays->callback([args, &exit_code] { exit_code = run_holidays(*args); });

  auto* add = calendar->add_subcommand(
      "add-working-days", "the N-th working day after DATE (N < 0: before it; 0: DATE or the next working day)");
  add->add_option("DATE", args->day, "start date, YYYY-MM-DD (not counted)")->required();
  add->add_option("N", args->count, "number of working days, may be negative")->required();
  common(add);
  add->callback([args, &exit_code] { exit_code = run_add_working_days(*args); });

  auto* lunar = calendar->add_subcommand("lunar", "the lunar (âm lịch) date of DATE");
  lunar->add_option("DATE", args->day, "date, YYYY-MM-DD")->required();
  common(lunar);
  lunar->callback([args, &exit_code] { exit_code = run_lunar(*args); });

  return calendar;
}

}  // namespace dutyflow

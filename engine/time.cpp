#include "engine/time.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <limits>

namespace dutyflow {
namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`; false if any is missing.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

error bad(std::string_view what, std::string_view text) {
  return make_error(errc::invalid, std::string(what) + " \"" + std::string(text) + "\"");
}

// Parses "YYYY-MM-DD" at `pos`.
bool read_date(std::string_view s, std::size_t& pos, date& out) {
  int y = 0, m = 0, d = 0;
  if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, m) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, d))
    return false;
  out = year{y} / month{static_cast<unsigned>(m)} / day{static_cast<unsigned>(d)};
  return out.ok();
}

std::string two(int v) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "%02d", v);
  return buf.data();
}

}  // namespace

result<instant> parse_instant(std::string_view text) {
  std::size_t pos = 0;
  date day;
  if (!read_date(text, pos, day)) return bad("not an ISO-8601 date-time", text);
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return bad("not an ISO-8601 date-time (expected a time and an offset)", text);
  ++pos;
  int hh = 0, mm = 0, ss = 0;
  if (!read_digits(text, pos, 2, hh) || !expect(text, pos, ':') || !read_digits(text, pos, 2, mm))
    return bad("not an ISO-8601 date-time", text);
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, ss)) return bad("not an ISO-8601 date-time", text);
  }
  std::int64_t micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("not an ISO-8601 date-time", text);
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  if (hh > 23 || mm > 59 || ss > 59) return bad("time of day out of range in", text);
  if (pos >= text.size()) return bad("date-time needs an offset (Z or +07:00)", text);
  int offset_minutes = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh)) return bad("bad offset in", text);
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (!read_digits(text, pos, 2, om)) return bad("bad offset in", text);
    if (oh > 14 || om > 59) return bad("offset out of range in", text);
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad("date-time needs an offset (Z or +07:00)", text);
  }
  if (pos != text.size()) return bad("trailing characters in date-time", text);
  auto local = sys_days{day} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros};
  const instant at{local - minutes{offset_minutes}};
  // The journal stores instants (milestones, deadlines) as ISO-8601 text that replay parses
  // back, with four-digit years. Far from year 0 and 9999, an instant stays writable at any
  // offset and so does every deadline derived from it (offsets are at most 3660 days, or
  // that many working days): "9999-12-31T17:57-14:00" would be year 10000 in UTC and its
  // milestone would vanish at the next restart.
  const auto utc_year = static_cast<int>(date{floor<days>(at)}.year());
  if (utc_year < 1000 || utc_year > 8999) return bad("date-time out of range (years 1000 to 8999)", text);
  return at;
}

std::string format_instant(instant at, minutes offset) {
  auto local = at + offset;
  auto day_point = floor<days>(local);
  date day{day_point};
  hh_mm_ss<microseconds> tod{local - day_point};
  std::string out = format_date(day) + "T" + two(static_cast<int>(tod.hours().count())) + ":" +
                    two(static_cast<int>(tod.minutes().count())) + ":" +
                    two(static_cast<int>(tod.seconds().count()));
  auto sub = tod.subseconds().count();
  if (sub != 0) {
    std::array<char, 16> buf{};
    if (sub % 1000 == 0)
      std::snprintf(buf.data(), buf.size(), ".%03lld", static_cast<long long>(sub / 1000));
    else
      std::snprintf(buf.data(), buf.size(), ".%06lld", static_cast<long long>(sub));
    out += buf.data();
  }
  if (offset.count() == 0) return out + "Z";
  auto m = offset.count();
  out += m < 0 ? '-' : '+';
  if (m < 0) m = -m;
  return out + two(static_cast<int>(m / 60)) + ":" + two(static_cast<int>(m % 60));
}

result<date> parse_date(std::string_view text) {
  std::size_t pos = 0;
  date day;
  if (!read_date(text, pos, day) || pos != text.size()) return bad("not a date (YYYY-MM-DD)", text);
  return day;
}

std::string format_date(date day) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return buf.data();
}

instant start_of_day(date day, minutes offset) { return instant{sys_days{day} - offset}; }

date local_date(instant at, minutes offset) { return date{floor<days>(at + offset)}; }

result<minutes> parse_timezone(std::string_view name) {
  // Zones whose offset has not changed since 1975, so a fixed offset is exact for any
  // plan dutyflow can hold. libstdc++ 12 has no tz database; a zone with daylight saving
  // would need one, and is refused rather than computed wrong.
  struct fixed_zone {
    std::string_view name;
    int minutes_east;
  };
  static constexpr std::array<fixed_zone, 8> zones = {{
      {"Asia/Ho_Chi_Minh", 420}, {"Asia/Saigon", 420}, {"Asia/Bangkok", 420},
      {"Asia/Vientiane", 420},   {"Asia/Phnom_Penh", 420}, {"Asia/Jakarta", 420},
      {"UTC", 0},                {"Etc/UTC", 0},
  }};
  for (const auto& z : zones)
    if (z.name == name) return minutes{z.minutes_east};
  if (name.size() == 6 && (name[0] == '+' || name[0] == '-') && name[3] == ':') {
    std::size_t pos = 1;
    int h = 0, m = 0;
    if (read_digits(name, pos, 2, h) && expect(name, pos, ':') && read_digits(name, pos, 2, m) && h <= 14 &&
        m <= 59)
      return minutes{(name[0] == '-' ? -1 : 1) * (h * 60 + m)};
  }
  return make_error(errc::invalid, "unsupported timezone \"" + std::string(name) +
                                       "\" (use Asia/Ho_Chi_Minh, UTC or an offset such as +07:00)");
}

std::chrono::microseconds duration_spec::fixed() const {
  switch (unit_) {
    case unit::minutes: return minutes{amount};
    case unit::hours: return hours{amount};
    case unit::days: return days{amount};
    case unit::working_days: return microseconds{0};
  }
  return microseconds{0};
}

std::string duration_spec::text() const {
  std::string suffix;
  switch (unit_) {
    case unit::minutes: suffix = "m"; break;
    case unit::hours: suffix = "h"; break;
    case unit::days: suffix = "d"; break;
    case unit::working_days: suffix = "wd"; break;
  }
  return std::to_string(amount) + suffix;
}

result<duration_spec> parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9)
    return bad("not a duration (expected e.g. 30m, 12h, 3d, 2wd, -1d)", text);
  std::int64_t amount = 0;
  std::from_chars(s.data(), s.data() + digits, amount);
  std::string_view suffix = s.substr(digits);
  duration_spec spec;
  if (suffix == "m") spec.unit_ = duration_spec::unit::minutes;
  else if (suffix == "h") spec.unit_ = duration_spec::unit::hours;
  else if (suffix == "d") spec.unit_ = duration_spec::unit::days;
  else if (suffix == "wd") spec.unit_ = duration_spec::unit::working_days;
  else return bad("not a duration (expected e.g. 30m, 12h, 3d, 2wd, -1d)", text);
  // Ten years of days is more than any plan needs and keeps arithmetic far from overflow.
  constexpr std::int64_t limit_days = 3660;
  std::int64_t in_days = spec.unit_ == duration_spec::unit::minutes ? amount / 1440
                         : spec.unit_ == duration_spec::unit::hours ? amount / 24
                                                                    : amount;
  if (in_days > limit_days) return bad("duration too long (at most 3660 days)", text);
  spec.amount = negative ? -amount : amount;
  return spec;
}

bool is_day_deadline(instant at, std::chrono::minutes offset) {
  return at == start_of_day(local_date(at, offset), offset);
}

date deadline_date(instant at, std::chrono::minutes offset) {
  if (is_day_deadline(at, offset)) return local_date(at - std::chrono::microseconds{1}, offset);
  return local_date(at, offset);
}

std::string vietnamese_date(date day) {
  const auto d = static_cast<unsigned>(day.day());
  const auto m = static_cast<unsigned>(day.month());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%u/%s%u/%d", d < 10 ? "0" : "", d, m < 3 ? "0" : "", m, static_cast<int>(day.year()));
  return buf;
}

std::string vietnamese_datetime(instant at, std::chrono::minutes offset) {
  const auto since_midnight = std::chrono::floor<std::chrono::minutes>(at - start_of_day(local_date(at, offset), offset));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d ngày ", static_cast<int>(since_midnight.count() / 60),
                static_cast<int>(since_midnight.count() % 60));
  return buf + vietnamese_date(local_date(at, offset));
}

std::string vietnamese_deadline(instant at, std::chrono::minutes offset) {
  if (is_day_deadline(at, offset)) return "hết ngày " + vietnamese_date(deadline_date(at, offset));
  return vietnamese_datetime(at, offset);
}

}  // namespace dutyflow

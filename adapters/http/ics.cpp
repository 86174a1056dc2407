#include "adapters/http/ics.h"

#include <cstdio>

namespace dutyflow::http {

std::string ics_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string ics_fold(std::string_view line) {
  constexpr std::size_t limit = 75;
  std::string out;
  out.reserve(line.size() + line.size() / 70 * 3 + 2);
  std::size_t used = 0;  // octets on the current physical line
  std::size_t i = 0;
  while (i < line.size()) {
    // Length of the UTF-8 sequence starting here (a stray continuation byte counts alone).
    auto lead = static_cast<unsigned char>(line[i]);
    std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
    if (i + n > line.size()) n = line.size() - i;
    if (used + n > limit) {
      out += "\r\n ";
      used = 1;
    }
    out.append(line.substr(i, n));
    used += n;
    i += n;
  }
  out += "\r\n";
  return out;
}

std::string ics_utc(instant at) {
  auto day = std::chrono::floor<std::chrono::days>(at);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(at - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string ics_duration_before(std::chrono::seconds before) {
  auto s = before.count();
  if (s < 0) s = -s;
  if (s == 0) return "PT0S";
  std::string out = "-P";
  if (s % 86400 == 0) return out + std::to_string(s / 86400) + "D";
  if (s >= 86400) {
    out += std::to_string(s / 86400) + "D";
    s %= 86400;
  }
  out += "T";
  if (s / 3600) out += std::to_string(s / 3600) + "H";
  if (s % 3600 / 60) out += std::to_string(s % 3600 / 60) + "M";
  if (s % 60) out += std::to_string(s % 60) + "S";
  return out;
}

std::string ics_calendar(std::string_view name, const std::vector<ics_todo>& todos, instant stamp) {
  std::string out;
  auto line = [&](std::string_view l) { out += ics_fold(l); };
  auto text = [&](std::string_view prop, std::string_view value) { line(std::string(prop) + ":" + ics_escape(value)); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//dutyflow//dutyflowd//VI");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  text("X-WR-CALNAME", name);
  line("X-WR-TIMEZONE:Asia/Ho_Chi_Minh");
  const std::string dtstamp = ics_utc(stamp);
  for (const auto& t : todos) {
    line("BEGIN:VTODO");
    text("UID", t.uid);
    line("DTSTAMP:" + dtstamp);
    line("SEQUENCE:" + std::to_string(t.sequence));
    text("SUMMARY", t.summary);
    if (!t.description.empty()) text("DESCRIPTION", t.description);
    if (!t.categories.empty()) {
      std::string cats;
      for (const auto& c : t.categories) cats += (cats.empty() ? "" : ",") + ics_escape(c);
      line("CATEGORIES:" + cats);
    }
    if (t.due) line("DUE:" + ics_utc(*t.due));
    line("STATUS:" + t.status);
    if (t.completed) line("COMPLETED:" + ics_utc(*t.completed));
    if (t.due) {
      for (const auto& a : t.alarms) {
        if (!a.before_due && !a.at) continue;
        line("BEGIN:VALARM");
        line("ACTION:DISPLAY");
        text("DESCRIPTION", a.description.empty() ? t.summary : a.description);
        if (a.at)
          line("TRIGGER;VALUE=DATE-TIME:" + ics_utc(*a.at));
        else
          line("TRIGGER;RELATED=END:" + ics_duration_before(*a.before_due));
        line("END:VALARM");
      }
    }
    line("END:VTODO");
  }
  line("END:VCALENDAR");
  return out;
}

}  // namespace dutyflow::http

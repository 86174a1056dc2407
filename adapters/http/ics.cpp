#include "adapters/http/ics.h"

#include <algorithm>
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

std::string ics_local(instant at, std::chrono::minutes offset) {
  auto u = ics_utc(at + offset);
  u.pop_back();  // the 'Z'
  return u;
}

std::string ics_date(date day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                static_cast<unsigned>(day.day()));
  return buf;
}

ics_zone ics_zone_of(std::chrono::minutes offset) {
  if (offset == std::chrono::minutes{7 * 60}) return {};
  const auto m = offset.count() < 0 ? -offset.count() : offset.count();
  char buf[24];
  std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", offset.count() < 0 ? '-' : '+', static_cast<int>(m / 60),
                static_cast<int>(m % 60));
  return {buf, offset};
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

namespace {

// "+0700": a UTC offset as TZOFFSETFROM/TZOFFSETTO write it.
std::string ics_offset(std::chrono::minutes offset) {
  const auto m = offset.count() < 0 ? -offset.count() : offset.count();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d%02d", offset.count() < 0 ? '-' : '+', static_cast<int>(m / 60),
                static_cast<int>(m % 60));
  return buf;
}

// The UID of the VEVENT beside a todo: RFC 5545 wants each component's UID unique.
std::string deadline_event_uid(const std::string& todo_uid) {
  const auto at = todo_uid.rfind('@');
  if (at == std::string::npos) return todo_uid + "/deadline";
  return todo_uid.substr(0, at) + "/deadline" + todo_uid.substr(at);
}

}  // namespace

std::vector<ics_event> ics_milestone_events(const nlohmann::json& plan) {
  std::vector<ics_event> out;
  if (!plan.is_object() || !plan.contains("milestones") || !plan["milestones"].is_array()) return out;
  auto str = [](const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::chrono::minutes offset{7 * 60};
  if (auto tz = parse_timezone(str(plan, "timezone"))) offset = *tz;
  for (const auto& m : plan["milestones"]) {
    auto at = parse_instant(str(m, "at"));
    if (!at) continue;
    ics_event e;
    e.uid = str(plan, "id") + "/milestone/" + str(m, "id") + "@dutyflow";
    e.summary = str(m, "title").empty() ? str(m, "id") : str(m, "title");
    e.start = *at;
    e.zone = ics_zone_of(offset);
    std::string desc;
    if (!str(plan, "number").empty()) desc = "Kế hoạch " + str(plan, "number");
    if (!str(plan, "title").empty()) desc += (desc.empty() ? "" : ": ") + str(plan, "title");
    e.description = desc;
    e.categories = {"Mốc kế hoạch"};
    if (!str(plan, "number").empty()) e.categories.push_back(str(plan, "number"));
    out.push_back(std::move(e));
  }
  return out;
}

std::string ics_calendar(std::string_view name, const std::vector<ics_todo>& todos, instant stamp,
                         const std::vector<ics_event>& events) {
  std::string out;
  auto line = [&](std::string_view l) { out += ics_fold(l); };
  auto text = [&](std::string_view prop, std::string_view value) { line(std::string(prop) + ":" + ics_escape(value)); };
  auto categories = [&](const std::vector<std::string>& list) {
    if (list.empty()) return;
    std::string cats;
    for (const auto& c : list) cats += (cats.empty() ? "" : ",") + ics_escape(c);
    line("CATEGORIES:" + cats);
  };
  // DUE/DTSTART of a deadline: its day for a day deadline, else local time in its zone.
  auto when = [&](std::string_view prop, instant at, const ics_zone& z) {
    if (is_day_deadline(at, z.offset))
      line(std::string(prop) + ";VALUE=DATE:" + ics_date(deadline_date(at, z.offset)));
    else
      line(std::string(prop) + ";TZID=" + z.tzid + ":" + ics_local(at, z.offset));
  };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//dutyflow//dutyflowd//VI");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  text("X-WR-CALNAME", name);
  line("X-WR-TIMEZONE:Asia/Ho_Chi_Minh");
  // Vietnam keeps one offset all year (no daylight saving since 1975): one STANDARD rule.
  std::vector<ics_zone> zones;
  auto use_zone = [&](const ics_zone& z) {
    if (std::find(zones.begin(), zones.end(), z) == zones.end()) zones.push_back(z);
  };
  for (const auto& e : events) use_zone(e.zone);
  for (const auto& t : todos)
    if (t.due && !is_day_deadline(*t.due, t.zone.offset)) use_zone(t.zone);
  for (const auto& z : zones) {
    line("BEGIN:VTIMEZONE");
    line("TZID:" + z.tzid);
    line("BEGIN:STANDARD");
    line("DTSTART:19750613T000000");
    line("TZOFFSETFROM:" + ics_offset(z.offset));
    line("TZOFFSETTO:" + ics_offset(z.offset));
    line("TZNAME:" + std::string(z.offset == std::chrono::minutes{420} ? "ICT" : ics_offset(z.offset)));
    line("END:STANDARD");
    line("END:VTIMEZONE");
  }
  const std::string dtstamp = ics_utc(stamp);
  for (const auto& e : events) {
    line("BEGIN:VEVENT");
    text("UID", e.uid);
    line("DTSTAMP:" + dtstamp);
    line("SEQUENCE:" + std::to_string(e.sequence));
    line("DTSTART;TZID=" + e.zone.tzid + ":" + ics_local(e.start, e.zone.offset));
    if (e.end) line("DTEND;TZID=" + e.zone.tzid + ":" + ics_local(*e.end, e.zone.offset));
    text("SUMMARY", e.summary);
    if (!e.description.empty()) text("DESCRIPTION", e.description);
    if (!e.location.empty()) text("LOCATION", e.location);
    categories(e.categories);
    line("STATUS:CONFIRMED");
    line("END:VEVENT");
  }
  for (const auto& t : todos) {
    line("BEGIN:VTODO");
    text("UID", t.uid);
    line("DTSTAMP:" + dtstamp);
    line("SEQUENCE:" + std::to_string(t.sequence));
    text("SUMMARY", t.summary);
    if (!t.description.empty()) text("DESCRIPTION", t.description);
    categories(t.categories);
    if (t.due) when("DUE", *t.due, t.zone);
    line("STATUS:" + t.status);
    if (t.completed) line("COMPLETED:" + ics_utc(*t.completed));
    if (t.due) {
      // Relative to a DATE value, RELATED=END would count from the start of the day: a day
      // deadline's reminders are written at their instants instead.
      const bool day = is_day_deadline(*t.due, t.zone.offset);
      for (const auto& a : t.alarms) {
        if (!a.before_due && !a.at) continue;
        line("BEGIN:VALARM");
        line("ACTION:DISPLAY");
        text("DESCRIPTION", a.description.empty() ? t.summary : a.description);
        if (a.at)
          line("TRIGGER;VALUE=DATE-TIME:" + ics_utc(*a.at));
        else if (day)
          line("TRIGGER;VALUE=DATE-TIME:" + ics_utc(*t.due - *a.before_due));
        else
          line("TRIGGER;RELATED=END:" + ics_duration_before(*a.before_due));
        line("END:VALARM");
      }
    }
    line("END:VTODO");
    if (t.due && t.deadline_event) {
      line("BEGIN:VEVENT");
      text("UID", deadline_event_uid(t.uid));
      line("DTSTAMP:" + dtstamp);
      line("SEQUENCE:" + std::to_string(t.sequence));
      when("DTSTART", *t.due, t.zone);
      if (is_day_deadline(*t.due, t.zone.offset)) {
        const date day = deadline_date(*t.due, t.zone.offset);
        line("DTEND;VALUE=DATE:" + ics_date(date{std::chrono::sys_days{day} + std::chrono::days{1}}));
      }
      text("SUMMARY", "Hạn: " + t.summary);
      if (!t.description.empty()) text("DESCRIPTION", t.description);
      categories(t.categories);
      line("TRANSP:TRANSPARENT");
      line(t.status == "CANCELLED" ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
      line("END:VEVENT");
    }
  }
  line("END:VCALENDAR");
  return out;
}

}  // namespace dutyflow::http

#include "adapters/http/csv.h"

#include "engine/time.h"

#include <map>

namespace dutyflow::http {

std::string csv_field(std::string_view field) {
  // A spreadsheet runs a cell that starts like a formula (OWASP "CSV injection"): a title
  // "=HYPERLINK(...)" from a plan file must stay text. The apostrophe makes it text.
  std::string neutral;
  if (!field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos) {
    neutral = "'" + std::string(field);
    field = neutral;
  }
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_field(fields[i]);
  }
  out += "\r\n";
  return out;
}

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string csv_plan_report(const json& plan, const std::vector<json>& duties) {
  std::map<std::string, std::string> unit_names;
  if (plan.contains("units") && plan["units"].is_array())
    for (const auto& u : plan["units"]) unit_names[str(u, "id")] = str(u, "name");
  std::chrono::minutes tz{7 * 60};
  if (auto z = parse_timezone(str(plan, "timezone"))) tz = *z;
  std::string out(utf8_bom);
  out += csv_row({"Đơn vị", "Mã đơn vị", "Nhiệm vụ", "Mã nhiệm vụ", "Loại", "Tiến độ", "Theo dõi hạn",
                  "Tình trạng (QĐ 42/2014)", "Ngày hạn", "Hạn hoàn thành", "Hạn (ISO 8601)", "Đơn vị giao nộp lúc",
                  "Chờ cơ quan chủ trì", "Hoàn thành lúc"});
  for (const auto& d : duties) {
    const auto owner = str(d, "owner");
    const json st = d.contains("state") && d["state"].is_object() ? d["state"] : json::object();
    const auto name = unit_names.find(owner);
    // The day and the words come from the API (engine/time.h); a daemon that does not send
    // them yet gets the same from the instant, read in the plan's zone.
    const auto iso = str(d, "deadline");
    std::string day = str(d, "deadline_date"), words = str(d, "deadline_text");
    if (auto at = parse_instant(iso)) {
      if (day.empty()) day = format_date(deadline_date(*at, tz));
      if (words.empty()) words = vietnamese_deadline(*at, tz);
    }
    if (!words.empty()) words[0] = words[0] == 'h' ? 'H' : words[0];  // "Hết ngày ...": a cell starts a sentence
    // Once the unit has delivered, its timeliness badge is no longer the unit's: say so.
    std::string timeliness = str(st, "timeliness_label");
    std::string delivered_at, follow_up;
    if (auto it = d.find("delivery"); it != d.end() && it->is_object()) delivered_at = str(*it, "delivered_at");
    if (auto it = d.find("follow_up"); it != d.end() && it->is_object()) follow_up = str(*it, "label");
    if (auto it = d.find("unit_part_open"); it != d.end() && it->is_boolean() && !it->get<bool>()) timeliness.clear();
    out += csv_row({name != unit_names.end() ? name->second : owner, owner, str(d, "title"), str(d, "id"),
                    str(d, "kind_label"), str(st, "progress_label"), timeliness, str(d, "status_label"), day, words,
                    iso, delivered_at, follow_up, str(d, "finished_at")});
  }
  return out;
}

}  // namespace dutyflow::http

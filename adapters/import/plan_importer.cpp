#include "adapters/import/plan_importer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer {

using detail::invalid;
using detail::quote_text;

nlohmann::json report_entry::to_json() const {
  return {{"category", category}, {"where", where}, {"message", message}};
}

std::string report_entry::text() const {
  return category + (where.empty() ? "" : " " + where) + ": " + message;
}

std::string default_offset(std::string_view kind) {
  if (kind == "awards") return "-5wd";
  if (kind == "tham_luan") return "-2wd";
  if (kind == "publish") return "-1wd";
  if (kind == "venue" || kind == "attendance") return "-1d";
  if (kind == "reporter") return "+1d";
  return "-3wd";
}

result<import_result> import_plan(const std::vector<std::string>& lines, const import_options& options) {
  try {
    return detail::importer_impl(lines, options).run();
  } catch (const std::exception& e) {  // std::regex and nlohmann may throw; nothing escapes
    return make_error(errc::internal, std::string("import failed: ") + e.what());
  }
}

result<import_result> import_plan_file(const std::string& path, const import_options& options) {
  auto doc = read_document_file(path);
  if (!doc) return std::move(doc).err();
  auto out = import_plan(doc->lines, options);
  if (!out) return make_error(out.err().code, path + ": " + out.err().message);
  return out;
}

std::string format_report(const import_result& imported) {
  const auto& p = imported.plan;
  std::size_t units = p.contains("units") ? p["units"].size() : 0;
  std::size_t groups = p.contains("groups") ? p["groups"].size() : 0;
  std::size_t duties = p.contains("duties") ? p["duties"].size() : 0;
  std::map<std::string, int> counts;
  for (const auto& e : imported.report) counts[e.category]++;
  // The engine counts a group's duty once per member: say both, so the count matches
  // what `dutyflow validate` and the dashboard show.
  std::string out = "imported " + p.value("number", std::string()) + " (" + p.value("id", std::string()) +
                    "): " + std::to_string(imported.fanned_out_duties) + " duties (" + std::to_string(duties) +
                    " in the file, groups fanned out), " + std::to_string(units) + " units, " +
                    std::to_string(groups) + " groups; deadlines: " + std::to_string(counts["deadline"]) +
                    " from the text, " + std::to_string(counts["default"]) + " by default, " +
                    std::to_string(counts["recurring"]) + " recurring; " + std::to_string(counts["unclassified"]) +
                    " unclassified, " + std::to_string(counts["unassigned"]) + " unassigned, " +
                    std::to_string(counts["skipped"]) + " skipped, " + std::to_string(counts["check"]) + " to check\n";
  for (const auto& e : imported.report) out += e.text() + "\n";
  return out;
}

nlohmann::ordered_json coverage_line::to_json() const {
  nlohmann::ordered_json j;
  j["line"] = line;
  j["section"] = section;
  j["text"] = text;
  j["duties"] = duties;
  if (duties.empty()) j["status"] = "không theo dõi";
  if (!reason.empty()) j["reason"] = reason;
  return j;
}

std::string coverage_line::text_line() const {
  char num[16];
  std::snprintf(num, sizeof num, "%4zu", line);
  std::string out = std::string(num) + " " + (section.empty() ? std::string("-") : section) + "  " + quote_text(text, 70) +
                    " -> ";
  if (duties.empty()) return out + "không theo dõi: " + reason;
  for (std::size_t i = 0; i < duties.size(); ++i) out += (i ? ", " : "") + duties[i];
  if (!reason.empty()) out += " (còn: " + reason + ")";
  return out;
}

std::string format_coverage(const import_result& imported) {
  std::size_t tracked = 0;
  for (const auto& c : imported.coverage)
    if (!c.duties.empty()) ++tracked;
  std::string out = "coverage: " + std::to_string(imported.coverage.size()) + " lines, " + std::to_string(tracked) +
                    " made duties, " + std::to_string(imported.coverage.size() - tracked) + " không theo dõi\n";
  for (const auto& c : imported.coverage) out += c.text_line() + "\n";
  return out;
}

result<std::vector<unit_directory>> load_unit_directories(const std::string& dir) {
  std::vector<unit_directory> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return invalid(name + ": cannot read");
    nlohmann::ordered_json doc;
    try {
      doc = nlohmann::ordered_json::parse(in);
    } catch (const std::exception& e) {
      return invalid(name + ": not JSON (" + e.what() + ")");
    }
    unit_directory d;
    d.file = name;
    if (!doc.is_object() || !doc.contains("place") || !doc["place"].is_string() || doc["place"].get<std::string>().empty())
      return invalid(name + ": place: must be the place name of the district (\"Phong Thổ\")");
    d.place = doc["place"].get<std::string>();
    if (!doc.contains("units") || !doc["units"].is_array()) return invalid(name + ": units: must be a list");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < doc["units"].size(); ++i) {
      const auto& u = doc["units"][i];
      auto at = name + ": units[" + std::to_string(i) + "]";
      if (!u.is_object() || !u.contains("id") || !u["id"].is_string() || slug(u["id"].get<std::string>()) != u["id"])
        return invalid(at + ".id: must be an id ([a-z0-9-])");
      if (!u.contains("name") || !u["name"].is_string() || u["name"].get<std::string>().empty())
        return invalid(at + ".name: must be the unit's official name");
      directory_unit du{u["id"].get<std::string>(), u["name"].get<std::string>(), {}, nlohmann::ordered_json::array()};
      if (!seen.insert(du.id).second) return invalid(at + ".id: \"" + du.id + "\" appears twice");
      if (u.contains("aliases")) {
        if (!u["aliases"].is_array()) return invalid(at + ".aliases: must be a list of names");
        for (const auto& a : u["aliases"]) {
          if (!a.is_string()) return invalid(at + ".aliases: must be a list of names");
          du.aliases.push_back(a.get<std::string>());
        }
      }
      if (u.contains("contacts")) {
        if (!u["contacts"].is_array()) return invalid(at + ".contacts: must be a list as in a plan file");
        du.contacts = u["contacts"];
      }
      d.units.push_back(std::move(du));
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace dutyflow::importer

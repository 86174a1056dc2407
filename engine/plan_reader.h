// Internal to the engine's plan loading (plan.cpp, plan_reader.cpp), not for other modules:
// plan_reader reads a plan file's JSON section by section into a plan, recording every
// finding with its JSON path in document order; load_plan() runs its steps, then checks
// the duties as a graph. One reader per load, used on the loading thread only.
#pragma once

#include "engine/plan.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dutyflow::detail {

// Collects every finding while the loader walks the document.
class checker {
 public:
  std::vector<plan_issue> errors;
  std::vector<plan_issue> warnings;

  void fail(std::string path, std::string message) { errors.push_back({std::move(path), std::move(message)}); }
  void warn(std::string path, std::string message) { warnings.push_back({std::move(path), std::move(message)}); }

  static std::string quote(const nlohmann::json& v);

  // Warns about keys the schema does not have (likely typos), without refusing the plan.
  void known_keys(const nlohmann::json& obj, const std::string& path, std::initializer_list<std::string_view> keys);

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // A required non-empty string; returns it, or empty after recording the error.
  // (The path is only built for a finding: a large plan has hundreds of thousands of fields.)
  std::string string_field(const nlohmann::json& obj, const std::string& path, std::string_view key,
                           bool required = true);
  std::string id_field(const nlohmann::json& obj, const std::string& path, std::string_view key = "id");
  std::optional<duration_spec> duration_field(const nlohmann::json& v, const std::string& path);
  // Positive durations only: "before" offsets and repeat intervals count forward.
  std::optional<duration_spec> positive_duration(const nlohmann::json& v, const std::string& path);
  void reminders(const nlohmann::json& v, const std::string& path, reminder_policy& out);
};

// One duty as the file writes it, before its group fans out and its dependencies resolve.
struct pending_duty {
  duty_def def;
  std::string path;
  std::vector<std::pair<std::string, std::string>> deps;  // (id, path)
  std::vector<std::string> owners;                        // >1 for a group
  duty_links links;
};

// The sections of a plan file, read in the order load_plan() calls them: each later step
// may look up what an earlier one defined (units before groups, groups before owners).
class plan_reader {
 public:
  plan_reader(const nlohmann::json& doc, const kind_registry& kinds, const plan_limits& limits, checker& c, plan& p)
      : doc_(doc), kinds_(kinds), limits_(limits), c_(c), p_(p) {}

  void read_header();  // id, number, title, issuer, issued_on, timezone
  void read_units();
  void read_groups();
  void read_leads();  // coordinator, escalate_to
  void read_milestones();
  void read_defaults();
  std::vector<pending_duty> read_duties();

 private:
  // Units and groups share one namespace: an owner or collaborator may name either.
  bool claim(const std::string& id, const std::string& path);
  const group_def* find_group(std::string_view gid) const;
  void read_contacts(const nlohmann::json& contacts, const std::string& path);
  void read_owner(const nlohmann::json& d, const std::string& path, pending_duty& pd);
  void read_collaborators(const nlohmann::json& d, const std::string& path, pending_duty& pd);
  void read_due(const nlohmann::json& d, const std::string& path, duty_def& def);
  void read_depends_on(const nlohmann::json& d, const std::string& path, pending_duty& pd);

  const nlohmann::json& doc_;
  const kind_registry& kinds_;
  const plan_limits& limits_;
  checker& c_;
  plan& p_;
  std::map<std::string, std::string, std::less<>> names_;  // id -> path of its definition
};

}  // namespace dutyflow::detail

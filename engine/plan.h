// A plan (Kế hoạch) as dutyflow holds it: parsed, validated, groups fanned out into one
// duty per member. Immutable once loaded and shared by pointer; any thread may read it.
// load_plan() checks a plan file against the schema of DESIGN.md ("Plan file") and
// reports every mistake it finds with its JSON path, not just the first.
#pragma once

#include "engine/status.h"
#include "engine/time.h"
#include "engine/workflow.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dutyflow {

struct unit_def {
  std::string id;
  std::string name;                                  // verbatim, e.g. "Phòng Nội vụ"
  nlohmann::json contacts = nlohmann::json::array();  // [{"channel": "email", "to": ...}]
};

struct group_def {
  std::string id;
  std::string name;
  std::vector<std::string> members;  // unit ids
};

struct milestone_def {
  std::string id;
  std::string title;
  std::optional<instant> at;  // null until announced
  std::optional<date> window_from, window_to;
};

// When a duty is due, as written in the plan.
struct due_spec {
  enum class type : std::uint8_t { none, at, milestone, after_assigned };
  type kind = type::none;
  instant at{};                 // type::at
  std::string milestone;        // type::milestone
  duration_spec offset;         // type::milestone
  int working_days = 0;         // type::after_assigned
  nlohmann::json to_json(std::chrono::minutes tz) const;
};

struct reminder_policy {
  std::vector<duration_spec> before;           // reminders this long before the deadline
  std::optional<duration_spec> overdue_every;  // repeat while overdue
  std::optional<duration_spec> escalate_after; // escalate this long after the deadline
  nlohmann::json to_json() const;
};

struct duty_def {
  std::string id;     // plan-local; "<duty>.<unit>" for a group's fan-out
  std::string kind;   // registry name
  const duty_kind* machine_kind = nullptr;
  std::string title;
  std::string owner;  // unit id (after fan-out)
  std::string group;  // the group it was fanned out from, or empty
  std::vector<std::string> collaborators;  // unit ids
  due_spec due;
  std::vector<std::string> depends_on;  // duty ids (after fan-out)
  reminder_policy reminders;            // the plan's defaults merged with the duty's own
  nlohmann::json source;                // where in the document it comes from, or null
};

struct plan {
  std::string id;
  std::string number;  // "182/KH-UBND"
  std::string title;
  std::string issuer;
  date issued_on{};
  std::string timezone = "Asia/Ho_Chi_Minh";
  std::chrono::minutes utc_offset{420};
  std::string coordinator;  // unit id
  std::vector<milestone_def> milestones;
  std::vector<unit_def> units;
  std::vector<group_def> groups;
  reminder_policy defaults;
  std::vector<duty_def> duties;
  std::string canonical;  // the plan file as canonical JSON text: equal content, equal text

  const unit_def* find_unit(std::string_view id) const;
  const milestone_def* find_milestone(std::string_view id) const;
  const duty_def* find_duty(std::string_view id) const;
  std::string format(instant at) const { return format_instant(at, utc_offset); }
  // The header fields (id, number, title, issuer, issued_on, timezone, coordinator).
  nlohmann::json header_json() const;
};

// One finding of validation: `path` is a JSON path into the plan file ("duties[3].owner").
struct plan_issue {
  std::string path;
  std::string message;
  std::string text() const { return path.empty() ? message : path + ": " + message; }
};

struct plan_load {
  std::shared_ptr<const plan> value;
  std::vector<plan_issue> warnings;  // e.g. keys dutyflow does not know; the plan is still valid
};

// Validates and expands a plan file. On failure returns errc::invalid whose details hold
// {"errors": [{"path", "message"}...]} listing every problem found.
result<plan_load> load_plan(const nlohmann::json& doc, const kind_registry& kinds);

// A plan as the store keeps it: `canonical` is the text load_plan() produced (plan::canonical)
// when the plan was first loaded, so it is parsed and checked but not re-serialized.
result<plan_load> load_stored_plan(std::string canonical, const kind_registry& kinds);

// Reads and parses a file, then load_plan(); unreadable files and bad JSON are errors too.
result<plan_load> load_plan_file(const std::string& path, const kind_registry& kinds);

// The errors of a failed load as plan_issues (empty for other errors).
std::vector<plan_issue> plan_errors(const error& err);

bool valid_id(std::string_view id);

}  // namespace dutyflow

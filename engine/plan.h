// A plan (Kế hoạch) as dutyflow holds it: parsed, validated, groups fanned out into one
// duty per member. Immutable once loaded and shared by pointer; any thread may read it.
// load_plan() checks a plan file against the schema of DESIGN.md ("Plan file") and
// reports every mistake it finds with its JSON path, not just the first.
#pragma once

#include "engine/status.h"
#include "engine/time.h"
#include "engine/workflow.h"

#include <nlohmann/json.hpp>

#include <cstddef>
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
  int working_days = 0;         // type::after_assigned (beside `kind`: one padded word for both)
  instant at{};                 // type::at
  std::string_view milestone;   // type::milestone: the plan milestone's id (see duty_def)
  duration_spec offset;         // type::milestone
  nlohmann::json to_json(std::chrono::minutes tz) const;
};

struct reminder_policy {
  std::vector<duration_spec> before;           // reminders this long before the deadline
  std::optional<duration_spec> overdue_every;  // repeat while overdue
  std::optional<duration_spec> escalate_after; // escalate this long after the deadline
  nlohmann::json to_json() const;
  bool operator==(const reminder_policy&) const = default;
};

struct duty_links {
  std::vector<std::string> collaborators;
  std::vector<std::string> depends_on;
  nlohmann::json source;
  bool empty() const { return collaborators.empty() && depends_on.empty() && source.is_null(); }
};

// The ids a duty shares with its plan (owner, group, milestone) and its kind's name are
// views of the plan's own unit/group/milestone definitions and of the kind registry, not
// copies: a plan of 100,000 duties would otherwise hold 100,000 copies of a few strings.
// That is why a plan is never copied (the views would point into the original).
struct duty_def {
  std::string id;              // plan-local; "<duty>.<unit>" for a group's fan-out
  std::string_view kind;       // registry name (machine_kind->name())
  const duty_kind* machine_kind = nullptr;
  std::string title;
  std::string_view owner;      // unit id (after fan-out): a plan unit's id
  std::string_view group;      // the group it was fanned out from (a plan group's id), or empty
  due_spec due;
  // The plan's defaults merged with the duty's own; never null. Duties with the same policy
  // share one (most use the defaults), so a duty costs a pointer, not a policy.
  std::shared_ptr<const reminder_policy> reminders;
  // Collaborators, dependencies and source: null when the duty has none (most have none;
  // the copies of a group duty share one).
  std::shared_ptr<const duty_links> links;

  const std::vector<std::string>& collaborators() const;  // unit ids
  const std::vector<std::string>& depends_on() const;     // duty ids (after fan-out)
  const nlohmann::json& source() const;  // where in the document it comes from, or null
};

struct plan {
  plan() = default;
  plan(const plan&) = delete;  // duties view the plan's own strings (see duty_def)
  plan& operator=(const plan&) = delete;

  std::string id;
  std::string number;  // "182/KH-UBND"
  std::string title;
  std::string issuer;
  date issued_on{};
  std::string timezone = "Asia/Ho_Chi_Minh";
  std::chrono::minutes utc_offset{420};
  std::string coordinator;  // unit id
  // Who receives escalations (the district's leaders, e.g. "CT, các PCT UBND huyện"): a
  // unit id of the plan, or empty. Without one, escalations go to the coordinator.
  std::string escalate_to;
  std::vector<milestone_def> milestones;
  std::vector<unit_def> units;
  std::vector<group_def> groups;
  reminder_policy defaults;
  std::vector<duty_def> duties;
  // FNV-1a of the plan file's canonical text (plan_load::canonical). The text itself is not
  // kept here: a live plan would carry ~100 bytes per duty that only its first commit needs.
  std::uint64_t canonical_hash = 0;

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
  std::string canonical;  // the plan file as canonical JSON text: equal content, equal text
};

// How large a plan may be. One struct for load_plan(); dutyflowd fills it from its config
// ("plan_limits"), the CLI uses the defaults. Plans the store already holds are loaded
// with none(): they were checked when they came in, and a lowered limit must not stop
// the daemon from starting.
struct plan_limits {
  // Duties after group fan-out (a group duty counts once per member). Default: 20,000.
  std::size_t max_duties = 20000;
  // Units of the plan. Default: 5,000.
  std::size_t max_units = 5000;
  // Groups of the plan. Default: 1,000.
  std::size_t max_groups = 1000;
  // Duties in the longest depends_on chain (a duty with no dependency is a chain of 1).
  // Default: 100.
  std::size_t max_dependency_depth = 100;

  static plan_limits none() {
    constexpr auto any = static_cast<std::size_t>(-1);
    return plan_limits{any, any, any, any};
  }
};

// 64-bit FNV-1a: the hash of a canonical text (plan::canonical_hash) and of the engine's
// duty-id index.
std::uint64_t fnv1a(std::string_view bytes);
inline std::uint64_t canonical_hash(std::string_view canonical) { return fnv1a(canonical); }

// Validates and expands a plan file. On failure returns errc::invalid whose details hold
// {"errors": [{"path", "message"}...]} listing every problem found.
// Strings that name or title something (ids, names, titles, numbers) must not hold C0 or
// C1 control characters (tab and newline included) or bidi embedding/override/isolate
// characters (U+202A-U+202E, U+2066-U+2069): they forge log lines and reorder what a
// reader sees. Paths are reported like every other finding.
result<plan_load> load_plan(const nlohmann::json& doc, const kind_registry& kinds, const plan_limits& limits = {});

// A plan as the store keeps it: `canonical` is the text load_plan() produced (plan_load::canonical)
// when the plan was first loaded, so it is parsed and checked but not re-serialized.
result<plan_load> load_stored_plan(std::string canonical, const kind_registry& kinds);

// Reads and parses a file, then load_plan(); unreadable files and bad JSON are errors too.
// The file is parsed by parse_json() (engine/json_limits.h): depth-limited, no repeated keys.
result<plan_load> load_plan_file(const std::string& path, const kind_registry& kinds, const plan_limits& limits = {});

// The errors of a failed load as plan_issues (empty for other errors).
std::vector<plan_issue> plan_errors(const error& err);

bool valid_id(std::string_view id);

// The first control or bidi override character of `s` (see load_plan) as "U+001B", or
// empty when there is none. Assumes valid UTF-8 (nlohmann checks it while parsing).
std::string forbidden_character(std::string_view s);

}  // namespace dutyflow

// The engine's read model: what a plan and a duty look like to their readers (the HTTP
// API's JSON in adapters/http/json_views, the iCalendar feed, the CSV report, /metrics, the
// one-click acknowledgement page, the daemon's start-up summary), as typed values: states,
// timeliness, the four-state status and notification reasons are enums, instants are
// instants. The engine fills these on its strand (engine::plan_view, duty_view ...); a
// view is a plain value afterwards (it shares only immutable plan data) and may be handed
// to any thread.
//
// Each closed set has one table of its API names and Vietnamese labels, below; every
// place that prints or reads such a name goes through it.
#pragma once

#include "engine/plan.h"
#include "engine/status.h"
#include "engine/time.h"
#include "engine/workflow.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow {

// ---- Closed sets --------------------------------------------------------------------

// The progress states of every duty kind (workflows/ defines which kind has which).
enum class progress_state : std::uint8_t {
  assigned, acknowledged, returned, in_progress, drafting, nominating, nominated, reporter_named,
  submitted, ready, published, appraised, approved, decided, delegates_named, attended,
  done, cancelled, absent,
};
inline constexpr int progress_state_count = 19;

// The timeliness region, the same in every kind.
enum class timeliness : std::uint8_t { on_track, due_soon, overdue, escalated };
inline constexpr int timeliness_count = 4;

// The four-state status of Quyết định 42/2014/QĐ-TTg, plus "pending" (no deadline yet)
// and "cancelled".
enum class duty_status : std::uint8_t { done_on_time, done_late, open_on_time, open_overdue, pending, cancelled };
inline constexpr int duty_status_count = 6;

// Where an escalated duty was reported: the plan's leaders (escalate_to), its coordinator,
// or nowhere (the coordinator's own duty in a plan without leaders). `none`: not escalated.
enum class escalation_route : std::uint8_t { none, leader, coordinator, nowhere };

// notice_reason (why a notification was queued) is in engine/workflow.h, beside the
// effects that ask for one; its names are here.

// API names ("Assigned", "DueSoon", "open_overdue", "catch_up") and Vietnamese labels.
std::string_view api_name(progress_state s);
std::string_view api_name(timeliness t);
std::string_view api_name(duty_status s);
std::string_view api_name(notice_reason r);
std::string_view label_vi(progress_state s);
std::string_view label_vi(timeliness t);
std::string_view label_vi(duty_status s);
// The timeliness label as shown: "Escalated" names where the report went.
std::string_view label_vi(timeliness t, escalation_route route);

// Names back to values; nullopt for a name outside the set.
std::optional<progress_state> parse_progress_state(std::string_view name);
std::optional<timeliness> parse_timeliness(std::string_view name);
std::optional<duty_status> parse_duty_status(std::string_view code);
std::optional<notice_reason> parse_notice_reason(std::string_view name);

// The enums of a machine's states (workflows/ names them with the same table's names; a
// state it does not know reads as assigned / on_track, and read_model_test checks there is none).
progress_state progress_of(const machine_state& ms);
timeliness timeliness_of(const machine_state& ms);

// ---- Views --------------------------------------------------------------------------

struct unit_view {
  std::string id;
  std::string name;
};

struct group_view {
  std::string id;
  std::string name;
  std::vector<std::string> members;
};

struct milestone_view {
  std::string id;
  std::string title;
  std::optional<instant> at;  // null until announced
  std::optional<date> window_from, window_to;
};

// When a duty is due, as its plan wrote it (due_spec, with its own copy of the milestone id).
struct due_view {
  due_spec::type kind = due_spec::type::none;
  instant at{};                // kind at
  std::string milestone;       // kind milestone
  duration_spec offset;        // kind milestone
  int working_days = 0;        // kind after_assigned
};

// The unit's delivery step of a duty whose kind has one.
struct delivery_view {
  event_type event{};
  std::string label;                   // the step's button label
  std::optional<instant> delivered_at; // null while the part is not delivered
  bool late = false;                   // delivered after the deadline (only with delivered_at)
};

// The coordinator's pending step once the unit delivered.
struct follow_up_view {
  std::vector<event_type> events;  // approve, present ...
  std::string label;               // "Chờ cơ quan chủ trì: Phê duyệt / Trả lại"
  instant since{};                 // when the unit delivered
  std::int64_t waited_seconds = 0; // by the engine clock when the view was taken
};

// One journaled event of a duty.
struct history_entry {
  std::int64_t seq = 0;
  std::string event;  // the journal's type: an event name, or "assigned"
  std::string actor;
  instant at{};
  std::string note;
  nlohmann::json data;  // the event's journaled data (an object)
};

struct duty_view {
  std::string plan;
  std::string id;
  std::string kind;
  std::string kind_label;
  std::string title;
  std::string owner;
  std::string group;  // the plan group it was fanned out from, or empty
  std::vector<std::string> collaborators;
  std::vector<std::string> depends_on;
  progress_state progress = progress_state::assigned;
  dutyflow::timeliness timeliness = dutyflow::timeliness::on_track;
  escalation_route escalated = escalation_route::none;
  std::optional<unit_view> escalated_to;  // leader or coordinator routes only
  duty_status status = duty_status::pending;
  due_view due;
  std::optional<instant> deadline;
  std::chrono::minutes utc_offset{420};  // the plan's zone: how its instants are written
  std::int64_t version = 0;
  std::vector<event_type> allowed_events;  // for the caller the view was taken for
  std::int32_t review_credit_minutes = 0;
  std::optional<delivery_view> delivery;  // kinds with a delivering step only
  bool unit_part_open = true;
  std::optional<follow_up_view> follow_up;
  std::optional<instant> finished_at;
  std::optional<instant> assigned_at;
  std::shared_ptr<const reminder_policy> reminders;  // never null
  std::optional<std::vector<history_entry>> history;  // when asked for
};

// A duty as a plan's listing shows it (GET /plans/{plan}).
struct duty_brief {
  std::string id;
  std::string kind;
  std::string title;
  std::string owner;
  progress_state progress = progress_state::assigned;
  dutyflow::timeliness timeliness = dutyflow::timeliness::on_track;
  duty_status status = duty_status::pending;
  std::optional<instant> deadline;
  std::int64_t version = 0;
};

struct plan_counts {
  int total = 0, done = 0, overdue = 0, pending = 0, follow_up = 0;
  std::map<duty_status, int> by_status;  // statuses with at least one duty
};

// A plan's header and counts (GET /plans lists these).
struct plan_summary {
  std::string id;
  std::string number;
  std::string title;
  std::string issuer;
  date issued_on{};
  std::string timezone;
  std::chrono::minutes utc_offset{420};
  std::string coordinator;
  std::string escalate_to;                    // unit id, or empty
  std::optional<unit_view> escalate_to_unit;  // when escalate_to names a unit of the plan
  plan_counts counts;
};

// GET /plans/{plan}: the summary, milestones, units, groups and (unless left out) duties.
struct plan_view {
  plan_summary summary;
  std::vector<milestone_view> milestones;
  std::vector<unit_view> units;
  std::vector<group_view> groups;
  std::optional<std::vector<duty_brief>> duties;
};

// The answer to an accepted event: the duty as the event left it, and the event.
struct duty_answer {
  duty_view duty;
  history_entry event;
  // An answer stored by a dutyflow from before the typed read model (the API's JSON as it
  // was sent): a retry gets it back as it was. Null otherwise.
  nlohmann::json legacy;
};

// The result of engine::set_milestone.
struct deadline_move {
  std::string duty;
  std::optional<instant> from, to;
};
struct milestone_change {
  std::string plan;
  std::string milestone;
  instant at{};
  std::chrono::minutes utc_offset{420};
  std::vector<deadline_move> changed;  // duties whose deadline moved
};

// ---- Storage of answers -------------------------------------------------------------
// An Idempotency-Key's first answer is kept in the journal database (idempotency.answer)
// as this record: the answer's fields, instants in ISO-8601, enums by their API names. It
// is the engine's storage form, not the API's; answer_from_record also reads what older
// dutyflows stored (the API's JSON itself) into duty_answer::legacy.
nlohmann::json answer_record(const duty_answer& a);
duty_answer answer_from_record(const nlohmann::json& record);

}  // namespace dutyflow

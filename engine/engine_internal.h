// Internals of the engine shared by its own translation units (engine.cpp, scheduler.cpp,
// replay.cpp, engine_views.cpp, event_checks.cpp):
// how a duty and a plan are held in memory and how a batch stages its changes. Not part
// of the engine's interface; used only on the engine strand.
#pragma once

#include "engine/engine.h"
#include "engine/scheduler.h"

#include <functional>
#include <optional>
#include <unordered_map>

namespace dutyflow {

// One duty as the engine holds it between commands. Kept small: the history lives in
// the store, the definition in the shared plan.
struct engine::duty_state {
  std::unique_ptr<duty_machine> machine;
  std::int64_t version = 0;
  std::string owner;  // current owner (changes on reassign)
  std::optional<instant> deadline;
  std::optional<instant> finished_at;
  bool finished_late = false;
  // Whether the unit's part was delivered after the deadline (see delivered_at).
  bool delivered_late = false;
  // Where the escalation went, if the duty was escalated.
  enum class escalation : std::uint8_t { none, leader, coordinator, nowhere };
  escalation escalated = escalation::none;
  // Minutes the unit's work sat with the coordinator before it was returned: given back to
  // the unit, so its deadline (and a milestone's recomputation of it) moves by this much.
  std::int32_t review_credit_minutes = 0;
  // Reminders whose point is up to here have been sent (or were skipped because the
  // deadline was set after them).
  instant reminded_until{};
  // When the unit's part was delivered (the kind's step::delivers event entered a delivered
  // state); the epoch while it is not (also after a return reopened it). Small fields on
  // purpose: a restart holds every open duty of every plan.
  instant delivered_at{};

  bool delivered() const { return delivered_at != instant{}; }

  duty_state copy() const {
    return duty_state{machine->clone(), version,   owner,          deadline,     finished_at,
                      finished_late,    delivered_late, escalated, review_credit_minutes, reminded_until,
                      delivered_at};
  }
};

struct engine::live_duty {
  const duty_def* def = nullptr;
  plan_state* plan = nullptr;
  instant assigned_at{};
  duty_state st;
  std::uint32_t schedule_gen = 0;  // bumps when the duty is rescheduled; older heap entries are stale
  bool progress_unflushed = false;  // in scheduler::unflushed_: reminded_until is ahead of the duties table
};

// Duty id -> position in plan_state::duties: open addressing over one array of 32-bit
// slots holding position + 1 (0 = empty), at most half full. A node-based map cost 56 bytes
// and a pointer chase per duty; this costs 8-16 bytes, and every journal event of a
// restart looks a duty up here. Built once per plan (duties never change after load).
class duty_index {
 public:
  template <class Id>  // Id(i) -> std::string_view of duty i
  void build(std::size_t n, Id id) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    slots_.assign(cap, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t s = hash(id(i)) & (cap - 1);
      while (slots_[s] != 0) s = (s + 1) & (cap - 1);
      slots_[s] = static_cast<std::uint32_t>(i + 1);
    }
  }
  template <class Id>
  std::optional<std::size_t> find(std::string_view key, Id id) const {
    if (slots_.empty()) return std::nullopt;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash(key) & mask; slots_[s] != 0; s = (s + 1) & mask)
      if (id(slots_[s] - 1) == key) return slots_[s] - 1;
    return std::nullopt;
  }

 private:
  static std::size_t hash(std::string_view key) {  // ids are short; the shift mixes high bits into the mask
    const std::uint64_t h = fnv1a(key);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  std::vector<std::uint32_t> slots_;
};

struct engine::plan_state {
  std::shared_ptr<const plan> def;
  std::vector<live_duty> duties;
  duty_index index;
  std::map<std::string, std::optional<instant>, std::less<>> milestones;
  std::int64_t plan_seq = 0;  // seq of the plan-level event stream (duty "")

  live_duty* find(std::string_view id) {
    auto i = index.find(id, [this](std::size_t k) -> std::string_view { return duties[k].def->id; });
    return i ? &duties[*i] : nullptr;
  }
  const live_duty* find(std::string_view id) const {
    auto i = index.find(id, [this](std::size_t k) -> std::string_view { return duties[k].def->id; });
    return i ? &duties[*i] : nullptr;
  }
};

// Changes staged by a group of commands, installed only after their commit succeeds.
struct engine::batch {
  write_batch writes;
  std::unordered_map<live_duty*, duty_state> changes;
  std::unordered_map<std::string, idempotent_answer> answers;  // keys first used in this batch
  std::vector<std::function<void()>> after_commit;  // plan-level changes (milestones, new plans)
  std::vector<live_duty*> progress_only;  // reminded only: no duty row written (engine::flush_progress)

  // The duty as this batch sees it: staged if an earlier command of the batch changed it.
  duty_state& view(live_duty& d) {
    auto it = changes.find(&d);
    if (it != changes.end()) return it->second;
    return changes.emplace(&d, d.st.copy()).first->second;
  }
};

// Shared by the engine's translation units (engine.cpp, replay.cpp, event_checks.cpp).
// Why an event's note or data cannot be accepted by `spec` (missing, wrong type, over its
// caps, a field it does not declare), or "" when they can.
std::string check_requirement(const event_spec& spec, const command& cmd, const plan& p);
// Logs, once per plan, that its escalations have no leaders to go to.
void warn_without_leaders(const plan& p);

}  // namespace dutyflow

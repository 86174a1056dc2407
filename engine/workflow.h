// What the engine needs from a duty kind: the events it knows, who may fire each,
// the states it can be in, and a state machine per duty. The engine owns every
// duty_machine and calls it only from its strand; kinds are immutable and shared.
// workflows/ implements these interfaces with Boost.MSM; the engine never sees MSM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace dutyflow {

// Every event name of DESIGN.md's table. A kind supports a subset; a machine asked to
// fire an event its kind does not know refuses it like any event not allowed now.
enum class event_type : std::uint8_t {
  acknowledge, start, submit, approve, return_, mark_ready, name_reporter,
  mark_attended, publish, appraise, decide, present, name_delegates, mark_absent,
  cancel, reassign, comment,
  due_soon, overdue, escalate, deadline_changed,
};
inline constexpr int event_type_count = 21;
static_assert(static_cast<int>(event_type::deadline_changed) + 1 == event_type_count,
              "event_type_count must follow the enum");

// "acknowledge", "return", "deadline_changed" ... (API names).
std::string_view event_name(event_type type);
// Returns false for a name that is no event at all.
bool parse_event_name(std::string_view name, event_type& out);

// Who may fire an event. `owner` means a caller bound to the duty's current owner unit.
enum class who : std::uint8_t { owner, coordinator, owner_or_coordinator, system };

// What an event's request must carry; checked by the engine before the machine runs.
enum class requirement : std::uint8_t {
  none,
  note,            // a non-empty "note"
  data_string,     // data.<field> is a non-empty string
  data_url,        // data.<field> is an http(s) URL
  data_count,      // data.<field> is a non-negative integer
  data_unit,       // data.<field> names a unit of the plan
  data_list,       // data.<field> is a non-empty list of non-empty strings
};

// The sizes an event's note and data may have. Each event spec declares its one data field
// (`field`) and its type (`needs`); no other field is accepted, and these caps bound it, so
// one token cannot grow the journal by a megabyte per event.
struct data_caps {
  static constexpr std::size_t string_bytes = 2048;  // a data string (name, title, URL, decision, list item)
  static constexpr std::size_t list_items = 200;     // items of a data list (delegates)
  static constexpr std::size_t data_bytes = 8192;    // all of an event's data strings together
  static constexpr std::size_t note_bytes = 10000;   // the note
};

// Whether an event is the owner step that delivers the unit's part (DESIGN.md: "The
// deadline judges the unit's part"): its time is what the deadline judges.
enum class step : std::uint8_t { other, delivers };

struct event_spec {
  event_type type;
  who by;
  std::string_view label_vi;  // button label, e.g. "Xác nhận đã nhận"
  requirement needs = requirement::none;
  std::string_view field = {};  // the data field `needs` refers to
  step is = step::other;
};

enum class region : std::uint8_t { progress, timeliness };

struct state_spec {
  std::string_view name;      // API name, "Acknowledged"
  std::string_view label_vi;  // "Đã nhận"
  region in = region::progress;
  bool terminal = false;      // Done, Cancelled, Absent
  // The unit's part is delivered in this state (Submitted, Approved, Ready, Done ...): the
  // deadline no longer runs for the unit; what follows is the coordinator's follow-up.
  bool delivered = false;
};

// Why a notification was queued (outbox_row::reason keeps its API name: engine/read_model.h
// has the names). Events ask for returned, approved, due_soon, overdue and escalation; the
// engine and its scheduler for the others.
enum class notice_reason : std::uint8_t {
  assigned, deadline_set, deadline_changed, reminder, due_soon, overdue, escalation, returned, approved, catch_up,
};
inline constexpr int notice_reason_count = 10;

// An outbox notification an accepted event asks for. Actions are pure: they only
// describe it, the engine writes it in the same transaction as the event.
struct effect {
  enum class target : std::uint8_t { owner, coordinator };
  notice_reason reason;
  target to = target::owner;
};

struct machine_state {
  const state_spec* progress = nullptr;
  const state_spec* timeliness = nullptr;
  bool terminal() const { return progress != nullptr && progress->terminal; }
  bool delivered() const { return progress != nullptr && progress->delivered; }
  // The unit still has to deliver: reminders, due-soon, overdue and escalation apply.
  bool unit_part_open() const { return !terminal() && !delivered(); }
};

// One duty's live state machine.
class duty_machine {
 public:
  virtual ~duty_machine() = default;
  // Runs `type` through the machine. Returns false and changes nothing when the event
  // is not allowed in the current state; otherwise appends the effects it asked for.
  virtual bool fire(event_type type, std::vector<effect>& effects) = 0;
  // Would fire(type) succeed now? Does not change the machine.
  virtual bool accepts(event_type type) const = 0;
  virtual machine_state state() const = 0;
  virtual std::unique_ptr<duty_machine> clone() const = 0;
};

class duty_kind {
 public:
  virtual ~duty_kind() = default;
  virtual std::string_view name() const = 0;      // "report"
  virtual std::string_view label_vi() const = 0;  // "Báo cáo"
  // Every event this kind handles, shared ones (cancel, reassign, comment, system) included.
  virtual std::span<const event_spec> events() const = 0;
  // Every state of both regions.
  virtual std::span<const state_spec> states() const = 0;
  // A machine in the initial states (Assigned, OnTrack).
  virtual std::unique_ptr<duty_machine> create() const = 0;

  // The owner event that delivers the unit's part (step::delivers); null if none.
  const event_spec* delivering_event() const {
    for (const auto& e : events())
      if (e.is == step::delivers) return &e;
    return nullptr;
  }

  // Null when this kind does not handle `type`.
  const event_spec* find_event(event_type type) const {
    for (const auto& e : events())
      if (e.type == type) return &e;
    return nullptr;
  }
};

// Maps kind names to kinds. Immutable after construction; shared by all threads.
class kind_registry {
 public:
  virtual ~kind_registry() = default;
  virtual const duty_kind* find(std::string_view name) const = 0;  // null if unknown
  virtual std::vector<std::string_view> names() const = 0;          // sorted
};

}  // namespace dutyflow

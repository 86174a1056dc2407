// The engine facade: the only way to change a duty. It owns the loaded plans, one
// state machine per duty and the store; commands are checked against the duty's machine
// and the caller's role, then the resulting events and notifications are committed in
// one transaction, and only then is the in-memory view updated and an answer returned.
// Not thread-safe: one strand (the daemon's engine strand, or a test's thread) calls it.
#pragma once

#include "engine/calendar.h"
#include "engine/clock.h"
#include "engine/plan.h"
#include "engine/status.h"
#include "engine/store.h"
#include "engine/workflow.h"

#include <nlohmann/json.hpp>

#include <cassert>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace dutyflow {

enum class role : std::uint8_t { coordinator, unit, viewer, system };
std::string_view role_name(role r);

// Whole calendar days from the day a deadline falls on (deadline_date) to the day of `at`,
// in the plan's zone: 1 on the day after a day deadline. Never negative.
int days_late(instant deadline, instant at, std::chrono::minutes utc_offset);

// Who asks. `name` is what the journal records as the actor.
struct actor {
  std::string name;
  dutyflow::role role = role::viewer;
  std::string unit;  // the unit a unit token is bound to (optional for coordinators)
};

struct command {
  std::string plan;
  std::string duty;
  std::string event;  // API name, "acknowledge"
  std::string note;
  nlohmann::json data = nlohmann::json::object();
  actor by;
  std::optional<std::int64_t> expected_version;  // If-Match
  std::optional<instant> at;  // system events: the scheduled point; default now()
  // Idempotency-Key: a retry with the same key (and caller) gets the first answer back
  // and applies nothing. Kept for engine_options::idempotency_ttl.
  std::string idempotency_key;
  bool want_answer = false;  // fill applied::answer with the duty as this event left it
  bool silent = false;       // journal the event but queue none of its notifications (catch-up)
  // Merged into the payload of the notifications this event queues (the scheduler's
  // "days_overdue" as of the office opening it is sent at, "coalesced" points).
  nlohmann::json notice_extra;
};

// What an accepted command changed.
struct applied {
  std::string plan;
  std::string duty;
  std::int64_t version = 0;
  std::int64_t event_id = 0;  // global journal id of the event
  nlohmann::json answer;      // the duty after the event (want_answer or an idempotency key)
  bool replayed = false;      // answered from an earlier request with the same Idempotency-Key
};

struct duty_filter {
  std::string plan, unit, state;  // state matches progress or timeliness name
  bool overdue_only = false;
};

struct engine_options {
  // Channel recorded on outbox rows of units with no contacts. Default: "log".
  std::string fallback_channel = "log";
  // How long an Idempotency-Key's first answer is kept. Default: 48 h (at least the 24 h promised).
  std::chrono::hours idempotency_ttl{48};
  // The scheduler: a duty becomes "due soon" this many working days before its deadline
  // (0: never; it goes straight from on time to overdue). Default: 2.
  int due_soon_working_days = 2;
  // Reminders go out in office hours of working days only; a point outside them waits for
  // the next opening. Default: 07:30-17:00 local time of the plan.
  bool office_hours_only = true;
  std::chrono::minutes office_open{7 * 60 + 30};
  std::chrono::minutes office_close{17 * 60};
  // Overdue reminders repeat every `overdue_every` at most this many times. Default: 30.
  int overdue_repeat_limit = 30;
  // A reminder's progress (which points a duty has had) reaches the duties table later
  // than its outbox row: see engine::flush_progress. With more duties than this waiting,
  // run_due() writes the oldest itself, so that a restart never reads much more than this
  // many reminders back from the outbox. Default: 200,000.
  std::size_t progress_backlog = 200'000;
};

// The four-state status of Quyết định 42/2014/QĐ-TTg, plus "pending" (no deadline yet)
// and "cancelled".
struct four_state {
  std::string_view code;      // done_on_time, done_late, open_on_time, open_overdue, pending, cancelled
  std::string_view label_vi;  // "Hoàn thành đúng hạn", ...
};

class scheduler;

class engine {
 public:
  engine(store& db, const kind_registry& kinds, const clock_source& clock, const working_calendar& calendar,
         engine_options options = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Rebuilds every plan and duty by replaying the journal through the machines. Returns
  // errc::storage if the store cannot be read, errc::internal if stored plans no longer load.
  status open();

  // Loads a validated plan: journals "assigned" for each duty. Loading the same content
  // again changes nothing and returns false; other content under a known id is
  // errc::conflict. Returns true when the plan was new. `loaded.canonical` is what the
  // store keeps; the engine holds only the parsed plan.
  result<bool> load(const plan_load& loaded, const actor& by);

  // What load() would find, without loading: false when the id is free, true when the
  // same content is loaded already, errc::conflict when other content holds the id (a
  // dry run of POST /api/v1/plans).
  result<bool> loaded_as(const plan_load& loaded) const;

  // Applies one command. Errors: not_found (plan, duty, event), forbidden, version_mismatch,
  // invalid (missing note/data), conflict (not allowed now; details.allowed_events), storage.
  result<applied> apply(const command& cmd);
  // Applies commands in order and commits all accepted ones in one transaction (group
  // commit). A refused command changes nothing; if the commit fails, every accepted one
  // gets errc::storage and nothing changes.
  std::vector<result<applied>> apply_batch(std::span<const command> cmds);

  // Sets or moves a milestone; recomputes every deadline that depends on it, journaling
  // deadline_changed and queuing a notification for each affected owner.
  // A value before the engine's clock would fire at once what fell due since: unless
  // `confirm_past`, that is errc::conflict with details {"confirm": "past", "now",
  // "fires": how many due-soon/overdue/escalation points would fire} and nothing changes.
  result<nlohmann::json> set_milestone(const std::string& plan, const std::string& milestone, instant at,
                                       const actor& by, bool confirm_past = true);

  // Reads. The JSON shapes are DESIGN.md's ("HTTP API"). `caller` decides allowed_events.
  std::vector<nlohmann::json> plans_json() const;
  // `with_duties` false leaves out "duties" (a plan's header, units and milestones: what
  // a feed needs, without a walk over thousands of duties).
  result<nlohmann::json> plan_json(const std::string& plan, bool with_duties = true) const;
  result<nlohmann::json> duty_json(const std::string& plan, const std::string& duty, const actor* caller,
                                   bool with_history) const;
  std::vector<nlohmann::json> duties_json(const duty_filter& filter, const actor* caller) const;
  result<std::vector<outbox_row>> notifications(const outbox_filter& filter) const;
  // The number of journaled events and outbox rows per status, for /metrics (the live
  // stream's replay reads the journal off this strand: journal_reader). Errors: errc::storage.
  result<std::int64_t> event_count() const;
  result<std::map<std::string, std::int64_t>> notification_counts() const;

  // Called on the engine thread after every successful commit with the events it wrote
  // (ids filled in), in journal order: the live stream and metrics hang off this.
  using commit_observer = std::function<void(const std::vector<event_row>&)>;
  void add_observer(commit_observer fn) { observers_.push_back(std::move(fn)); }
  // Called on the engine thread after each commit that queued notifications, with the
  // rows it wrote (a row whose key existed already was skipped by the store but is listed, with id 0).
  using outbox_observer = std::function<void(const std::vector<outbox_row>&)>;
  void add_outbox_observer(outbox_observer fn) { outbox_observers_.push_back(std::move(fn)); }

  // The scheduler (engine/scheduler.h): one timer for the whole engine, fed by every
  // commit. The runner drives it; tests call it directly.
  scheduler& timers() { return *scheduler_; }
  const scheduler& timers() const { return *scheduler_; }

  // REQUIRES: engine strand. The engine is not thread-safe: the runner binds it to its
  // thread while it runs (bind_strand), and every entry point asserts that it is called
  // there (compiled out with NDEBUG; the sanitized suite keeps it). Unbound, any one
  // thread at a time may call it (tests, the CLI).
  void bind_strand(std::thread::id id) { strand_ = id; }
  void assert_strand() const {
    assert(strand_ == std::thread::id{} || strand_ == std::this_thread::get_id());
  }

  std::size_t plan_count() const { return plans_.size(); }
  std::size_t duty_count() const;
  const clock_source& clock() const { return clock_; }

 private:
  struct duty_state;
  struct live_duty;
  struct plan_state;
  struct batch;
  friend class scheduler;
  struct idempotent_answer {
    std::string fingerprint;
    applied answer;
  };

  result<applied> stage(const command& cmd, batch& b);
  status commit(batch& b);
  live_duty* find(const std::string& plan, const std::string& duty, plan_state** ps = nullptr);
  const live_duty* find(const std::string& plan, const std::string& duty, const plan_state** ps = nullptr) const;
  std::optional<instant> resolve_deadline(const plan_state& ps, const live_duty& d) const;  // with review credit
  std::optional<instant> resolve_due(const plan_state& ps, const live_duty& d) const;       // the plan's own rule
  four_state status_of(const duty_state& st) const;
  std::string_view timeliness_label(const duty_state& st) const;
  // Who receives an escalation of a duty owned by `owner`: the plan's leaders, else the
  // coordinator, never the owner itself (empty: nobody).
  std::string escalation_target(const plan& p, const std::string& owner) const;
  // Tracks the unit's delivery across a transition from `before` to view's new state; a
  // return gives the review time back (may stage a deadline_changed event).
  // When a return moves the deadline, the move is journaled inside the return event's data
  // ("deadline": {"from", "to", "credit_minutes"}): one event, one version, as the caller saw.
  // Returns whether it moved.
  bool track_delivery(const plan_state& ps, duty_state& view, machine_state before, event_type type, instant now,
                      nlohmann::json& event_data);
  nlohmann::json plan_summary(const plan_state& ps) const;  // header + counts
  // The coordinator's pending step once the unit delivered (approve, present ...), or null.
  nlohmann::json follow_up_json(const plan& p, const duty_def& def, const duty_state& st) const;
  nlohmann::json duty_summary(const plan_state& ps, const duty_def& def, const duty_state& st,
                              const actor* caller) const;
  std::vector<std::string> allowed_events(const duty_def& def, const duty_state& st, const actor* caller) const;
  void build_plan_state(std::shared_ptr<const plan> p, plan_state& ps) const;
  void replay_event(const event_view& e);
  plan_state* replay_plan_ = nullptr;  // the plan of the previous replayed event
  std::vector<effect> replay_effects_;  // reused: replay discards what events would send
  void queue_notification(batch& b, const plan_state& ps, const live_duty& d, std::string_view reason,
                          const std::string& unit, instant point, nlohmann::json payload);

  store& store_;
  const kind_registry& kinds_;
  const clock_source& clock_;
  const working_calendar& calendar_;
  engine_options options_;
  std::map<std::string, std::unique_ptr<plan_state>, std::less<>> plans_;
  std::unordered_map<std::string, idempotent_answer> answers_;  // by "<actor>\n<key>"
  std::int64_t replay_mismatches_ = 0;
  std::unique_ptr<scheduler> scheduler_;  // engine/scheduler.h
  std::thread::id strand_{};               // bind_strand
  std::vector<commit_observer> observers_;
  std::vector<outbox_observer> outbox_observers_;
  void notify_observers(const write_batch& w) const;
};

// Checks whether `by` may fire an event declared with `spec` on a duty owned by `owner`.
bool may_fire(const event_spec& spec, const actor& by, const std::string& owner);

}  // namespace dutyflow

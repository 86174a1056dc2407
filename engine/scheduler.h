// The scheduler: which points in time each duty has (reminders before its deadline, due
// soon, overdue, repeated overdue reminders, escalation), one heap of "the next instant
// this duty needs attention", and firing what is due. One timer for the whole engine, as
// redis' ae.c keeps one list of time events: run_due() fires what is due and answers when
// it next wants to run.
//
// The engine owns one (engine::timers()) and feeds it: every commit reschedules the duties
// it changed, open() hands it the reminder progress a restart reads back. It stages its
// events through the engine's own batch and commit, so a reminder or a state change it
// fires is journaled exactly as a command is. Not thread-safe: REQUIRES: engine strand
// (the runner's thread, or a test's thread); engine::assert_strand() checks it.
#pragma once

#include "engine/engine.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace dutyflow {

class scheduler {
 public:
  explicit scheduler(engine& eng) : eng_(eng) {}
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  // The earliest instant any duty needs attention (nullopt: nothing scheduled).
  std::optional<instant> next_due() const;
  // Fires, in order and each once, every reminder and timeliness event due at `now`;
  // points that fell due while dutyflowd was down (before engine::open()) become one
  // catch_up notification per duty. A failed commit is retried 5 s later (logged).
  // Returns when it next wants to run, as next_due() would.
  std::optional<instant> run_due(instant now);

  // A reminder writes its outbox row (with the point, in the same transaction that decides
  // it) but not its duty's row: that write would land on a random page of the duties table
  // for every reminder, which was most of the scheduler's commit. The progress waits in
  // memory, oldest first, and is written here, up to `limit` duties in one transaction,
  // with the outbox id up to which the table is then complete; open() takes what came after
  // that id back from the outbox (journal::unflushed_reminders), so a crash loses nothing.
  // The runner calls this when idle and when it stops. Returns how many duties still wait.
  // Errors: errc::storage (nothing written, nothing forgotten).
  result<std::size_t> flush_progress(std::size_t limit);
  // Whether flush_progress() has anything to write: waiting duties, or a watermark far
  // enough behind the outbox that moving it spares a restart a long read.
  bool progress_pending() const;
  std::size_t unflushed_progress() const { return unflushed_.size(); }

 private:
  friend class engine;  // the engine schedules what it commits and loads
  using plan_state = engine::plan_state;
  using live_duty = engine::live_duty;
  using duty_state = engine::duty_state;
  using batch = engine::batch;

  // A point in time at which the scheduler has something to do for a duty.
  struct point {
    enum class what : std::uint8_t { reminder, due_soon, overdue, overdue_repeat, escalate };
    instant at;       // the nominal point (part of the notification's key)
    instant fire_at;  // `at`, or the next office-hours opening after it
    what kind;
    std::string detail;  // the reminder offset ("3d") or repeat number
  };
  // One entry of the heap: the next instant a duty needs attention.
  struct timer_entry {
    instant fire_at;
    live_duty* duty;  // its plan is duty->plan
    std::uint32_t gen;
    bool operator>(const timer_entry& o) const { return fire_at > o.fire_at; }
  };
  // A duty whose reminder progress waits for flush_progress(), with the watermark that
  // was true when it started waiting.
  struct unflushed_entry {
    live_duty* duty;
    std::int64_t flushed_through;
  };

  void schedule(plan_state& ps, live_duty& d);
  void schedule_all();
  std::vector<point> points_of(const plan_state& ps, const live_duty& d, const duty_state& st) const;
  instant office_time(const plan_state& ps, instant t) const;
  // `reopened`: the unit's part was just reopened (a return, a reassignment): what fell due
  // while it was delivered fires now, in the same batch, and is never a downtime catch-up.
  void fire_points(batch& b, plan_state& ps, live_duty& d, instant now, bool reopened = false);
  void defer_progress(live_duty& d, std::int64_t flushed_through);
  // After a commit: the largest outbox id this engine has seen.
  void saw_outbox(std::int64_t id) { last_outbox_id_ = std::max(last_outbox_id_, id); }
  // At open(): start afresh from what the store holds.
  void reset(instant opened_at, std::int64_t last_outbox_id, std::int64_t flushed_through);

  engine& eng_;
  std::vector<timer_entry> heap_;
  instant opened_at_{};
  std::deque<unflushed_entry> unflushed_;
  std::int64_t last_outbox_id_ = 0;   // the largest outbox id this engine has seen
  std::int64_t flushed_through_ = 0;  // the watermark as stored
};

}  // namespace dutyflow

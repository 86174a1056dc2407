// The scheduler (engine/scheduler.h): points, the heap, firing what is due, and the
// deferred reminder progress. Engine strand.
#include "engine/scheduler.h"

#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace dutyflow {

using nlohmann::json;

namespace {

// How far a timeliness state has got: a state point is done once the machine is there.
int timeliness_rank(timeliness t) {
  switch (t) {
    case timeliness::on_track: return 0;
    case timeliness::due_soon: return 1;
    case timeliness::overdue: return 2;
    case timeliness::escalated: return 3;
  }
  return 0;
}

const actor scheduler_actor{"scheduler", role::system, ""};

}  // namespace

instant scheduler::office_time(const plan_state& ps, instant t) const {
  if (!eng_.options_.office_hours_only) return t;
  const auto tz = ps.def->utc_offset;
  date day = local_date(t, tz);
  const instant midnight = start_of_day(day, tz);
  const auto since_midnight = t - midnight;
  if (eng_.calendar_.is_working_day(day)) {
    if (since_midnight < eng_.options_.office_open) return midnight + eng_.options_.office_open;
    if (since_midnight < eng_.options_.office_close) return t;
  }
  date next{std::chrono::sys_days{day} + std::chrono::days{1}};
  next = eng_.calendar_.next_working_day(next);
  return start_of_day(next, tz) + eng_.options_.office_open;
}

std::vector<scheduler::point> scheduler::points_of(const plan_state& ps, const live_duty& d, const duty_state& st) const {
  std::vector<point> out;
  // The deadline judges the unit's part only: once delivered, nothing more is due for it.
  if (!st.deadline || !st.machine->state().unit_part_open()) return out;
  const instant deadline = *st.deadline;
  const auto tz = ps.def->utc_offset;
  // A deadline at 00:00 is "24:00 of the day before" (Civil Code art. 148): count working
  // days from that day.
  const date deadline_day = local_date(deadline - std::chrono::microseconds{1}, tz);
  auto end_of = [&](date day) { return start_of_day(date{std::chrono::sys_days{day} + std::chrono::days{1}}, tz); };
  auto before = [&](const duration_spec& spec) {
    if (spec.is_working_days())
      return end_of(eng_.calendar_.add_working_days(deadline_day, -static_cast<int>(spec.amount)));
    return deadline - spec.fixed();
  };
  auto after = [&](const duration_spec& spec, std::int64_t times) {
    if (spec.is_working_days())
      return end_of(eng_.calendar_.add_working_days(deadline_day, static_cast<int>(spec.amount * times)));
    return deadline + spec.fixed() * times;
  };
  auto add = [&](instant at, point::what kind, std::string detail) {
    out.push_back(point{at, office_time(ps, at), kind, std::move(detail)});
  };
  const auto& policy = *d.def->reminders;
  for (const auto& b : policy.before) add(before(b), point::what::reminder, b.text());
  if (eng_.options_.due_soon_working_days > 0)
    add(before(duration_spec{eng_.options_.due_soon_working_days, duration_spec::unit::working_days}),
        point::what::due_soon, "");
  add(deadline, point::what::overdue, "");
  if (policy.overdue_every)
    for (int k = 1; k <= eng_.options_.overdue_repeat_limit; ++k)
      add(after(*policy.overdue_every, k), point::what::overdue_repeat, std::to_string(k));
  if (policy.escalate_after) add(after(*policy.escalate_after, 1), point::what::escalate, "");
  // In time order; at the same instant the state moves before the reminders that follow it.
  auto is_state = [](const point& pt) {
    return pt.kind == point::what::due_soon || pt.kind == point::what::overdue || pt.kind == point::what::escalate;
  };
  std::stable_sort(out.begin(), out.end(), [&](const point& a, const point& b) {
    if (a.at != b.at) return a.at < b.at;
    return is_state(a) && !is_state(b);
  });
  return out;
}

void scheduler::schedule(plan_state& ps, live_duty& d) {
  d.schedule_gen += 1;
  const auto rank = d.st.machine ? timeliness_rank(timeliness_of(d.st.machine->state())) : 0;
  std::optional<instant> next;
  for (const auto& p : points_of(ps, d, d.st)) {
    bool pending = false;
    switch (p.kind) {
      case point::what::reminder:
      case point::what::overdue_repeat: pending = p.at > d.st.reminded_until; break;
      case point::what::due_soon: pending = rank < 1; break;
      case point::what::overdue: pending = rank < 2; break;
      case point::what::escalate: pending = rank < 3; break;
    }
    if (pending && (!next || p.fire_at < *next)) next = p.fire_at;
  }
  if (!next) return;
  heap_.push_back(timer_entry{*next, &d, d.schedule_gen});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void scheduler::schedule_all() {
  heap_.clear();
  for (auto& [id, ps] : eng_.plans_)
    for (auto& d : ps->duties) schedule(*ps, d);
  heap_.shrink_to_fit();  // a restart's heap is the largest it gets: no doubling slack kept
}

std::optional<instant> scheduler::next_due() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().fire_at;
}

void scheduler::fire_points(batch& b, plan_state& ps, live_duty& d, instant now, bool reopened) {
  duty_state& view = b.view(d);
  const auto& p = *ps.def;
  const std::size_t rows_before = b.writes.duties.size();
  std::vector<point> due;
  for (auto& pt : points_of(ps, d, view))
    if (pt.fire_at <= now) due.push_back(pt);
  if (due.empty()) return;

  auto pending = [&](const point& pt) {
    const int rank = timeliness_rank(timeliness_of(view.machine->state()));
    switch (pt.kind) {
      case point::what::reminder:
      case point::what::overdue_repeat: return pt.at > view.reminded_until;
      case point::what::due_soon: return rank < 1;
      case point::what::overdue: return rank < 2;
      case point::what::escalate: return rank < 3;
    }
    return false;
  };
  auto fire_state = [&](const point& pt, bool silent, json extra = json()) {
    command c;
    c.notice_extra = std::move(extra);
    c.plan = p.id;
    c.duty = d.def->id;
    c.event = pt.kind == point::what::due_soon ? "due_soon" : pt.kind == point::what::overdue ? "overdue" : "escalate";
    c.by = scheduler_actor;
    c.at = pt.at;
    c.silent = silent;
    auto r = eng_.stage(c, b);
    if (!r) spdlog::warn("scheduler: {}/{} {} refused: {}", p.id, d.def->id, c.event, r.err().message);
  };
  auto remind = [&](const point& pt, notice_reason reason, json extra) {
    json payload{{"title", d.def->title},
                 {"deadline", p.format(*view.deadline)},
                 {"progress", view.machine->state().progress->name}};
    if (pt.kind == point::what::reminder) payload["before"] = pt.detail;
    else payload["repeat"] = pt.detail;
    payload.update(extra);
    eng_.queue_notification(b, ps, d, reason, view.owner, pt.at, std::move(payload));
    view.reminded_until = std::max(view.reminded_until, pt.at);
  };

  // Points that fell due while dutyflowd was not running are one catch-up, not a burst.
  // (A deadline set since the start cannot have missed anything: reminded_until is then
  // later than the start.)
  std::vector<point> missed, live;
  for (const auto& pt : due) {
    if (!pending(pt)) continue;
    (!reopened && pt.fire_at < opened_at_ && view.reminded_until < opened_at_ ? missed : live).push_back(pt);
  }
  if (!missed.empty()) {
    json reasons = json::array();
    instant latest = missed.front().at;
    for (const auto& pt : missed) {
      latest = std::max(latest, pt.at);
      switch (pt.kind) {
        case point::what::reminder: reasons.push_back("reminder"); break;
        case point::what::overdue_repeat: reasons.push_back("overdue_repeat"); break;
        case point::what::due_soon: reasons.push_back("due_soon"); break;
        case point::what::overdue: reasons.push_back("overdue"); break;
        case point::what::escalate: reasons.push_back("escalation"); break;
      }
      if (pt.kind == point::what::due_soon || pt.kind == point::what::overdue || pt.kind == point::what::escalate) {
        if (pending(pt)) fire_state(pt, true);
      }
    }
    view.reminded_until = std::max(view.reminded_until, latest);
    eng_.queue_notification(b, ps, d, notice_reason::catch_up, view.owner, latest,
                       json{{"title", d.def->title}, {"deadline", p.format(*view.deadline)}, {"missed", reasons},
                            {"state", view.machine->state().timeliness->name}});
    spdlog::info("scheduler: {}/{} catch-up for {} point(s) missed while stopped", p.id, d.def->id, missed.size());
  }
  // Points that wait for the same office opening (a weekend's overdue repeats, two
  // reminders falling on a holiday) are one mail per reason: the overdue state's notice, or
  // the latest repeat, says how many days late the duty is when it is sent; the others only
  // mark their point as done. Points with their own instants fire each once, in order.
  enum class mail : std::uint8_t { reminder, overdue, other };
  auto mail_of = [](const point& pt) {
    switch (pt.kind) {
      case point::what::reminder: return mail::reminder;
      case point::what::overdue:
      case point::what::overdue_repeat: return mail::overdue;
      case point::what::due_soon:
      case point::what::escalate: return mail::other;
    }
    return mail::other;
  };
  for (std::size_t i = 0; i < live.size();) {
    std::size_t end = i;
    while (end < live.size() && live[end].fire_at == live[i].fire_at) ++end;
    // The point of each reason that carries the group's one mail, and how many it stands for.
    const point* carrier[2] = {nullptr, nullptr};
    int merged[2] = {0, 0};
    for (std::size_t k = i; k < end; ++k) {
      const auto m = mail_of(live[k]);
      if (m == mail::other || !pending(live[k])) continue;
      auto& c = carrier[static_cast<int>(m)];
      ++merged[static_cast<int>(m)];
      // The state's own notice wins; otherwise the latest point (the closest reminder, the
      // last repeat).
      if (!c || c->kind != point::what::overdue) c = &live[k];
    }
    const json overdue_extra = [&] {
      json x{{"days_overdue", days_late(*view.deadline, live[i].fire_at, p.utc_offset)}};
      if (merged[1] > 1) x["coalesced"] = merged[1];
      return x;
    }();
    for (std::size_t k = i; k < end; ++k) {
      const point& pt = live[k];
      if (!pending(pt)) continue;  // an earlier point of this run may have moved the machine past it
      const auto m = mail_of(pt);
      if (m != mail::other && carrier[static_cast<int>(m)] != &pt) {
        if (pt.kind != point::what::overdue) view.reminded_until = std::max(view.reminded_until, pt.at);
        continue;
      }
      switch (pt.kind) {
        case point::what::reminder:
          remind(pt, notice_reason::reminder, merged[0] > 1 ? json{{"coalesced", merged[0]}} : json::object());
          break;
        case point::what::overdue_repeat: remind(pt, notice_reason::overdue, overdue_extra); break;
        case point::what::overdue: fire_state(pt, false, overdue_extra); break;
        case point::what::due_soon: fire_state(pt, false); break;
        case point::what::escalate:
          fire_state(pt, false, json{{"days_overdue", days_late(*view.deadline, pt.fire_at, p.utc_offset)}});
          break;
      }
    }
    i = end;
  }
  // One row per duty and run: the state events above each staged one; the last already
  // holds the final state and only needs the reminders' progress. A run that only sent
  // reminders writes no row: the outbox rows it wrote are the progress until
  // flush_progress() writes it (the reason is there).
  auto& rows = b.writes.duties;
  if (rows.size() > rows_before) {
    // One row for the duty: the last state, compared with the version before the first.
    rows.back().expected_version = rows[rows_before].expected_version;
    rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(rows_before), rows.end() - 1);
    rows.back().reminded_until = view.reminded_until;
    return;
  }
  if (view.reminded_until > d.st.reminded_until) b.progress_only.push_back(&d);
}

void scheduler::defer_progress(live_duty& d, std::int64_t flushed_through) {
  if (d.progress_unflushed) return;  // waiting already, since an older watermark
  d.progress_unflushed = true;
  unflushed_.push_back(unflushed_entry{&d, flushed_through});
}

bool scheduler::progress_pending() const {
  // Outbox rows of other reasons move nothing; after this many, the next idle moment moves
  // the watermark past them so that a restart skips them.
  constexpr std::int64_t watermark_lag = 10'000;
  return !unflushed_.empty() || last_outbox_id_ - flushed_through_ > watermark_lag;
}

result<std::size_t> scheduler::flush_progress(std::size_t limit) {
  eng_.assert_strand();
  const std::size_t n = std::min(limit, unflushed_.size());
  write_batch w;
  w.duties.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const live_duty& d = *unflushed_[i].duty;
    duty_row r;
    r.plan = d.plan->def->id;
    r.duty = d.def->id;
    r.reminded_until = d.st.reminded_until;
    r.write = duty_row::how::progress;
    r.expected_version = d.st.version;  // progress moves no version: the row is where the engine left it
    w.duties.push_back(std::move(r));
  }
  // Every reminder before the oldest duty still waiting is in the table now; with none
  // waiting, every reminder this engine has written is.
  const std::int64_t through = n < unflushed_.size() ? unflushed_[n].flushed_through : last_outbox_id_;
  if (through > flushed_through_) w.reminders_flushed_through = through;
  if (!w.empty()) {
    if (auto s = eng_.store_.commit(w); !s) return s.err();
  }
  for (std::size_t i = 0; i < n; ++i) unflushed_[i].duty->progress_unflushed = false;
  unflushed_.erase(unflushed_.begin(), unflushed_.begin() + static_cast<std::ptrdiff_t>(n));
  flushed_through_ = std::max(flushed_through_, through);
  return unflushed_.size();
}

std::optional<instant> scheduler::run_due(instant now) {
  eng_.assert_strand();
  std::vector<live_duty*> due;
  std::set<live_duty*> seen;
  while (!heap_.empty() && heap_.front().fire_at <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    auto entry = heap_.back();
    heap_.pop_back();
    if (entry.gen != entry.duty->schedule_gen) continue;  // rescheduled since
    if (seen.insert(entry.duty).second) due.push_back(entry.duty);
  }
  if (due.empty()) return next_due();
  // Fire in order of the duties' earliest points so the journal reads chronologically.
  batch b;
  for (auto* d : due) fire_points(b, *d->plan, *d, now);
  if (b.writes.empty()) {
    for (auto* d : due) schedule(*d->plan, *d);
    return next_due();
  }
  if (auto s = eng_.commit(b); !s) {
    spdlog::error("scheduler: commit of {} due duty(ies) failed, retrying in 5 s: {}", due.size(), s.err().message);
    for (auto* d : due) {
      d->schedule_gen += 1;
      heap_.push_back(timer_entry{now + std::chrono::seconds(5), d, d->schedule_gen});
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    }
    return next_due();
  }
  // The commit rescheduled every duty it changed; a duty whose points all turned out to be
  // done already still needs its next entry.
  for (auto* d : due)
    if (!b.changes.contains(d)) schedule(*d->plan, *d);
  // The runner flushes when idle; a scheduler that is never idle keeps the backlog bounded here.
  if (unflushed_.size() > eng_.options_.progress_backlog) {
    if (auto r = flush_progress(unflushed_.size() - eng_.options_.progress_backlog); !r)
      spdlog::warn("scheduler: writing reminder progress failed (kept, retried later): {}", r.err().message);
  }
  spdlog::debug("scheduler: fired points of {} duty(ies), {} notification(s)", due.size(), b.writes.outbox.size());
  return next_due();
}

void scheduler::reset(instant opened_at, std::int64_t last_outbox_id, std::int64_t flushed_through) {
  heap_.clear();
  unflushed_.clear();
  opened_at_ = opened_at;
  last_outbox_id_ = last_outbox_id;
  flushed_through_ = flushed_through;
}

}  // namespace dutyflow

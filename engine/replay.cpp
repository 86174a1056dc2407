// The engine's rebuild from the journal: engine::open() (the threaded parse of stored
// plans, the replay of every event through the machines, the idempotency answers) and
// replay_event(). Runs before the engine serves anything.
#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace dutyflow {

using nlohmann::json;

void engine::replay_event(const event_view& e) {
  // Events of one plan come in runs (a plan load, a batch): look the plan up once per run.
  if (!replay_plan_ || replay_plan_->def->id != e.plan) {
    auto pit = plans_.find(e.plan);
    if (pit == plans_.end()) {
      ++replay_mismatches_;
      spdlog::error("replay: event {} names unknown plan {}", e.id, e.plan);
      return;
    }
    replay_plan_ = pit->second.get();
  }
  auto& ps = *replay_plan_;
  // Only these events carry data the replay needs; the rest are never parsed.
  auto data = [&] { return json::parse(e.data, nullptr, false); };
  auto instant_in = [](const json& obj, const char* key) -> std::optional<instant> {
    auto it = obj.is_object() ? obj.find(key) : obj.end();
    if (it == obj.end() || !it->is_string()) return std::nullopt;
    auto t = parse_instant(it->get<std::string>());
    return t ? std::optional<instant>(*t) : std::nullopt;
  };
  if (e.duty.empty()) {
    ps.plan_seq = e.seq;
    if (e.type == "milestone_set") {
      const json d = data();
      auto at = instant_in(d, "at");
      auto it = d.is_object() ? ps.milestones.find(d.value("milestone", "")) : ps.milestones.end();
      if (at && it != ps.milestones.end()) it->second = *at;
    }
    return;
  }
  live_duty* d = ps.find(e.duty);
  if (!d) {
    ++replay_mismatches_;
    spdlog::error("replay: event {} names unknown duty {}/{}", e.id, e.plan, e.duty);
    return;
  }
  auto& st = d->st;
  if (e.seq != st.version + 1) {
    ++replay_mismatches_;
    spdlog::error("replay: {}/{} seq {} after version {}", e.plan, e.duty, e.seq, st.version);
  }
  st.version = e.seq;
  if (e.type == "assigned") {
    d->assigned_at = e.at;
    // Written by load() as {"deadline": ..., "owner": ...} (sorted keys): read the deadline
    // without building a document, one per duty on every restart; anything else is parsed.
    constexpr std::string_view null_deadline = R"({"deadline":null,)";
    constexpr std::string_view text_deadline = R"({"deadline":")";
    if (e.data.starts_with(null_deadline)) {
      st.deadline.reset();
    } else if (auto end = e.data.find('"', text_deadline.size());
               e.data.starts_with(text_deadline) && end != std::string_view::npos) {
      auto t = parse_instant(e.data.substr(text_deadline.size(), end - text_deadline.size()));
      st.deadline = t ? std::optional<instant>(*t) : std::nullopt;
    } else {
      st.deadline = instant_in(data(), "deadline");
    }
    return;
  }
  event_type type{};
  replay_effects_.clear();  // replay never re-sends: the outbox rows were written when it happened
  const machine_state before = st.machine->state();
  if (!parse_event_name(e.type, type) || !st.machine->fire(type, replay_effects_)) {
    ++replay_mismatches_;
    spdlog::error("replay: {}/{} event {} ({}) refused by the machine", e.plan, e.duty, e.seq, e.type);
    return;
  }
  if (type == event_type::reassign) {
    const json j = data();
    if (j.is_object()) st.owner = j.value("unit", st.owner);
  }
  if (type == event_type::deadline_changed) st.deadline = instant_in(data(), "to");
  if (type == event_type::return_) {
    // The review time given back on a return is journaled in the return's own data.
    const json j = data();
    auto moved = j.is_object() ? j.find("deadline") : j.end();
    if (moved != j.end() && moved->is_object() && instant_in(*moved, "to")) {
      std::vector<effect> ignored;
      st.machine->fire(event_type::deadline_changed, ignored);
      st.deadline = instant_in(*moved, "to");
      st.review_credit_minutes += static_cast<std::int32_t>(moved->value("credit_minutes", std::int64_t{0}));
    }
  }
  if (type == event_type::escalate) {
    const json j = data();
    auto to = j.is_object() ? j.find("to") : j.end();
    if (!j.is_object() || to == j.end()) st.escalated = duty_state::escalation::coordinator;  // before receivers were journaled
    else if (!to->is_string()) st.escalated = duty_state::escalation::nowhere;
    else st.escalated = to->get<std::string>() == ps.def->escalate_to ? duty_state::escalation::leader
                                                                       : duty_state::escalation::coordinator;
  }
  // The same delivery bookkeeping as stage()/track_delivery, from the journaled times.
  const machine_state after = st.machine->state();
  if (after.delivered() && !before.delivered()) {
    st.delivered_at = e.at;
    st.delivered_late = st.deadline && e.at > *st.deadline;
  } else if (!after.delivered() && before.delivered()) {
    st.delivered_at = instant{};
    st.delivered_late = false;
  }
  if (after.terminal() && !st.finished_at) {
    st.finished_at = e.at;
    st.finished_late = st.deadline && e.at > *st.deadline;
  }
}

status engine::open() {
  assert_strand();
  scheduler_->reset(instant{}, 0, 0);
  replay_plan_ = nullptr;
  plans_.clear();
  answers_.clear();
  replay_mismatches_ = 0;
  // The scheduler's deferred progress trusts that outbox ids follow commit order (its
  // watermark); a backend that cannot promise it is refused rather than lose reminders.
  if (!store_.capabilities().outbox_ids_in_commit_order)
    return make_error(errc::internal,
                      "the store does not number outbox rows in commit order, which the reminder watermark needs");
  // The scheduler runs in the process that holds the lease; SQLite's one process always does.
  auto lease = store_.scheduler_lease(clock_.now());
  if (!lease) return lease.err();
  if (!lease->held) return make_error(errc::conflict, "another dutyflowd holds this store's scheduler lease");
  auto rows = store_.plans();
  if (!rows) return rows.err();
  // Parsing and checking the stored plans is the larger half of a restart with large plans.
  // Each plan is independent, and the journal needs a plan only from its first event on
  // (plans are stored in the order they were loaded, which is the order the journal names
  // them): helpers parse plans in that order while this thread replays the journal,
  // installing each plan when an event first names it and parsing the next ones itself
  // rather than wait. (load_stored_plan only reads shared state.)
  const std::size_t n = rows->size();
  std::vector<std::optional<result<plan_load>>> loaded(n);
  auto ready = std::make_unique<std::atomic<bool>[]>(n);
  std::atomic<std::size_t> next{0};  // the first plan no thread has taken yet
  std::mutex parsed_mutex;
  std::condition_variable parsed;
  auto parse_next = [&] {
    const std::size_t i = next.fetch_add(1);
    if (i >= n) return false;
    loaded[i].emplace(load_stored_plan(std::move((*rows)[i].content), kinds_));
    {
      std::lock_guard lock(parsed_mutex);
      ready[i].store(true);
    }
    parsed.notify_all();
    return true;
  };
  std::size_t installed = 0;
  std::optional<error> failed;
  auto install_next = [&] {
    const std::size_t i = installed++;
    while (!ready[i].load()) {
      if (parse_next()) continue;  // plan i or a later one: work instead of waiting
      std::unique_lock lock(parsed_mutex);
      parsed.wait(lock, [&] { return ready[i].load(); });
    }
    auto& l = *loaded[i];
    if (!l) {
      failed = make_error(errc::internal, "stored plan " + (*rows)[i].id + " no longer loads: " + l.err().message);
      return;
    }
    auto ps = std::make_unique<plan_state>();
    build_plan_state(l->value, *ps);
    warn_without_leaders(*ps->def);
    loaded[i].reset();  // the plan_state holds the plan; its text is no longer needed
    plans_.emplace(ps->def->id, std::move(ps));
  };
  {
    const std::size_t extra = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), n);
    std::vector<std::jthread> helpers;
    for (std::size_t k = 0; k + 1 < extra; ++k)
      helpers.emplace_back([&] {
        while (parse_next()) {
        }
      });
    auto replayed = store_.scan([&](const event_view& e) {
      if (failed) return;
      if (!replay_plan_ || replay_plan_->def->id != e.plan)
        while (installed < n && !failed && !plans_.contains(e.plan)) install_next();
      if (!failed) replay_event(e);
    });
    while (installed < n && !failed) install_next();  // plans the journal never named
    next.store(n);  // on failure: the helpers take nothing more (and are joined here)
    if (!replayed) return replayed;
    if (failed) return *failed;
  }

  // The duties table is written in the same transactions as the journal; a difference
  // means a bug, so say so loudly instead of trusting either silently.
  // Rows come by plan: look the plan up once per run of rows.
  plan_state* table_plan = nullptr;
  auto checked = store_.scan_duty_rows([&](const duty_row_view& r) {
    if (!table_plan || table_plan->def->id != r.plan) {
      auto it = plans_.find(r.plan);
      table_plan = it == plans_.end() ? nullptr : it->second.get();
    }
    live_duty* d = table_plan ? table_plan->find(r.duty) : nullptr;
    if (d) d->st.reminded_until = r.reminded_until.value_or(d->assigned_at);
    const auto st = d ? d->st.machine->state() : machine_state{};
    if (!d || r.version != d->st.version || r.progress != st.progress->name ||
        r.timeliness != st.timeliness->name || r.owner != d->st.owner) {
      ++replay_mismatches_;
      spdlog::error("replay: {}/{} differs from the duties table (table: {} {}/{} v{})", r.plan, r.duty, r.owner,
                    r.progress, r.timeliness, r.version);
    }
  });
  if (!checked) return checked;
  if (replay_mismatches_ > 0)
    return make_error(errc::internal,
                      "journal replay found " + std::to_string(replay_mismatches_) + " inconsistencies");

  // Reminders sent since the last flush of their progress: their outbox rows are the record.
  auto progress = store_.unflushed_reminders();
  if (!progress) return progress.err();
  scheduler& timers = *scheduler_;
  timers.reset(clock_.now(), progress->last_outbox_id, progress->flushed_through);
  for (const auto& r : progress->duties) {
    auto it = plans_.find(r.plan);
    live_duty* d = it == plans_.end() ? nullptr : it->second->find(r.duty);
    if (!d || r.point <= d->st.reminded_until) continue;
    d->st.reminded_until = r.point;
    timers.defer_progress(*d, progress->flushed_through);
  }
  if (!progress->duties.empty())
    spdlog::info("engine: reminder progress of {} duty(ies) taken back from the outbox after id {}",
                 timers.unflushed_progress(), progress->flushed_through);
  timers.schedule_all();

  auto keys = store_.idempotency(clock_.now() - options_.idempotency_ttl);
  if (!keys) return keys.err();
  for (auto& k : *keys) {
    applied a{k.plan, k.duty, k.version, k.event_id, answer_from_record(k.answer), false};
    answers_[k.key] = idempotent_answer{std::move(k.fingerprint), std::move(a)};
  }
  return ok_status();
}

}  // namespace dutyflow

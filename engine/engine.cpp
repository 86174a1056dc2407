#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <set>

namespace dutyflow {

using nlohmann::json;

std::string_view role_name(role r) {
  switch (r) {
    case role::coordinator: return "coordinator";
    case role::unit: return "unit";
    case role::viewer: return "viewer";
    case role::system: return "system";
  }
  return "viewer";
}

// Escalations of such a plan go to its coordinator, and nowhere for the coordinator's own
// duties: said once per plan at every start.
void warn_without_leaders(const plan& p) {
  if (p.escalate_to.empty())
    spdlog::warn("engine: plan {} names no escalate_to unit: escalations go to its coordinator {} (and nowhere "
                 "for the coordinator's own duties)",
                 p.id, p.coordinator);
}

namespace {

// The instant in an outbox key: UTC, so that a key never depends on a plan's zone.
std::string key_time(instant t) { return format_instant(t, std::chrono::minutes{0}); }

}  // namespace

engine::engine(store& db, const kind_registry& kinds, const clock_source& clock, const working_calendar& calendar,
               engine_options options)
    : store_(db),
      kinds_(kinds),
      clock_(clock),
      calendar_(calendar),
      options_(std::move(options)),
      scheduler_(std::make_unique<scheduler>(*this)) {}

engine::~engine() = default;

std::size_t engine::duty_count() const {
  std::size_t n = 0;
  for (const auto& [id, ps] : plans_) n += ps->duties.size();
  return n;
}

engine::live_duty* engine::find(const std::string& plan_id, const std::string& duty_id, plan_state** out) {
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return nullptr;
  if (out) *out = it->second.get();
  return it->second->find(duty_id);
}

const engine::live_duty* engine::find(const std::string& plan_id, const std::string& duty_id,
                                      const plan_state** out) const {
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return nullptr;
  if (out) *out = it->second.get();
  return it->second->find(duty_id);
}

std::optional<instant> engine::resolve_deadline(const plan_state& ps, const live_duty& d) const {
  auto base = resolve_due(ps, d);
  // Review time given back on returns stays given when a milestone moves the deadline.
  if (base && d.st.review_credit_minutes != 0) *base += std::chrono::minutes{d.st.review_credit_minutes};
  return base;
}

std::optional<instant> engine::resolve_due(const plan_state& ps, const live_duty& d) const {
  const auto& due = d.def->due;
  const auto tz = ps.def->utc_offset;
  // Civil Code 2015 art. 148: a deadline given as a day ends at 24:00 of that day.
  auto end_of = [&](date day) { return start_of_day(date{std::chrono::sys_days{day} + std::chrono::days{1}}, tz); };
  switch (due.kind) {
    case due_spec::type::none: return std::nullopt;
    case due_spec::type::at: return due.at;
    case due_spec::type::after_assigned:
      // art. 147: the day of assignment itself is not counted.
      return end_of(calendar_.add_working_days(local_date(d.assigned_at, tz), due.working_days));
    case due_spec::type::milestone: {
      auto it = ps.milestones.find(due.milestone);
      if (it == ps.milestones.end() || !it->second) return std::nullopt;  // pending
      const instant m = *it->second;
      switch (due.offset.unit_) {
        case duration_spec::unit::minutes:
        case duration_spec::unit::hours: return m + due.offset.fixed();
        case duration_spec::unit::days: {
          date day{std::chrono::sys_days{local_date(m, tz)} + std::chrono::days{due.offset.amount}};
          // art. 148: a deadline falling on a day off moves to the next working day.
          return end_of(calendar_.next_working_day(day));
        }
        case duration_spec::unit::working_days:
          return end_of(calendar_.add_working_days(local_date(m, tz), static_cast<int>(due.offset.amount)));
      }
    }
  }
  return std::nullopt;
}

duty_status engine::status_of(const duty_state& st) const {
  auto ms = st.machine->state();
  const auto progress = progress_of(ms);
  if (progress == progress_state::cancelled) return duty_status::cancelled;
  // QĐ 42/2014 judges the unit's task: once the unit has delivered its part, what the
  // coordinator does afterwards (approve, present, mark attended) is not the unit's time.
  if (st.delivered()) return st.delivered_late ? duty_status::done_late : duty_status::done_on_time;
  if (progress == progress_state::done) return st.finished_late ? duty_status::done_late : duty_status::done_on_time;
  if (!st.deadline) return duty_status::pending;
  instant reference = st.finished_at ? *st.finished_at : clock_.now();
  return reference > *st.deadline ? duty_status::open_overdue : duty_status::open_on_time;
}

std::string engine::escalation_target(const plan& p, const std::string& owner) const {
  if (!p.escalate_to.empty() && p.escalate_to != owner) return p.escalate_to;
  if (!p.coordinator.empty() && p.coordinator != owner) return p.coordinator;
  return {};
}

bool engine::track_delivery(const plan_state& ps, duty_state& view, machine_state before, event_type type,
                            instant now, json& event_data) {
  const machine_state after = view.machine->state();
  if (after.delivered() && !before.delivered()) {
    view.delivered_at = now;
    view.delivered_late = view.deadline && now > *view.deadline;
    return false;
  }
  if (after.delivered() || !before.delivered()) return false;
  // Reopened: a return, or a reassignment to another unit.
  const instant delivered_at = view.delivered_at;
  view.delivered_at = instant{};
  view.delivered_late = false;
  if (type != event_type::return_ || !view.deadline || after.terminal()) return false;
  // The days the work sat with the coordinator are given back to the unit: whole days for a
  // day deadline (it stays a day deadline), the exact time for a deadline with a time.
  const auto tz = ps.def->utc_offset;
  std::chrono::minutes credit{0};
  if (is_day_deadline(*view.deadline, tz))
    credit = std::chrono::days{(std::chrono::sys_days{local_date(now, tz)} -
                                std::chrono::sys_days{local_date(delivered_at, tz)}).count()};
  else
    credit = std::chrono::floor<std::chrono::minutes>(now - delivered_at);
  if (credit <= std::chrono::minutes{0}) return false;
  std::vector<effect> ignored;
  if (!view.machine->fire(event_type::deadline_changed, ignored)) return false;
  const auto from = *view.deadline;
  view.deadline = from + credit;
  view.review_credit_minutes += static_cast<std::int32_t>(credit.count());
  // Points of the moved deadline that are already past are not sent late.
  view.reminded_until = std::max(view.reminded_until, now);
  const auto& p = *ps.def;
  event_data["deadline"] = json{{"from", p.format(from)},
                                {"to", p.format(*view.deadline)},
                                {"reason", "review_time"},
                                {"credit_minutes", credit.count()},
                                {"credit_days", credit.count() / (24 * 60)}};
  return true;
}

std::vector<event_type> engine::allowed_events(const duty_def& def, const duty_state& st, const actor* caller) const {
  std::vector<event_type> out;
  for (const auto& spec : def.machine_kind->events()) {
    if (spec.by == who::system) continue;
    if (caller && !may_fire(spec, *caller, st.owner)) continue;
    if (!st.machine->accepts(spec.type)) continue;
    out.push_back(spec.type);
  }
  return out;
}

void engine::queue_notification(batch& b, const plan_state& ps, const live_duty& d, notice_reason reason,
                                const std::string& unit, instant at, json payload) {
  outbox_row o;
  o.plan = ps.def->id;
  o.duty = d.def->id;
  o.unit = unit;
  o.reason = std::string(api_name(reason));
  o.point = at;
  o.key = o.plan + "/" + o.duty + "/" + o.reason + "/" + key_time(at);
  std::string channels;
  if (const auto* u = ps.def->find_unit(unit)) {
    for (const auto& c : u->contacts) {
      if (!channels.empty()) channels += ",";
      channels += c.value("channel", "");
    }
  }
  o.channel = channels.empty() ? options_.fallback_channel : channels;
  o.created_at = clock_.now();
  o.payload = std::move(payload);
  b.writes.outbox.push_back(std::move(o));
}

namespace {

std::string fingerprint_of(const command& cmd) {
  json f{{"plan", cmd.plan}, {"duty", cmd.duty}, {"event", cmd.event}, {"note", cmd.note}, {"data", cmd.data},
         {"if_match", cmd.expected_version ? json(*cmd.expected_version) : json(nullptr)}};
  return f.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

result<applied> engine::stage(const command& cmd, batch& b) {
  // A retry of an answered request gets the first answer; nothing is applied again.
  std::string idem_key;
  if (!cmd.idempotency_key.empty()) {
    idem_key = cmd.by.name + "\n" + cmd.idempotency_key;
    const idempotent_answer* earlier = nullptr;
    if (auto it = b.answers.find(idem_key); it != b.answers.end()) earlier = &it->second;
    else if (auto jt = answers_.find(idem_key); jt != answers_.end()) earlier = &jt->second;
    if (earlier) {
      if (earlier->fingerprint != fingerprint_of(cmd))
        return make_error(errc::invalid, "Idempotency-Key \"" + cmd.idempotency_key + "\" was used for another request");
      applied again = earlier->answer;
      again.replayed = true;
      return again;
    }
  }

  auto pit = plans_.find(cmd.plan);
  if (pit == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + cmd.plan + "\"");
  plan_state* ps = pit->second.get();
  live_duty* d = ps->find(cmd.duty);
  if (!d) return make_error(errc::not_found, "unknown duty \"" + cmd.duty + "\" in plan " + cmd.plan);
  event_type type{};
  if (!parse_event_name(cmd.event, type)) return make_error(errc::not_found, "unknown event \"" + cmd.event + "\"");
  const duty_kind& kind = *d->def->machine_kind;
  const event_spec* spec = kind.find_event(type);
  if (!spec)
    return make_error(errc::not_found,
                      "a duty of kind " + std::string(kind.name()) + " has no event \"" + cmd.event + "\"");

  // Checks run against the batch's view, so commands of one batch see each other.
  const duty_state& current = b.changes.contains(d) ? b.changes.at(d) : d->st;
  if (!may_fire(*spec, cmd.by, current.owner)) {
    std::string why = spec->by == who::system        ? "only the scheduler fires \"" + cmd.event + "\""
                      : spec->by == who::coordinator ? "only a coordinator may " + cmd.event
                                                     : "only the owner unit (" + current.owner + ") may " + cmd.event;
    return make_error(errc::forbidden, why);
  }
  if (cmd.expected_version && *cmd.expected_version != current.version)
    return make_error(errc::version_mismatch,
                      "duty is at version " + std::to_string(current.version) + ", not " +
                          std::to_string(*cmd.expected_version),
                      json{{"version", current.version}});
  auto next = current.machine->clone();
  std::vector<effect> effects;
  if (!next->fire(type, effects)) {
    std::vector<std::string> allowed;
    for (auto t : allowed_events(*d->def, current, &cmd.by)) allowed.emplace_back(event_name(t));
    auto st = current.machine->state();
    return make_error(errc::conflict,
                      "\"" + cmd.event + "\" is not allowed in state " + std::string(st.progress->name) + "/" +
                          std::string(st.timeliness->name),
                      json{{"allowed_events", allowed},
                           {"state", {{"progress", st.progress->name}, {"timeliness", st.timeliness->name}}}});
  }
  // The state first, then the data: data that cannot be accepted in this state is not
  // looked at (and a refusal names the allowed events, the useful answer).
  if (auto why = check_requirement(*spec, cmd, *ps->def); !why.empty())
    return make_error(errc::invalid, why, json{{"event", cmd.event}});
  if (type == event_type::reassign && cmd.data.value("unit", "") == current.owner)
    return make_error(errc::invalid, "duty is already owned by " + current.owner);

  const machine_state before = current.machine->state();
  duty_state& view = b.view(*d);
  const instant now = clock_.now();
  const instant keyed_at = cmd.at ? *cmd.at : now;  // a scheduled event's notifications are keyed by its point
  event_row e;
  e.plan = ps->def->id;
  e.duty = d->def->id;
  e.seq = view.version + 1;
  e.type = cmd.event;
  e.actor = cmd.by.name;
  e.at = now;
  e.note = cmd.note;
  e.data = cmd.data.is_object() ? cmd.data : json::object();

  view.machine = std::move(next);
  view.version = e.seq;
  if (type == event_type::reassign) view.owner = cmd.data["unit"].get<std::string>();
  auto st = view.machine->state();
  if (st.terminal() && !view.finished_at) {
    view.finished_at = now;
    view.finished_late = view.deadline && now > *view.deadline;
  }
  // Where an escalation goes is decided now and journaled with it, so that the history and
  // a replay say who was told even if the plan's leaders change later.
  std::string escalated_to;
  if (type == event_type::escalate) {
    escalated_to = escalation_target(*ps->def, view.owner);
    e.data["to"] = escalated_to.empty() ? json(nullptr) : json(escalated_to);
    view.escalated = escalated_to.empty()                   ? duty_state::escalation::nowhere
                     : escalated_to == ps->def->escalate_to ? duty_state::escalation::leader
                                                            : duty_state::escalation::coordinator;
  }
  const bool moved = track_delivery(*ps, view, before, type, now, e.data);
  // Reopened (a return, a reassignment): reminders whose points passed while the part was
  // delivered are stale ("còn 3 ngày" after the deadline); the state points are not (below).
  const bool reopened = before.delivered() && view.machine->state().unit_part_open();
  if (reopened) view.reminded_until = std::max(view.reminded_until, now);

  for (const auto& eff : effects) {
    if (cmd.silent) break;
    std::string unit = eff.to == effect::target::coordinator ? ps->def->coordinator : view.owner;
    if (eff.reason == notice_reason::escalation) {
      if (escalated_to.empty()) continue;  // never escalate a unit to itself
      unit = escalated_to;
    }
    json payload{{"event", cmd.event}, {"actor", cmd.by.name}, {"title", d->def->title},
                 {"progress", st.progress->name}, {"owner", view.owner}};
    if (!cmd.note.empty()) payload["note"] = cmd.note;
    if (view.deadline) {
      payload["deadline"] = ps->def->format(*view.deadline);
      if (keyed_at > *view.deadline) payload["days_overdue"] = days_late(*view.deadline, keyed_at, ps->def->utc_offset);
    }
    if (cmd.notice_extra.is_object()) payload.update(cmd.notice_extra);
    if (moved) {
      payload["to"] = e.data["deadline"]["to"];
      payload["credit_days"] = e.data["deadline"]["credit_days"];
    }
    queue_notification(b, *ps, *d, eff.reason, unit, keyed_at, std::move(payload));
  }

  st = view.machine->state();  // a deadline given back on return moved the timeliness region
  b.writes.duties.push_back(duty_row{e.plan, e.duty, std::string(d->def->kind), view.owner, std::string(st.progress->name),
                                     std::string(st.timeliness->name), view.version, view.deadline, now,
                                     view.finished_at, view.finished_late,
                                     // a deadline given back skips its points already past: durably
                                     moved || reopened ? std::optional<instant>(view.reminded_until) : std::nullopt,
                                     type == event_type::reassign ? duty_row::how::update_owner : duty_row::how::update,
                                     view.version - 1});  // the version this event moved it from
  applied out{ps->def->id, d->def->id, view.version, 0, std::nullopt, false};
  if (cmd.want_answer || !idem_key.empty())
    out.answer = duty_answer{view_of(*ps, *d->def, view, &cmd.by), history_entry{e.seq, e.type, e.actor, e.at, e.note, e.data},
                             json()};
  if (!idem_key.empty()) {
    b.writes.idempotency.push_back(idempotency_row{idem_key, fingerprint_of(cmd), e.plan, e.duty, view.version, 0,
                                                   b.writes.events.size(), answer_record(*out.answer), now});
    b.answers[idem_key] = idempotent_answer{fingerprint_of(cmd), out};
  }
  b.writes.events.push_back(std::move(e));
  // A part reopened after its deadline passed is overdue again at once: its due points fire
  // in this batch, so that no crash can fall between the answer and them.
  if (reopened) scheduler_->fire_points(b, *ps, *d, now, true);
  return out;
}

void engine::notify_observers(const write_batch& w) const {
  if (!w.events.empty()) {
    for (const auto& fn : observers_) {
      try {
        fn(w.events);
      } catch (const std::exception& e) {
        spdlog::error("engine: a commit observer threw: {}", e.what());
      }
    }
  }
  if (w.outbox.empty()) return;
  for (const auto& fn : outbox_observers_) {
    try {
      fn(w.outbox);
    } catch (const std::exception& e) {
      spdlog::error("engine: an outbox observer threw: {}", e.what());
    }
  }
}

status engine::commit(batch& b) {
  if (auto s = store_.commit(b.writes); !s) return s;
  // The watermark that holds before this commit: its reminders are past it.
  const std::int64_t through_before = scheduler_->last_outbox_id_;
  for (const auto& o : b.writes.outbox) {
    // The watermark's premise (store_capabilities::outbox_ids_in_commit_order, checked at
    // open): a row this commit wrote comes after every row an earlier commit wrote.
    assert(o.id == 0 || o.id > through_before);
    scheduler_->saw_outbox(o.id);
  }
  notify_observers(b.writes);
  for (auto& [d, staged] : b.changes) {
    d->st = std::move(staged);
    scheduler_->schedule(*d->plan, *d);
  }
  for (auto& k : b.writes.idempotency) {
    auto& entry = b.answers[k.key];
    entry.answer.event_id = k.event_id;
    answers_[k.key] = std::move(entry);
  }
  for (auto& fn : b.after_commit) fn();
  for (auto* d : b.progress_only) scheduler_->defer_progress(*d, through_before);
  return ok_status();
}

result<applied> engine::apply(const command& cmd) {
  auto out = apply_batch(std::span<const command>(&cmd, 1));
  return std::move(out.front());
}

std::vector<result<applied>> engine::apply_batch(std::span<const command> cmds) {
  assert_strand();
  std::vector<result<applied>> out;
  out.reserve(cmds.size());
  batch b;
  std::vector<std::size_t> event_index(cmds.size(), SIZE_MAX);
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    auto before = b.writes.events.size();
    out.push_back(stage(cmds[i], b));
    if (out.back() && b.writes.events.size() > before) event_index[i] = before;
  }
  if (b.writes.empty()) return out;
  if (auto s = commit(b); !s) {
    spdlog::error("engine: commit of {} command(s) failed: {}", cmds.size(), s.err().message);
    for (auto& r : out)
      if (r && !r->replayed) r = make_error(errc::storage, "not saved: " + s.err().message);
    return out;
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (!out[i] || event_index[i] == SIZE_MAX) continue;
    out[i]->event_id = b.writes.events[event_index[i]].id;
    spdlog::info("engine: {}/{} {} by {} -> version {}", cmds[i].plan, cmds[i].duty, cmds[i].event, cmds[i].by.name,
                 out[i]->version);
  }
  return out;
}

void engine::build_plan_state(std::shared_ptr<const plan> p, plan_state& ps) const {
  ps.def = std::move(p);
  for (const auto& m : ps.def->milestones) ps.milestones[m.id] = m.at;
  ps.duties.reserve(ps.def->duties.size());
  for (const auto& def : ps.def->duties) {
    live_duty d;
    d.def = &def;
    d.plan = &ps;
    d.st.owner = def.owner;
    d.st.machine = def.machine_kind->create();
    ps.duties.push_back(std::move(d));
  }
  ps.index.build(ps.duties.size(), [&](std::size_t i) -> std::string_view { return ps.duties[i].def->id; });
}

result<bool> engine::loaded_as(const plan_load& loaded) const {
  assert_strand();
  const auto& p = loaded.value;
  auto it = plans_.find(p->id);
  if (it == plans_.end()) return false;
  // Only the hash stays in memory; a hash match is confirmed against the stored text.
  if (it->second->def->canonical_hash == canonical_hash(loaded.canonical)) {
    auto rows = store_.plans();
    if (!rows) return rows.err();
    for (const auto& r : *rows)
      if (r.id == p->id && r.content == loaded.canonical) return true;
  }
  return make_error(errc::conflict, "plan \"" + p->id + "\" is already loaded with other content",
                    json{{"plan", p->id}});
}

result<bool> engine::load(const plan_load& loaded, const actor& by) {
  assert_strand();
  const auto& p = loaded.value;
  auto known = loaded_as(loaded);
  if (!known) return known.err();
  if (*known) return false;
  const instant now = clock_.now();
  auto ps = std::make_unique<plan_state>();
  build_plan_state(p, *ps);
  batch b;
  b.writes.plans.push_back(plan_row{p->id, 1, loaded.canonical, now});
  ps->plan_seq = 1;
  b.writes.events.push_back(event_row{0, p->id, "", 1, "plan_loaded", by.name, now, "",
                                      json{{"number", p->number}, {"duties", p->duties.size()}}});
  for (auto& d : ps->duties) {
    d.assigned_at = now;
    d.st.reminded_until = now;
    d.st.deadline = resolve_deadline(*ps, d);
    d.st.version = 1;
    json data{{"owner", d.st.owner}, {"deadline", d.st.deadline ? json(p->format(*d.st.deadline)) : json(nullptr)}};
    b.writes.events.push_back(event_row{0, p->id, d.def->id, 1, "assigned", by.name, now, "", data});
    auto st = d.st.machine->state();
    b.writes.duties.push_back(duty_row{p->id, d.def->id, std::string(d.def->kind), d.st.owner, std::string(st.progress->name),
                                       std::string(st.timeliness->name), 1, d.st.deadline, now, std::nullopt, false,
                                       d.st.reminded_until});
    json payload{{"title", d.def->title}, {"progress", st.progress->name}};
    if (d.st.deadline) payload["deadline"] = p->format(*d.st.deadline);
    queue_notification(b, *ps, d, notice_reason::assigned, d.st.owner, now, std::move(payload));
  }
  if (auto s = store_.commit(b.writes); !s) return s.err();
  spdlog::info("engine: loaded plan {} ({}) with {} duties", p->id, p->number, p->duties.size());
  warn_without_leaders(*p);
  auto& installed = *plans_.emplace(p->id, std::move(ps)).first->second;
  for (auto& d : installed.duties) scheduler_->schedule(installed, d);
  notify_observers(b.writes);
  return true;
}

}  // namespace dutyflow

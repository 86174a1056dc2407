// The engine's read side: the read model's views of plans and duties (summaries,
// follow-ups, counts; engine/read_model.h) and the store reads handed through to the
// adapters. Const; engine strand.
#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace dutyflow {

namespace {

due_view due_of(const due_spec& d) {
  return due_view{d.kind, d.at, std::string(d.milestone), d.offset, d.working_days};
}

}  // namespace

duty_view engine::view_of(const plan_state& ps, const duty_def& def, const duty_state& st, const actor* caller) const {
  const auto& p = *ps.def;
  const auto ms = st.machine->state();
  duty_view v;
  v.plan = p.id;
  v.id = def.id;
  v.kind = std::string(def.kind);
  v.kind_label = std::string(def.machine_kind->label_vi());
  v.title = def.title;
  v.owner = st.owner;
  v.group = std::string(def.group);
  v.collaborators = def.collaborators();
  v.depends_on = def.depends_on();
  v.progress = progress_of(ms);
  v.timeliness = timeliness_of(ms);
  switch (st.escalated) {
    case duty_state::escalation::none: v.escalated = escalation_route::none; break;
    case duty_state::escalation::leader: v.escalated = escalation_route::leader; break;
    case duty_state::escalation::coordinator: v.escalated = escalation_route::coordinator; break;
    case duty_state::escalation::nowhere: v.escalated = escalation_route::nowhere; break;
  }
  if (v.escalated == escalation_route::leader || v.escalated == escalation_route::coordinator) {
    const std::string to = v.escalated == escalation_route::leader ? p.escalate_to : p.coordinator;
    const auto* u = p.find_unit(to);
    v.escalated_to = unit_view{to, u ? u->name : to};
  }
  v.status = status_of(st);
  v.due = due_of(def.due);
  v.deadline = st.deadline;
  v.utc_offset = p.utc_offset;
  v.version = st.version;
  v.allowed_events = allowed_events(def, st, caller);
  v.review_credit_minutes = st.review_credit_minutes;
  if (const auto* step = def.machine_kind->delivering_event()) {
    v.delivery = delivery_view{step->type, std::string(step->label_vi),
                               st.delivered() ? std::optional<instant>(st.delivered_at) : std::nullopt,
                               st.delivered() && st.delivered_late};
  }
  v.unit_part_open = ms.unit_part_open();
  v.follow_up = follow_up_of(def, st);
  v.finished_at = st.finished_at;
  if (const auto* live = ps.find(def.id)) v.assigned_at = live->assigned_at;
  v.reminders = def.reminders;
  return v;
}

std::optional<follow_up_view> engine::follow_up_of(const duty_def& def, const duty_state& st) const {
  const auto ms = st.machine->state();
  if (!ms.delivered() || ms.terminal()) return std::nullopt;
  follow_up_view f;
  std::string labels;
  for (const auto& spec : def.machine_kind->events()) {
    if (spec.by != who::coordinator || spec.type == event_type::cancel || spec.type == event_type::reassign) continue;
    if (!st.machine->accepts(spec.type)) continue;
    f.events.push_back(spec.type);
    labels += (labels.empty() ? "" : " / ") + std::string(spec.label_vi);
  }
  if (f.events.empty()) return std::nullopt;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - st.delivered_at).count();
  f.label = "Chờ cơ quan chủ trì: " + labels;
  f.since = st.delivered_at;
  f.waited_seconds = std::max<std::int64_t>(0, waited);
  return f;
}

plan_summary engine::summary_of(const plan_state& ps) const {
  const auto& p = *ps.def;
  plan_summary s;
  s.id = p.id;
  s.number = p.number;
  s.title = p.title;
  s.issuer = p.issuer;
  s.issued_on = p.issued_on;
  s.timezone = p.timezone;
  s.utc_offset = p.utc_offset;
  s.coordinator = p.coordinator;
  s.escalate_to = p.escalate_to;
  if (const auto* u = p.escalate_to.empty() ? nullptr : p.find_unit(p.escalate_to))
    s.escalate_to_unit = unit_view{u->id, u->name};
  auto& c = s.counts;
  for (const auto& d : ps.duties) {
    ++c.total;
    const auto ms = d.st.machine->state();
    if (ms.delivered() && !ms.terminal()) ++c.follow_up;
    const auto s4 = status_of(d.st);
    ++c.by_status[s4];
    switch (s4) {
      case duty_status::done_on_time:
      case duty_status::done_late: ++c.done; break;
      case duty_status::open_overdue: ++c.overdue; break;
      case duty_status::pending: ++c.pending; break;
      case duty_status::open_on_time:
      case duty_status::cancelled: break;
    }
  }
  return s;
}

std::vector<plan_summary> engine::plan_summaries() const {
  std::vector<plan_summary> out;
  for (const auto& [id, ps] : plans_) out.push_back(summary_of(*ps));
  return out;
}

result<plan_view> engine::read_plan(const std::string& plan_id, bool with_duties) const {
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + plan_id + "\"");
  const auto& ps = *it->second;
  // This plan's counts only: answering for one plan must not cost a walk over all of them.
  plan_view v;
  v.summary = summary_of(ps);
  for (const auto& m : ps.def->milestones)
    v.milestones.push_back(milestone_view{m.id, m.title, ps.milestones.at(m.id),
                                          m.window_from && m.window_to ? m.window_from : std::nullopt,
                                          m.window_from && m.window_to ? m.window_to : std::nullopt});
  for (const auto& u : ps.def->units) v.units.push_back(unit_view{u.id, u.name});
  for (const auto& g : ps.def->groups) v.groups.push_back(group_view{g.id, g.name, g.members});
  if (!with_duties) return v;
  auto& duties = v.duties.emplace();
  duties.reserve(ps.duties.size());
  for (const auto& d : ps.duties) {
    const auto ms = d.st.machine->state();
    duties.push_back(duty_brief{d.def->id, std::string(d.def->kind), d.def->title, d.st.owner, progress_of(ms),
                                timeliness_of(ms), status_of(d.st), d.st.deadline, d.st.version});
  }
  return v;
}

result<duty_view> engine::read_duty(const std::string& plan_id, const std::string& duty_id, const actor* caller,
                                    bool with_history) const {
  const plan_state* ps = nullptr;
  if (plans_.find(plan_id) == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + plan_id + "\"");
  const live_duty* d = find(plan_id, duty_id, &ps);
  if (!d) return make_error(errc::not_found, "unknown duty \"" + duty_id + "\" in plan " + plan_id);
  duty_view v = view_of(*ps, *d->def, d->st, caller);
  if (with_history) {
    auto rows = store_.history(plan_id, duty_id);
    if (!rows) return rows.err();
    auto& h = v.history.emplace();
    h.reserve(rows->size());
    for (auto& e : *rows)
      h.push_back(history_entry{e.seq, std::move(e.type), std::move(e.actor), e.at, std::move(e.note), std::move(e.data)});
  }
  return v;
}

std::vector<duty_view> engine::read_duties(const duty_filter& f, const actor* caller) const {
  std::vector<duty_view> out;
  // The state filter names a progress or a timeliness state; a name that is neither matches nothing.
  const auto progress = f.state.empty() ? std::nullopt : parse_progress_state(f.state);
  const auto timely = f.state.empty() ? std::nullopt : parse_timeliness(f.state);
  if (!f.state.empty() && !progress && !timely) return out;
  for (const auto& [id, ps] : plans_) {
    if (!f.plan.empty() && id != f.plan) continue;
    for (const auto& d : ps->duties) {
      if (!f.unit.empty() && d.st.owner != f.unit) continue;
      if (!f.state.empty()) {
        const auto ms = d.st.machine->state();
        if (!(progress && progress_of(ms) == *progress) && !(timely && timeliness_of(ms) == *timely)) continue;
      }
      if (f.overdue_only && status_of(d.st) != duty_status::open_overdue) continue;
      out.push_back(view_of(*ps, *d.def, d.st, caller));
    }
  }
  return out;
}

result<std::vector<outbox_row>> engine::notifications(const outbox_filter& filter) const {
  return store_.outbox(filter);
}

result<std::int64_t> engine::event_count() const { return store_.event_count(); }

result<std::map<std::string, std::int64_t>> engine::notification_counts() const { return store_.outbox_counts(); }

}  // namespace dutyflow

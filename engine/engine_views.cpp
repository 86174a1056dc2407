// The engine's read side: the JSON of plans and duties the API answers with (summaries,
// follow-ups, counts) and the store reads handed through to the adapters. Const; engine
// strand.
#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace dutyflow {

using nlohmann::json;

json engine::duty_summary(const plan_state& ps, const duty_def& def, const duty_state& st, const actor* caller) const {
  const auto& p = *ps.def;
  auto ms = st.machine->state();
  auto four = status_of(st);
  json j{{"plan", p.id},
         {"id", def.id},
         {"kind", def.kind},
         {"kind_label", def.machine_kind->label_vi()},
         {"title", def.title},
         {"owner", st.owner},
         {"collaborators", def.collaborators()},
         {"state",
          {{"progress", ms.progress->name},
           {"timeliness", ms.timeliness->name},
           {"progress_label", ms.progress->label_vi},
           {"timeliness_label", timeliness_label(st)}}},
         {"status", four.code},
         {"status_label", four.label_vi},
         {"due", def.due.to_json(p.utc_offset)},
         {"deadline", st.deadline ? json(p.format(*st.deadline)) : json(nullptr)},
         {"version", st.version},
         {"depends_on", def.depends_on()},
         {"allowed_events", allowed_events(def, st, caller)}};
  if (st.deadline) {
    j["deadline_date"] = format_date(deadline_date(*st.deadline, p.utc_offset));
    j["deadline_all_day"] = is_day_deadline(*st.deadline, p.utc_offset);
    j["deadline_text"] = vietnamese_deadline(*st.deadline, p.utc_offset);
  } else {
    j["deadline_date"] = nullptr;
    j["deadline_text"] = nullptr;
  }
  if (st.review_credit_minutes != 0) j["review_credit_minutes"] = st.review_credit_minutes;
  if (const auto* step = def.machine_kind->delivering_event()) {
    j["delivery"] = json{{"event", event_name(step->type)},
                         {"label", step->label_vi},
                         {"delivered_at", st.delivered() ? json(p.format(st.delivered_at)) : json(nullptr)},
                         {"late", st.delivered() ? json(st.delivered_late) : json(nullptr)}};
  }
  j["unit_part_open"] = ms.unit_part_open();
  j["follow_up"] = follow_up_json(p, def, st);
  if (st.escalated != duty_state::escalation::none && st.escalated != duty_state::escalation::nowhere) {
    const std::string to = st.escalated == duty_state::escalation::leader ? p.escalate_to : p.coordinator;
    const auto* u = p.find_unit(to);
    j["escalated_to"] = json{{"unit", to}, {"name", u ? u->name : to}};
  } else {
    j["escalated_to"] = nullptr;
  }
  if (!def.group.empty()) j["group"] = def.group;
  if (st.finished_at) j["finished_at"] = p.format(*st.finished_at);
  if (const auto* live = ps.find(def.id)) j["assigned_at"] = p.format(live->assigned_at);
  j["reminders"] = def.reminders->to_json();
  return j;
}

json engine::follow_up_json(const plan& p, const duty_def& def, const duty_state& st) const {
  const auto ms = st.machine->state();
  if (!ms.delivered() || ms.terminal()) return nullptr;
  json events = json::array();
  std::string labels;
  for (const auto& spec : def.machine_kind->events()) {
    if (spec.by != who::coordinator || spec.type == event_type::cancel || spec.type == event_type::reassign) continue;
    if (!st.machine->accepts(spec.type)) continue;
    events.push_back(event_name(spec.type));
    labels += (labels.empty() ? "" : " / ") + std::string(spec.label_vi);
  }
  if (events.empty()) return nullptr;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - st.delivered_at).count();
  return json{{"by", "coordinator"},
              {"events", events},
              {"label", "Chờ cơ quan chủ trì: " + labels},
              {"since", p.format(st.delivered_at)},
              {"waited_seconds", std::max<std::int64_t>(0, waited)}};
}

json engine::plan_summary(const plan_state& ps) const {
  auto j = ps.def->header_json();
  if (const auto* u = ps.def->escalate_to.empty() ? nullptr : ps.def->find_unit(ps.def->escalate_to))
    j["escalate_to"] = json{{"unit", u->id}, {"name", u->name}};
  int total = 0, done = 0, overdue = 0, pending = 0, follow_up = 0;
  json by_status = json::object();
  for (const auto& d : ps.duties) {
    ++total;
    const auto ms = d.st.machine->state();
    if (ms.delivered() && !ms.terminal()) ++follow_up;
    auto s = status_of(d.st);
    by_status[std::string(s.code)] = by_status.value(std::string(s.code), 0) + 1;
    if (s.code == "done_on_time" || s.code == "done_late") ++done;
    if (s.code == "open_overdue") ++overdue;
    if (s.code == "pending") ++pending;
  }
  j["counts"] = json{{"total", total},     {"done", done},           {"overdue", overdue},
                     {"pending", pending}, {"follow_up", follow_up}, {"by_status", by_status}};
  return j;
}

std::vector<json> engine::plans_json() const {
  std::vector<json> out;
  for (const auto& [id, ps] : plans_) out.push_back(plan_summary(*ps));
  return out;
}

result<json> engine::plan_json(const std::string& plan_id, bool with_duties) const {
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + plan_id + "\"");
  const auto& ps = *it->second;
  // This plan's counts only: answering for one plan must not cost a walk over all of them.
  json j = plan_summary(ps);
  json ms = json::array();
  for (const auto& m : ps.def->milestones) {
    auto cur = ps.milestones.at(m.id);
    json mj{{"id", m.id}, {"title", m.title}, {"at", cur ? json(ps.def->format(*cur)) : json(nullptr)}};
    if (m.window_from && m.window_to)
      mj["window"] = {{"from", format_date(*m.window_from)}, {"to", format_date(*m.window_to)}};
    ms.push_back(mj);
  }
  j["milestones"] = ms;
  json units = json::array();
  for (const auto& u : ps.def->units) units.push_back(json{{"id", u.id}, {"name", u.name}});
  j["units"] = units;
  json groups = json::array();
  for (const auto& g : ps.def->groups) groups.push_back(json{{"id", g.id}, {"name", g.name}, {"members", g.members}});
  j["groups"] = groups;
  if (!with_duties) return j;
  json duties = json::array();
  for (const auto& d : ps.duties) {
    auto st = d.st.machine->state();
    duties.push_back(json{{"id", d.def->id},
                          {"kind", d.def->kind},
                          {"title", d.def->title},
                          {"owner", d.st.owner},
                          {"state", {{"progress", st.progress->name}, {"timeliness", st.timeliness->name}}},
                          {"status", status_of(d.st).code},
                          {"deadline", d.st.deadline ? json(ps.def->format(*d.st.deadline)) : json(nullptr)},
                          {"deadline_text", d.st.deadline ? json(vietnamese_deadline(*d.st.deadline, ps.def->utc_offset))
                                                          : json(nullptr)},
                          {"version", d.st.version}});
  }
  j["duties"] = duties;
  return j;
}

result<json> engine::duty_json(const std::string& plan_id, const std::string& duty_id, const actor* caller,
                               bool with_history) const {
  const plan_state* ps = nullptr;
  if (plans_.find(plan_id) == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + plan_id + "\"");
  const live_duty* d = find(plan_id, duty_id, &ps);
  if (!d) return make_error(errc::not_found, "unknown duty \"" + duty_id + "\" in plan " + plan_id);
  json j = duty_summary(*ps, *d->def, d->st, caller);
  if (with_history) {
    auto rows = store_.history(plan_id, duty_id);
    if (!rows) return rows.err();
    json h = json::array();
    for (const auto& e : *rows)
      h.push_back(json{{"seq", e.seq}, {"event", e.type}, {"actor", e.actor}, {"at", ps->def->format(e.at)},
                       {"note", e.note}, {"data", e.data}});
    j["history"] = h;
  }
  return j;
}

std::vector<json> engine::duties_json(const duty_filter& f, const actor* caller) const {
  std::vector<json> out;
  for (const auto& [id, ps] : plans_) {
    if (!f.plan.empty() && id != f.plan) continue;
    for (const auto& d : ps->duties) {
      if (!f.unit.empty() && d.st.owner != f.unit) continue;
      if (!f.state.empty()) {
        auto st = d.st.machine->state();
        if (st.progress->name != f.state && st.timeliness->name != f.state) continue;
      }
      if (f.overdue_only && status_of(d.st).code != "open_overdue") continue;
      out.push_back(duty_summary(*ps, *d.def, d.st, caller));
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

#include "adapters/http/json_views.h"

namespace dutyflow::http {

using nlohmann::json;

namespace {

json iso(const std::optional<instant>& t, std::chrono::minutes offset) {
  return t ? json(format_instant(*t, offset)) : json(nullptr);
}

json names(const std::vector<event_type>& events) {
  json out = json::array();
  for (auto t : events) out.push_back(event_name(t));
  return out;
}

// The plan file's notation of a due rule (plan.h's due_spec::to_json).
json due_json(const due_view& d, std::chrono::minutes offset) {
  switch (d.kind) {
    case due_spec::type::none: return nullptr;
    case due_spec::type::at: return json{{"at", format_instant(d.at, offset)}};
    case due_spec::type::milestone: return json{{"milestone", d.milestone}, {"offset", d.offset.text()}};
    case due_spec::type::after_assigned: return json{{"after", "assigned"}, {"working_days", d.working_days}};
  }
  return nullptr;
}

}  // namespace

json to_json(const history_entry& e, std::chrono::minutes offset) {
  return json{{"seq", e.seq},   {"event", e.event}, {"actor", e.actor}, {"at", format_instant(e.at, offset)},
              {"note", e.note}, {"data", e.data}};
}

json to_json(const duty_view& d) {
  const auto tz = d.utc_offset;
  json j{{"plan", d.plan},
         {"id", d.id},
         {"kind", d.kind},
         {"kind_label", d.kind_label},
         {"title", d.title},
         {"owner", d.owner},
         {"collaborators", d.collaborators},
         {"state",
          {{"progress", api_name(d.progress)},
           {"timeliness", api_name(d.timeliness)},
           {"progress_label", label_vi(d.progress)},
           {"timeliness_label", label_vi(d.timeliness, d.escalated)}}},
         {"status", api_name(d.status)},
         {"status_label", label_vi(d.status)},
         {"due", due_json(d.due, tz)},
         {"deadline", iso(d.deadline, tz)},
         {"version", d.version},
         {"depends_on", d.depends_on},
         {"allowed_events", names(d.allowed_events)}};
  if (d.deadline) {
    j["deadline_date"] = format_date(deadline_date(*d.deadline, tz));
    j["deadline_all_day"] = is_day_deadline(*d.deadline, tz);
    j["deadline_text"] = vietnamese_deadline(*d.deadline, tz);
  } else {
    j["deadline_date"] = nullptr;
    j["deadline_text"] = nullptr;
  }
  if (d.review_credit_minutes != 0) j["review_credit_minutes"] = d.review_credit_minutes;
  if (d.delivery) {
    const auto& v = *d.delivery;
    j["delivery"] = json{{"event", event_name(v.event)},
                         {"label", v.label},
                         {"delivered_at", iso(v.delivered_at, tz)},
                         {"late", v.delivered_at ? json(v.late) : json(nullptr)}};
  }
  j["unit_part_open"] = d.unit_part_open;
  if (d.follow_up) {
    const auto& f = *d.follow_up;
    j["follow_up"] = json{{"by", "coordinator"},
                          {"events", names(f.events)},
                          {"label", f.label},
                          {"since", format_instant(f.since, tz)},
                          {"waited_seconds", f.waited_seconds}};
  } else {
    j["follow_up"] = nullptr;
  }
  j["escalated_to"] = d.escalated_to ? json{{"unit", d.escalated_to->id}, {"name", d.escalated_to->name}} : json(nullptr);
  if (!d.group.empty()) j["group"] = d.group;
  if (d.finished_at) j["finished_at"] = format_instant(*d.finished_at, tz);
  if (d.assigned_at) j["assigned_at"] = format_instant(*d.assigned_at, tz);
  j["reminders"] = d.reminders ? d.reminders->to_json() : reminder_policy{}.to_json();
  if (d.history) {
    json h = json::array();
    for (const auto& e : *d.history) h.push_back(to_json(e, tz));
    j["history"] = std::move(h);
  }
  return j;
}

std::vector<json> to_json(const std::vector<duty_view>& duties) {
  std::vector<json> out;
  out.reserve(duties.size());
  for (const auto& d : duties) out.push_back(to_json(d));
  return out;
}

json to_json(const duty_answer& a) {
  if (!a.legacy.is_null()) return a.legacy;
  json j = to_json(a.duty);
  j["event"] = to_json(a.event, a.duty.utc_offset);
  return j;
}

json to_json(const plan_summary& p) {
  json by_status = json::object();
  for (const auto& [s4, n] : p.counts.by_status) by_status[std::string(api_name(s4))] = n;
  const auto& c = p.counts;
  return json{{"id", p.id},
              {"number", p.number},
              {"title", p.title},
              {"issuer", p.issuer},
              {"issued_on", format_date(p.issued_on)},
              {"timezone", p.timezone},
              {"coordinator", p.coordinator},
              {"escalate_to", p.escalate_to_unit ? json{{"unit", p.escalate_to_unit->id}, {"name", p.escalate_to_unit->name}}
                              : p.escalate_to.empty() ? json(nullptr)
                                                      : json(p.escalate_to)},
              {"counts", json{{"total", c.total},
                              {"done", c.done},
                              {"overdue", c.overdue},
                              {"pending", c.pending},
                              {"follow_up", c.follow_up},
                              {"by_status", by_status}}}};
}

std::vector<json> to_json(const std::vector<plan_summary>& plans) {
  std::vector<json> out;
  out.reserve(plans.size());
  for (const auto& p : plans) out.push_back(to_json(p));
  return out;
}

json to_json(const plan_view& p) {
  const auto tz = p.summary.utc_offset;
  json j = to_json(p.summary);
  json ms = json::array();
  for (const auto& m : p.milestones) {
    json mj{{"id", m.id}, {"title", m.title}, {"at", iso(m.at, tz)}};
    if (m.window_from && m.window_to)
      mj["window"] = {{"from", format_date(*m.window_from)}, {"to", format_date(*m.window_to)}};
    ms.push_back(std::move(mj));
  }
  j["milestones"] = std::move(ms);
  json units = json::array();
  for (const auto& u : p.units) units.push_back(json{{"id", u.id}, {"name", u.name}});
  j["units"] = std::move(units);
  json groups = json::array();
  for (const auto& g : p.groups) groups.push_back(json{{"id", g.id}, {"name", g.name}, {"members", g.members}});
  j["groups"] = std::move(groups);
  if (!p.duties) return j;
  json duties = json::array();
  for (const auto& d : *p.duties) {
    duties.push_back(json{{"id", d.id},
                          {"kind", d.kind},
                          {"title", d.title},
                          {"owner", d.owner},
                          {"state", {{"progress", api_name(d.progress)}, {"timeliness", api_name(d.timeliness)}}},
                          {"status", api_name(d.status)},
                          {"deadline", iso(d.deadline, tz)},
                          {"deadline_text", d.deadline ? json(vietnamese_deadline(*d.deadline, tz)) : json(nullptr)},
                          {"version", d.version}});
  }
  j["duties"] = std::move(duties);
  return j;
}

json to_json(const milestone_change& c) {
  json changed = json::array();
  for (const auto& m : c.changed)
    changed.push_back(json{{"duty", m.duty}, {"from", iso(m.from, c.utc_offset)}, {"to", iso(m.to, c.utc_offset)}});
  return json{{"plan", c.plan}, {"milestone", c.milestone}, {"at", format_instant(c.at, c.utc_offset)}, {"changed", changed}};
}

}  // namespace dutyflow::http

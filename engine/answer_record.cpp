// The storage form of an idempotent answer (engine/read_model.h: answer_record): what the
// journal database keeps so that a retry after a restart gets the first answer back. Every
// field of the answer is kept as it was when the answer was first given (the follow-up's
// waited seconds, the caller's allowed events), instants as microseconds since the epoch
// so that they come back exactly. Rows without "record" are the API's JSON stored by an
// older dutyflow, handed back untouched.
#include "engine/read_model.h"

namespace dutyflow {

using nlohmann::json;

namespace {

constexpr int record_version = 1;

json micros(instant t) { return t.time_since_epoch().count(); }
json micros(const std::optional<instant>& t) { return t ? micros(*t) : json(nullptr); }

std::optional<instant> instant_at(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return instant{std::chrono::microseconds{it->get<std::int64_t>()}};
}

std::string_view route_name(escalation_route r) {
  switch (r) {
    case escalation_route::none: return "none";
    case escalation_route::leader: return "leader";
    case escalation_route::coordinator: return "coordinator";
    case escalation_route::nowhere: return "nowhere";
  }
  return "none";
}

escalation_route route_named(std::string_view name) {
  if (name == "leader") return escalation_route::leader;
  if (name == "coordinator") return escalation_route::coordinator;
  if (name == "nowhere") return escalation_route::nowhere;
  return escalation_route::none;
}

json event_names(const std::vector<event_type>& events) {
  json out = json::array();
  for (auto t : events) out.push_back(event_name(t));
  return out;
}

std::vector<event_type> events_named(const json& names) {
  std::vector<event_type> out;
  if (!names.is_array()) return out;
  for (const auto& n : names) {
    event_type t{};
    if (n.is_string() && parse_event_name(n.get<std::string>(), t)) out.push_back(t);
  }
  return out;
}

std::optional<duration_spec> duration_at(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  auto d = parse_duration(it->get<std::string>());
  return d ? std::optional<duration_spec>(*d) : std::nullopt;
}

json duty_record(const duty_view& v) {
  json due{{"kind", static_cast<int>(v.due.kind)},
           {"at", micros(v.due.at)},
           {"milestone", v.due.milestone},
           {"offset", v.due.offset.text()},
           {"working_days", v.due.working_days}};
  json j{{"plan", v.plan},
         {"id", v.id},
         {"kind", v.kind},
         {"kind_label", v.kind_label},
         {"title", v.title},
         {"owner", v.owner},
         {"group", v.group},
         {"collaborators", v.collaborators},
         {"depends_on", v.depends_on},
         {"progress", api_name(v.progress)},
         {"timeliness", api_name(v.timeliness)},
         {"escalated", route_name(v.escalated)},
         {"escalated_to", v.escalated_to ? json{{"unit", v.escalated_to->id}, {"name", v.escalated_to->name}}
                                         : json(nullptr)},
         {"status", api_name(v.status)},
         {"due", due},
         {"deadline", micros(v.deadline)},
         {"utc_offset", v.utc_offset.count()},
         {"version", v.version},
         {"allowed_events", event_names(v.allowed_events)},
         {"review_credit_minutes", v.review_credit_minutes},
         {"unit_part_open", v.unit_part_open},
         {"finished_at", micros(v.finished_at)},
         {"assigned_at", micros(v.assigned_at)},
         {"reminders", v.reminders ? v.reminders->to_json() : json(nullptr)}};
  if (v.delivery)
    j["delivery"] = json{{"event", event_name(v.delivery->event)},
                         {"label", v.delivery->label},
                         {"delivered_at", micros(v.delivery->delivered_at)},
                         {"late", v.delivery->late}};
  if (v.follow_up)
    j["follow_up"] = json{{"events", event_names(v.follow_up->events)},
                          {"label", v.follow_up->label},
                          {"since", micros(v.follow_up->since)},
                          {"waited_seconds", v.follow_up->waited_seconds}};
  return j;
}

duty_view duty_of(const json& j) {
  auto str = [&](const json& o, const char* key) { return o.value(key, std::string()); };
  duty_view v;
  v.plan = str(j, "plan");
  v.id = str(j, "id");
  v.kind = str(j, "kind");
  v.kind_label = str(j, "kind_label");
  v.title = str(j, "title");
  v.owner = str(j, "owner");
  v.group = str(j, "group");
  v.collaborators = j.value("collaborators", std::vector<std::string>{});
  v.depends_on = j.value("depends_on", std::vector<std::string>{});
  v.progress = parse_progress_state(str(j, "progress")).value_or(progress_state::assigned);
  v.timeliness = parse_timeliness(str(j, "timeliness")).value_or(timeliness::on_track);
  v.escalated = route_named(str(j, "escalated"));
  if (auto e = j.find("escalated_to"); e != j.end() && e->is_object())
    v.escalated_to = unit_view{str(*e, "unit"), str(*e, "name")};
  v.status = parse_duty_status(str(j, "status")).value_or(duty_status::pending);
  if (auto d = j.find("due"); d != j.end() && d->is_object()) {
    v.due.kind = static_cast<due_spec::type>(d->value("kind", 0));
    v.due.at = instant_at(*d, "at").value_or(instant{});
    v.due.milestone = str(*d, "milestone");
    v.due.offset = duration_at(*d, "offset").value_or(duration_spec{});
    v.due.working_days = d->value("working_days", 0);
  }
  v.deadline = instant_at(j, "deadline");
  v.utc_offset = std::chrono::minutes{j.value("utc_offset", 420)};
  v.version = j.value("version", std::int64_t{0});
  v.allowed_events = events_named(j.value("allowed_events", json::array()));
  v.review_credit_minutes = j.value("review_credit_minutes", 0);
  v.unit_part_open = j.value("unit_part_open", true);
  v.finished_at = instant_at(j, "finished_at");
  v.assigned_at = instant_at(j, "assigned_at");
  auto policy = std::make_shared<reminder_policy>();
  if (auto r = j.find("reminders"); r != j.end() && r->is_object()) {
    for (const auto& b : r->value("before", json::array()))
      if (b.is_string())
        if (auto d = parse_duration(b.get<std::string>())) policy->before.push_back(*d);
    policy->overdue_every = duration_at(*r, "overdue_every");
    policy->escalate_after = duration_at(*r, "escalate_after");
  }
  v.reminders = std::move(policy);
  if (auto d = j.find("delivery"); d != j.end() && d->is_object()) {
    delivery_view dv;
    parse_event_name(str(*d, "event"), dv.event);
    dv.label = str(*d, "label");
    dv.delivered_at = instant_at(*d, "delivered_at");
    dv.late = d->value("late", false);
    v.delivery = std::move(dv);
  }
  if (auto f = j.find("follow_up"); f != j.end() && f->is_object()) {
    follow_up_view fv;
    fv.events = events_named(f->value("events", json::array()));
    fv.label = str(*f, "label");
    fv.since = instant_at(*f, "since").value_or(instant{});
    fv.waited_seconds = f->value("waited_seconds", std::int64_t{0});
    v.follow_up = std::move(fv);
  }
  return v;
}

}  // namespace

json answer_record(const duty_answer& a) {
  if (!a.legacy.is_null()) return a.legacy;
  const auto& e = a.event;
  return json{{"record", record_version},
              {"duty", duty_record(a.duty)},
              {"event", json{{"seq", e.seq},
                             {"event", e.event},
                             {"actor", e.actor},
                             {"at", micros(e.at)},
                             {"note", e.note},
                             {"data", e.data}}}};
}

duty_answer answer_from_record(const json& record) {
  duty_answer a;
  if (!record.is_object() || record.value("record", 0) != record_version || !record.contains("duty") ||
      !record["duty"].is_object() || !record.contains("event") || !record["event"].is_object()) {
    a.legacy = record;
    return a;
  }
  try {
    a.duty = duty_of(record["duty"]);
    const auto& e = record["event"];
    a.event = history_entry{e.value("seq", std::int64_t{0}), e.value("event", std::string()),
                            e.value("actor", std::string()), instant_at(e, "at").value_or(instant{}),
                            e.value("note", std::string()), e.value("data", json::object())};
  } catch (const json::exception&) {
    a = duty_answer{};
    a.legacy = record;  // a record this dutyflow cannot read: handed back as it is
  }
  return a;
}

}  // namespace dutyflow

#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

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

namespace {

// Escalations of such a plan go to its coordinator, and nowhere for the coordinator's own
// duties: said once per plan at every start.
void warn_without_leaders(const plan& p) {
  if (p.escalate_to.empty())
    spdlog::warn("engine: plan {} names no escalate_to unit: escalations go to its coordinator {} (and nowhere "
                 "for the coordinator's own duties)",
                 p.id, p.coordinator);
}

}  // namespace

int days_late(instant deadline, instant at, std::chrono::minutes utc_offset) {
  const auto from = std::chrono::sys_days{deadline_date(deadline, utc_offset)};
  const auto to = std::chrono::sys_days{local_date(at, utc_offset)};
  return std::max(0, static_cast<int>((to - from).count()));
}

bool may_fire(const event_spec& spec, const actor& by, const std::string& owner) {
  bool is_owner = (by.role == role::unit || by.role == role::coordinator) && !by.unit.empty() && by.unit == owner;
  bool is_coordinator = by.role == role::coordinator;
  switch (spec.by) {
    case who::owner: return is_owner;
    case who::coordinator: return is_coordinator;
    case who::owner_or_coordinator: return is_owner || is_coordinator;
    case who::system: return by.role == role::system;
  }
  return false;
}

namespace {

std::string key_time(instant t) { return format_instant(t, std::chrono::minutes{0}); }

// An http(s) URL: the scheme, a host, and no blank or control character anywhere. Written
// out by hand: std::regex recurses per character and a 40,000-character URL overflowed
// the engine thread's stack. The length is capped before anything else is looked at.
bool is_http_url(std::string_view s) {
  if (s.size() > data_caps::string_bytes) return false;
  auto lower_starts = [&](std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
  };
  std::string_view rest;
  if (lower_starts("https://")) rest = s.substr(8);
  else if (lower_starts("http://")) rest = s.substr(7);
  else return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  auto host = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (host.empty() || host.front() == '.' || host.front() == '$' || host.front() == ':') return false;
  return true;
}

// Checks the note and data an event carries against its spec (workflow.h: requirement,
// data_caps); empty string when fine, else the reason. Only the field the event declares
// may be present: anything else is refused by name, so the journal holds only what the
// event means (a comment takes a note, never data).
std::string check_requirement(const event_spec& spec, const command& cmd, const plan& p) {
  const auto field = std::string(spec.field);
  const bool takes_data = spec.needs != requirement::none && spec.needs != requirement::note;
  if (cmd.note.size() > data_caps::note_bytes)
    return "note is longer than " + std::to_string(data_caps::note_bytes) + " bytes";
  if (!cmd.data.is_null() && !cmd.data.is_object()) return "data must be an object";
  if (cmd.data.is_object()) {
    std::string unknown;
    std::size_t named = 0;
    for (const auto& [k, v] : cmd.data.items()) {
      if (takes_data && k == field) continue;
      if (++named > 10) {
        unknown += ", ...";
        break;
      }
      unknown += (unknown.empty() ? "" : ", ") + k.substr(0, 64);
    }
    if (!unknown.empty())
      return "event \"" + std::string(event_name(spec.type)) + "\" takes " +
             (takes_data ? "only data." + field : std::string("no data")) + "; refused: " + unknown;
  }
  auto value = [&]() -> const json* {
    if (!cmd.data.is_object()) return nullptr;
    auto it = cmd.data.find(field);
    return it == cmd.data.end() ? nullptr : &*it;
  };
  auto too_long = [&](const json& v) { return v.is_string() && v.get_ref<const std::string&>().size() > data_caps::string_bytes; };
  const std::string cap = " (at most " + std::to_string(data_caps::string_bytes) + " bytes)";
  switch (spec.needs) {
    case requirement::none: return {};
    case requirement::note:
      return cmd.note.find_first_not_of(" \t\r\n") == std::string::npos
                 ? "event \"" + std::string(event_name(spec.type)) + "\" needs a note (the reason)"
                 : std::string{};
    case requirement::data_string: {
      auto v = value();
      if (!v || !v->is_string() || v->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)
        return "data." + field + " must be a non-empty string";
      if (too_long(*v)) return "data." + field + " is too long" + cap;
      return {};
    }
    case requirement::data_url: {
      auto v = value();
      if (v && too_long(*v)) return "data." + field + " is too long" + cap;
      if (!v || !v->is_string() || !is_http_url(v->get_ref<const std::string&>()))
        return "data." + field + " must be an http(s) URL";
      return {};
    }
    case requirement::data_count: {
      auto v = value();
      if (!v || !v->is_number_integer() || v->get<std::int64_t>() < 0)
        return "data." + field + " must be a whole number >= 0";
      return {};
    }
    case requirement::data_unit: {
      auto v = value();
      if (!v || !v->is_string() || !valid_id(v->get_ref<const std::string&>())) return "data." + field + " must be a unit id";
      if (!p.find_unit(v->get<std::string>())) return "data." + field + ": unknown unit \"" + v->get<std::string>() + "\"";
      return {};
    }
    case requirement::data_list: {
      auto v = value();
      if (!v || !v->is_array() || v->empty()) return "data." + field + " must be a non-empty list";
      if (v->size() > data_caps::list_items)
        return "data." + field + " lists more than " + std::to_string(data_caps::list_items) + " items";
      std::size_t total = 0;
      for (const auto& item : *v) {
        if (!item.is_string() || item.get<std::string>().empty())
          return "data." + field + " must list non-empty strings";
        if (too_long(item)) return "data." + field + " has an item that is too long" + cap;
        total += item.get_ref<const std::string&>().size();
      }
      if (total > data_caps::data_bytes)
        return "data is larger than " + std::to_string(data_caps::data_bytes) + " bytes";
      return {};
    }
  }
  return {};
}

}  // namespace

engine::engine(store& db, const kind_registry& kinds, const clock_source& clock, const working_calendar& calendar,
               engine_options options)
    : store_(db), kinds_(kinds), clock_(clock), calendar_(calendar), options_(std::move(options)) {}

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

four_state engine::status_of(const duty_state& st) const {
  auto ms = st.machine->state();
  if (ms.progress && ms.progress->name == "Cancelled") return {"cancelled", "Đã hủy"};
  // QĐ 42/2014 judges the unit's task: once the unit has delivered its part, what the
  // coordinator does afterwards (approve, present, mark attended) is not the unit's time.
  if (st.delivered())
    return st.delivered_late ? four_state{"done_late", "Hoàn thành quá hạn"}
                             : four_state{"done_on_time", "Hoàn thành đúng hạn"};
  if (ms.progress && ms.progress->name == "Done")
    return st.finished_late ? four_state{"done_late", "Hoàn thành quá hạn"}
                            : four_state{"done_on_time", "Hoàn thành đúng hạn"};
  if (!st.deadline) return {"pending", "Chờ ấn định"};
  instant reference = st.finished_at ? *st.finished_at : clock_.now();
  return reference > *st.deadline ? four_state{"open_overdue", "Chưa hoàn thành quá hạn"}
                                   : four_state{"open_on_time", "Chưa hoàn thành trong hạn"};
}

std::string_view engine::timeliness_label(const duty_state& st) const {
  const auto ms = st.machine->state();
  if (ms.timeliness->name != "Escalated") return ms.timeliness->label_vi;
  switch (st.escalated) {
    case duty_state::escalation::leader: return ms.timeliness->label_vi;  // "Đã báo lãnh đạo"
    case duty_state::escalation::coordinator: return "Đã báo cơ quan chủ trì";
    case duty_state::escalation::nowhere: return "Quá hạn (chưa có nơi nhận báo cáo)";
    case duty_state::escalation::none: break;
  }
  return "Đã báo cơ quan chủ trì";  // journals from before escalations named their receiver
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

std::vector<std::string> engine::allowed_events(const duty_def& def, const duty_state& st, const actor* caller) const {
  std::vector<std::string> out;
  for (const auto& spec : def.machine_kind->events()) {
    if (spec.by == who::system) continue;
    if (caller && !may_fire(spec, *caller, st.owner)) continue;
    if (!st.machine->accepts(spec.type)) continue;
    out.emplace_back(event_name(spec.type));
  }
  return out;
}

void engine::queue_notification(batch& b, const plan_state& ps, const live_duty& d, std::string_view reason,
                                const std::string& unit, instant at, json payload) {
  outbox_row o;
  o.plan = ps.def->id;
  o.duty = d.def->id;
  o.unit = unit;
  o.reason = std::string(reason);
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
    std::vector<std::string> allowed = allowed_events(*d->def, current, &cmd.by);
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
    if (eff.reason == "escalation") {
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
                                     type == event_type::reassign ? duty_row::how::update_owner : duty_row::how::update});
  applied out{ps->def->id, d->def->id, view.version, 0, json(), false};
  if (cmd.want_answer || !idem_key.empty()) {
    out.answer = duty_summary(*ps, *d->def, view, &cmd.by);
    out.answer["event"] = json{{"seq", e.seq}, {"event", e.type}, {"actor", e.actor},
                               {"at", ps->def->format(e.at)}, {"note", e.note}, {"data", e.data}};
  }
  if (!idem_key.empty()) {
    b.writes.idempotency.push_back(idempotency_row{idem_key, fingerprint_of(cmd), e.plan, e.duty, view.version, 0,
                                                   b.writes.events.size(), out.answer, now});
    b.answers[idem_key] = idempotent_answer{fingerprint_of(cmd), out};
  }
  b.writes.events.push_back(std::move(e));
  // A part reopened after its deadline passed is overdue again at once: its due points fire
  // in this batch, so that no crash can fall between the answer and them.
  if (reopened) fire_points(b, *ps, *d, now, true);
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
  const std::int64_t through_before = last_outbox_id_;
  for (const auto& o : b.writes.outbox) last_outbox_id_ = std::max(last_outbox_id_, o.id);
  notify_observers(b.writes);
  for (auto& [d, staged] : b.changes) {
    d->st = std::move(staged);
    schedule(*d->plan, *d);
  }
  for (auto& k : b.writes.idempotency) {
    auto& entry = b.answers[k.key];
    entry.answer.event_id = k.event_id;
    answers_[k.key] = std::move(entry);
  }
  for (auto& fn : b.after_commit) fn();
  for (auto* d : b.progress_only) defer_progress(*d, through_before);
  return ok_status();
}

result<applied> engine::apply(const command& cmd) {
  auto out = apply_batch(std::span<const command>(&cmd, 1));
  return std::move(out.front());
}

std::vector<result<applied>> engine::apply_batch(std::span<const command> cmds) {
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

result<bool> engine::load(const plan_load& loaded, const actor& by) {
  const auto& p = loaded.value;
  if (auto it = plans_.find(p->id); it != plans_.end()) {
    // Only the hash stays in memory; a hash match is confirmed against the stored text.
    if (it->second->def->canonical_hash == canonical_hash(loaded.canonical)) {
      auto rows = store_.plans();
      if (!rows) return rows.err();
      for (const auto& r : *rows)
        if (r.id == p->id && r.content == loaded.canonical) return false;
    }
    return make_error(errc::conflict, "plan \"" + p->id + "\" is already loaded with other content",
                      json{{"plan", p->id}});
  }
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
    queue_notification(b, *ps, d, "assigned", d.st.owner, now, std::move(payload));
  }
  if (auto s = store_.commit(b.writes); !s) return s.err();
  spdlog::info("engine: loaded plan {} ({}) with {} duties", p->id, p->number, p->duties.size());
  warn_without_leaders(*p);
  auto& installed = *plans_.emplace(p->id, std::move(ps)).first->second;
  for (auto& d : installed.duties) schedule(installed, d);
  notify_observers(b.writes);
  return true;
}

result<json> engine::set_milestone(const std::string& plan_id, const std::string& milestone, instant at,
                                   const actor& by, bool confirm_past) {
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return make_error(errc::not_found, "unknown plan \"" + plan_id + "\"");
  auto& ps = *it->second;
  if (by.role != role::coordinator && by.role != role::system)
    return make_error(errc::forbidden, "only a coordinator may set a milestone");
  auto mit = ps.milestones.find(milestone);
  if (mit == ps.milestones.end())
    return make_error(errc::not_found, "plan " + plan_id + " has no milestone \"" + milestone + "\"");
  const auto previous = mit->second;
  const instant now = clock_.now();
  const auto& p = *ps.def;

  batch b;
  json data{{"milestone", milestone},
            {"at", p.format(at)},
            {"previous", previous ? json(p.format(*previous)) : json(nullptr)}};
  b.writes.events.push_back(event_row{0, p.id, "", ps.plan_seq + 1, "milestone_set", by.name, now, "", data});

  // New deadlines are computed against the new value; live state changes only after the commit.
  mit->second = at;
  struct change {
    live_duty* d;
    std::optional<instant> to;
  };
  std::vector<change> changes;
  for (auto& d : ps.duties) {
    if (d.def->due.kind != due_spec::type::milestone || d.def->due.milestone != milestone) continue;
    auto to = resolve_deadline(ps, d);
    if (to != d.st.deadline) changes.push_back({&d, to});
  }
  mit->second = previous;

  if (at < now && !confirm_past) {
    // What a date in the past would set off at once: the due-soon, overdue and escalation
    // points already passed (reminders before a new deadline that are past are never sent).
    int fires = 0;
    for (const auto& c : changes) {
      if (!c.to || !c.d->st.machine->state().unit_part_open()) continue;
      duty_state trial = c.d->st.copy();
      std::vector<effect> ignored;
      trial.machine->fire(event_type::deadline_changed, ignored);
      trial.deadline = c.to;
      for (const auto& pt : points_of(ps, *c.d, trial))
        if (pt.fire_at <= now && (pt.kind == point::what::due_soon || pt.kind == point::what::overdue ||
                                  pt.kind == point::what::escalate))
          ++fires;
    }
    return make_error(errc::conflict,
                      "the date " + p.format(at) + " is before the daemon's clock (" + p.format(now) + "): " +
                          std::to_string(fires) + " due-soon/overdue/escalation point(s) would fire at once; confirm "
                          "with ?confirm=past",
                      json{{"confirm", "past"}, {"now", p.format(now)}, {"fires", fires}});
  }

  const auto* mdef = p.find_milestone(milestone);
  json milestone_json{{"id", milestone}, {"title", mdef ? mdef->title : milestone}, {"at", p.format(at)}};
  json changed = json::array();
  for (const auto& c : changes) {
    // A finished duty, and a unit's part already delivered, keep the deadline they were
    // judged against.
    if (!c.d->st.machine->state().unit_part_open()) continue;
    auto next = c.d->st.machine->clone();
    std::vector<effect> effects;
    if (!next->fire(event_type::deadline_changed, effects)) continue;
    auto& view = b.view(*c.d);
    const auto from = view.deadline;
    view.machine = std::move(next);
    view.version += 1;
    view.deadline = c.to;
    // Points of the new deadline that are already past are not sent late.
    view.reminded_until = now;
    json ev{{"from", from ? json(p.format(*from)) : json(nullptr)},
            {"to", c.to ? json(p.format(*c.to)) : json(nullptr)},
            {"milestone", milestone}};
    b.writes.events.push_back(event_row{0, p.id, c.d->def->id, view.version, "deadline_changed", by.name, now, "", ev});
    auto st = view.machine->state();
    b.writes.duties.push_back(duty_row{p.id, c.d->def->id, std::string(c.d->def->kind), view.owner, std::string(st.progress->name),
                                       std::string(st.timeliness->name), view.version, view.deadline, now,
                                       view.finished_at, view.finished_late, view.reminded_until,
                                       duty_row::how::update});
    queue_notification(b, ps, *c.d, from ? "deadline_changed" : "deadline_set", view.owner, now,
                       json{{"title", c.d->def->title},
                            {"from", ev["from"]},
                            {"to", ev["to"]},
                            {"milestone", milestone_json},
                            {"progress", st.progress->name}});
    changed.push_back(json{{"duty", c.d->def->id}, {"from", ev["from"]}, {"to", ev["to"]}});
  }
  b.after_commit.push_back([&ps, mit, at] {
    mit->second = at;
    ps.plan_seq += 1;
  });
  if (auto s = commit(b); !s) return s.err();
  spdlog::info("engine: {} milestone {} set to {} by {}; {} deadline(s) changed", p.id, milestone, p.format(at),
               by.name, changed.size());
  return json{{"plan", p.id}, {"milestone", milestone}, {"at", p.format(at)}, {"changed", changed}};
}

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
  heap_.clear();
  unflushed_.clear();
  replay_plan_ = nullptr;
  plans_.clear();
  answers_.clear();
  replay_mismatches_ = 0;
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
    auto replayed = store_.scan_journal([&](const event_view& e) {
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
  last_outbox_id_ = progress->last_outbox_id;
  flushed_through_ = progress->flushed_through;
  for (const auto& r : progress->duties) {
    auto it = plans_.find(r.plan);
    live_duty* d = it == plans_.end() ? nullptr : it->second->find(r.duty);
    if (!d || r.point <= d->st.reminded_until) continue;
    d->st.reminded_until = r.point;
    defer_progress(*d, flushed_through_);
  }
  if (!progress->duties.empty())
    spdlog::info("engine: reminder progress of {} duty(ies) taken back from the outbox after id {}",
                 unflushed_.size(), flushed_through_);

  opened_at_ = clock_.now();
  schedule_all();

  auto keys = store_.idempotency(clock_.now() - options_.idempotency_ttl);
  if (!keys) return keys.err();
  for (auto& k : *keys) {
    applied a{k.plan, k.duty, k.version, k.event_id, std::move(k.answer), false};
    answers_[k.key] = idempotent_answer{std::move(k.fingerprint), std::move(a)};
  }
  return ok_status();
}

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

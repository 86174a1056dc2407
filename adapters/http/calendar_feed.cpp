#include "adapters/http/calendar_feed.h"
#include "adapters/http/json_views.h"
#include "adapters/http/ics.h"
#include "adapters/http/signed_urls.h"
#include "adapters/http/stream_replay.h"
#include "adapters/http/view_fields.h"

#include <set>

namespace dutyflow::http {

using nlohmann::json;

namespace {

// "3d" -> "3 ngày", "2wd" -> "2 ngày làm việc", "12h" -> "12 giờ", "30m" -> "30 phút".
std::string duration_vi(const duration_spec& d) {
  const auto n = std::to_string(d.amount < 0 ? -d.amount : d.amount);
  switch (d.unit_) {
    case duration_spec::unit::minutes:
      return n + " phút";
    case duration_spec::unit::hours:
      return n + " giờ";
    case duration_spec::unit::days:
      return n + " ngày";
    case duration_spec::unit::working_days:
      return n + " ngày làm việc";
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// iCalendar

std::string_view ics_status(progress_state progress) {
  switch (progress) {
    case progress_state::assigned:
    case progress_state::returned: return "NEEDS-ACTION";
    case progress_state::done: return "COMPLETED";
    case progress_state::cancelled:
    case progress_state::absent: return "CANCELLED";
    case progress_state::acknowledged:
    case progress_state::in_progress:
    case progress_state::drafting:
    case progress_state::nominating:
    case progress_state::nominated:
    case progress_state::reporter_named:
    case progress_state::submitted:
    case progress_state::ready:
    case progress_state::published:
    case progress_state::appraised:
    case progress_state::approved:
    case progress_state::decided:
    case progress_state::delegates_named:
    case progress_state::attended: return "IN-PROCESS";
  }
  return "IN-PROCESS";
}

std::string unit_calendar(const std::string& unit_name, const std::vector<json>& duties,
                          const std::map<std::string, json>& plans, instant now, const working_calendar* calendar) {
  std::vector<ics_todo> todos;
  for (const auto& d : duties) {
    ics_todo t;
    const auto plan_id = str(d, "plan");
    const json* plan = nullptr;
    if (auto it = plans.find(plan_id); it != plans.end()) plan = &it->second;
    std::chrono::minutes tz = display_offset;
    if (plan) {
      if (auto z = parse_timezone(str(*plan, "timezone"))) tz = *z;
    }
    // Day deadlines are written as their day (DUE;VALUE=DATE), timed ones in the plan's zone.
    t.zone = ics_zone_of(tz);
    t.uid = plan_id + "/" + str(d, "id") + "@dutyflow";
    t.summary = str(d, "title");
    t.sequence = d.value("version", 1) > 0 ? static_cast<int>(d.value("version", 1) - 1) : 0;
    const auto& st = d.contains("state") ? d["state"] : json::object();
    t.status = std::string(
        ics_status(parse_progress_state(str(st, "progress")).value_or(progress_state::assigned)));
    t.due = instant_of(d, "deadline");
    if (t.status == "COMPLETED") t.completed = instant_of(d, "finished_at");
    std::string desc;
    if (plan) desc += "Kế hoạch " + str(*plan, "number") + ": " + str(*plan, "title") + "\n";
    desc += "Loại: " + str(d, "kind_label") + "\n";
    desc += "Trạng thái: " + str(st, "progress_label") + " · " + str(st, "timeliness_label") + "\n";
    desc += "Tình trạng: " + str(d, "status_label") + "\n";
    desc += "Hạn: " + (t.due ? vietnamese_deadline(*t.due, tz) : std::string("chờ ấn định"));
    t.description = desc;
    t.categories = {str(d, "kind_label")};
    if (plan) t.categories.push_back(str(*plan, "number"));

    const json before = d.contains("reminders") ? d["reminders"].value("before", json::array()) : json::array();
    for (const auto& b : before) {
      if (!b.is_string() || !t.due) continue;
      auto spec = parse_duration(b.get<std::string>());
      if (!spec) continue;
      ics_alarm a;
      const auto amount = spec->amount < 0 ? -spec->amount : spec->amount;
      a.description = "Nhắc hạn (còn " + duration_vi(*spec) + "): " + t.summary;
      if (spec->is_working_days()) {
        if (calendar) {
          // The same time of day, |amount| working days before the deadline's day.
          const date day = local_date(*t.due, tz);
          const auto time_of_day = *t.due - start_of_day(day, tz);
          const date back = calendar->add_working_days(day, -static_cast<int>(amount));
          if (back.ok()) a.at = start_of_day(back, tz) + time_of_day;
        }
        if (!a.at) a.before_due = std::chrono::hours(24 * amount);
      } else {
        auto fixed = std::chrono::duration_cast<std::chrono::seconds>(spec->fixed());
        a.before_due = fixed.count() < 0 ? -fixed : fixed;
      }
      t.alarms.push_back(std::move(a));
    }
    todos.push_back(std::move(t));
  }
  // The conference (and any other set milestone) of the plans the unit has duties in, as
  // events: calendar subscriptions (Google Calendar, Outlook) show VEVENTs, not VTODOs.
  std::vector<ics_event> events;
  std::set<std::string> used;
  for (const auto& d : duties) used.insert(str(d, "plan"));
  for (const auto& [id, p] : plans)
    if (used.contains(id))
      for (auto& e : ics_milestone_events(p)) events.push_back(std::move(e));
  return ics_calendar("dutyflow — " + unit_name, todos, now, events);
}

void get_unit_calendar(services& ctx, const std::string& unit, const respond_fn& respond) {
  const working_calendar* calendar = &ctx.calendar;
  const clock_source& clock = ctx.clock;
  stream_replayer& off_engine = ctx.replay;
  ctx.runner.post([unit, calendar, &clock, &off_engine, respond](engine& e) {
    // The engine thread only takes the snapshot; the feed is written elsewhere: with
    // thousands of duties the writing (working-day alarms, folding) is most of the work.
    struct snapshot {
      std::string unit_name;
      std::map<std::string, json> plans;
      std::vector<json> duties;
      instant now;
    };
    auto snap = std::make_shared<snapshot>();
    for (const auto& summary : to_json(e.plan_summaries())) {
      auto id = str(summary, "id");
      auto header = to_json(e.read_plan(id, false));
      if (!header) continue;
      for (const auto& u : (*header)["units"])
        if (str(u, "id") == unit) snap->unit_name = str(u, "name");
      snap->plans[id] = std::move(*header);
    }
    if (snap->unit_name.empty()) {
      respond(error_response(404, "not_found", "no plan has a unit \"" + unit + "\""));
      return;
    }
    duty_filter f;
    f.unit = unit;
    snap->duties = to_json(e.read_duties(f, nullptr));
    snap->now = clock.now();
    auto write = [unit, calendar, snap, respond] {
      response r;
      r.content_type = "text/calendar; charset=utf-8";
      r.body = unit_calendar(snap->unit_name, snap->duties, snap->plans, snap->now, calendar);
      r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + unit + ".ics\"");
      respond(std::move(r));
    };
    off_engine.post([write](journal_reader*) { write(); });
  });
}

void get_calendar_link(services& ctx, const std::string& unit, const actor& caller, const respond_fn& respond) {
  if (caller.role != role::coordinator && !(caller.role == role::unit && caller.unit == unit)) {
    respond(error_response(403, "forbidden", "only a coordinator, or the unit itself, may get a unit's calendar link"));
    return;
  }
  const std::string path = "/api/v1/units/" + unit + "/calendar.ics";
  const instant expires = ctx.clock.now() + ctx.calendar_link_ttl;
  const auto exp = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  json body{{"url", path + "?" + ctx.calendar_links.query(path, exp)},
            {"expires",
             format_instant(std::chrono::time_point_cast<std::chrono::microseconds>(instant{std::chrono::seconds{exp}}),
                            display_offset)}};
  ctx.runner.post([unit, body, respond](engine& e) {
    duty_filter f;
    f.unit = unit;
    bool known = !e.read_duties(f, nullptr).empty();
    for (const auto& summary : to_json(e.plan_summaries())) {
      if (known) break;
      auto full = to_json(e.read_plan(str(summary, "id")));
      if (!full) continue;
      for (const auto& u : (*full)["units"]) known = known || str(u, "id") == unit;
    }
    respond(known ? json_response(200, body) : error_response(404, "not_found", "no plan has a unit \"" + unit + "\""));
  });
}

}  // namespace dutyflow::http

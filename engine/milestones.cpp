// engine::set_milestone: a plan's event date set or moved, every deadline that hangs on
// it recomputed (review time given back kept), the changes journaled as deadline_changed
// in one commit, and the scheduler's points moved with them. Engine strand.
#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

namespace dutyflow {

using nlohmann::json;

result<milestone_change> engine::set_milestone(const std::string& plan_id, const std::string& milestone, instant at,
                                   const actor& by, bool confirm_past) {
  assert_strand();
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
      for (const auto& pt : scheduler_->points_of(ps, *c.d, trial))
        if (pt.fire_at <= now && (pt.kind == scheduler::point::what::due_soon ||
                                  pt.kind == scheduler::point::what::overdue ||
                                  pt.kind == scheduler::point::what::escalate))
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
  std::vector<deadline_move> changed;
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
                                       duty_row::how::update, view.version - 1});
    queue_notification(b, ps, *c.d, from ? notice_reason::deadline_changed : notice_reason::deadline_set, view.owner,
                       now,
                       json{{"title", c.d->def->title},
                            {"from", ev["from"]},
                            {"to", ev["to"]},
                            {"milestone", milestone_json},
                            {"progress", st.progress->name}});
    changed.push_back(deadline_move{c.d->def->id, from, c.to});
  }
  b.after_commit.push_back([&ps, mit, at] {
    mit->second = at;
    ps.plan_seq += 1;
  });
  if (auto s = commit(b); !s) return s.err();
  spdlog::info("engine: {} milestone {} set to {} by {}; {} deadline(s) changed", p.id, milestone, p.format(at),
               by.name, changed.size());
  return milestone_change{p.id, milestone, at, p.utc_offset, std::move(changed)};
}

}  // namespace dutyflow

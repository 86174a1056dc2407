#include "tests/unit/workflows/kind_model.h"
#include "engine/read_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <utility>

namespace dutyflow::kind_check {
namespace {

constexpr std::string_view timeliness_states[] = {"OnTrack", "DueSoon", "Overdue", "Escalated"};

// The Vietnamese label of every state name, whichever kind uses it.
const std::map<std::string_view, std::string_view>& state_labels() {
  static const std::map<std::string_view, std::string_view> labels = {
      {"Assigned", "Đã giao"},
      {"Acknowledged", "Đã nhận"},
      {"InProgress", "Đang thực hiện"},
      {"Submitted", "Đã nộp"},
      {"Returned", "Bị trả lại"},
      {"Done", "Hoàn thành"},
      {"Cancelled", "Đã hủy"},
      {"Ready", "Đã sẵn sàng"},
      {"ReporterNamed", "Đã cử phóng viên"},
      {"Attended", "Đã dự"},
      {"Drafting", "Đang soạn"},
      {"Approved", "Đã duyệt"},
      {"Nominating", "Đang đề xuất"},
      {"Nominated", "Đã đề xuất"},
      {"Appraised", "Đã thẩm định"},
      {"Decided", "Đã quyết định"},
      {"DelegatesNamed", "Đã cử đại biểu"},
      {"Absent", "Vắng mặt"},
      {"Published", "Đã đăng tải"},
      {"OnTrack", "Trong hạn"},
      {"DueSoon", "Sắp đến hạn"},
      {"Overdue", "Quá hạn"},
      {"Escalated", "Đã báo lãnh đạo"},
  };
  return labels;
}

// The events every kind handles, in the order events() lists them after the kind's own.
const std::vector<event_spec>& shared_events() {
  static const std::vector<event_spec> events = {
      {event_type::cancel, who::coordinator, "Hủy", requirement::note},
      {event_type::reassign, who::coordinator, "Giao đơn vị khác", requirement::data_unit, "unit"},
      {event_type::comment, who::owner_or_coordinator, "Ghi chú"},
      {event_type::due_soon, who::system, "Sắp đến hạn"},
      {event_type::overdue, who::system, "Quá hạn"},
      {event_type::escalate, who::system, "Báo lãnh đạo"},
      {event_type::deadline_changed, who::system, "Thay đổi thời hạn"},
  };
  return events;
}
constexpr event_spec acknowledge_spec{event_type::acknowledge, who::owner, "Xác nhận đã nhận"};

bool contains(const std::vector<std::string_view>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string_view who_name(who by) {
  switch (by) {
    case who::owner:
      return "owner";
    case who::coordinator:
      return "coordinator";
    case who::owner_or_coordinator:
      return "owner_or_coordinator";
    case who::system:
      return "system";
  }
  return "?";
}

std::string_view requirement_name(requirement r) {
  switch (r) {
    case requirement::none:
      return "none";
    case requirement::note:
      return "note";
    case requirement::data_string:
      return "data_string";
    case requirement::data_url:
      return "data_url";
    case requirement::data_count:
      return "data_count";
    case requirement::data_unit:
      return "data_unit";
    case requirement::data_list:
      return "data_list";
  }
  return "?";
}

bool same_state(const machine_state& a, const machine_state& b) {
  return a.progress == b.progress && a.timeliness == b.timeliness;
}

}  // namespace

std::vector<event_type> all_event_types() {
  std::vector<event_type> all;
  for (int i = 0; i < event_type_count; ++i) all.push_back(static_cast<event_type>(i));
  return all;
}

std::string to_string(const effect& e) {
  return std::string(api_name(e.reason)) + (e.to == effect::target::owner ? ":owner" : ":coordinator");
}

std::vector<std::string> to_strings(const std::vector<effect>& effects) {
  std::vector<std::string> out;
  for (const auto& e : effects) out.push_back(to_string(e));
  return out;
}

std::string to_string(const machine_state& s) {
  return std::string(s.progress ? s.progress->name : "null") + "/" +
         std::string(s.timeliness ? s.timeliness->name : "null");
}

std::string to_string(const event_spec& spec) {
  return std::string(event_name(spec.type)) + " by " + std::string(who_name(spec.by)) + " \"" +
         std::string(spec.label_vi) + "\" needs " + std::string(requirement_name(spec.needs)) + " \"" +
         std::string(spec.field) + "\"";
}

outcome expected(const kind_model& model, std::string_view progress, std::string_view timeliness, event_type type) {
  const bool open = contains(model.open, progress);
  outcome out{true, std::string(progress), std::string(timeliness), {}};
  const outcome refused{};
  switch (type) {
    case event_type::comment:
      return out;
    case event_type::due_soon:
      if (!open || timeliness != "OnTrack") return refused;
      out.timeliness = "DueSoon";
      out.effects = {"due_soon:owner"};
      return out;
    case event_type::overdue:
      if (!open || (timeliness != "OnTrack" && timeliness != "DueSoon")) return refused;
      out.timeliness = "Overdue";
      out.effects = {"overdue:owner"};
      return out;
    case event_type::escalate:
      if (!open || timeliness != "Overdue") return refused;
      out.timeliness = "Escalated";
      out.effects = {"escalation:coordinator"};
      return out;
    case event_type::deadline_changed:
      if (!open) return refused;
      out.timeliness = "OnTrack";
      return out;
    case event_type::cancel:
      if (!open) return refused;
      out.progress = "Cancelled";
      return out;
    case event_type::reassign:
      if (!open) return refused;
      out.progress = "Assigned";
      out.effects = {"assigned:owner"};
      return out;
    case event_type::acknowledge:
      if (progress != "Assigned") return refused;
      out.progress = "Acknowledged";
      return out;
    case event_type::start:
    case event_type::submit:
    case event_type::approve:
    case event_type::return_:
    case event_type::mark_ready:
    case event_type::name_reporter:
    case event_type::mark_attended:
    case event_type::publish:
    case event_type::appraise:
    case event_type::decide:
    case event_type::present:
    case event_type::name_delegates:
    case event_type::mark_absent:
      break;
  }
  for (const auto& row : model.rows) {
    if (row.from == progress && row.event == type) {
      out.progress = std::string(row.to);
      out.effects = row.effects;
      return out;
    }
  }
  return refused;
}

std::unique_ptr<duty_machine> walk(const duty_kind& kind, std::initializer_list<step> steps) {
  auto machine = kind.create();
  int n = 0;
  for (const auto& s : steps) {
    SCOPED_TRACE("step " + std::to_string(++n) + ": " + std::string(event_name(s.event)));
    EXPECT_TRUE(machine->accepts(s.event));
    std::vector<effect> effects;
    EXPECT_TRUE(machine->fire(s.event, effects));
    EXPECT_EQ(to_string(machine->state()), std::string(s.progress) + "/" + std::string(s.timeliness));
    EXPECT_EQ(to_strings(effects), s.effects);
  }
  return machine;
}

void check_cancel_and_reassign(const duty_kind& kind, std::initializer_list<event_type> path) {
  auto machine = kind.create();
  std::vector<effect> effects;
  for (event_type type : path) ASSERT_TRUE(machine->fire(type, effects)) << event_name(type);
  const std::string from = to_string(machine->state());
  SCOPED_TRACE("from " + from);
  ASSERT_FALSE(machine->state().terminal());

  auto cancelled = machine->clone();
  effects.clear();
  ASSERT_TRUE(cancelled->fire(event_type::cancel, effects));
  EXPECT_EQ(cancelled->state().progress->name, "Cancelled");
  EXPECT_TRUE(cancelled->state().terminal());
  EXPECT_EQ(cancelled->state().timeliness, machine->state().timeliness);
  EXPECT_TRUE(effects.empty());

  auto reassigned = machine->clone();
  ASSERT_TRUE(reassigned->fire(event_type::reassign, effects));
  EXPECT_EQ(reassigned->state().progress->name, "Assigned");
  EXPECT_EQ(to_strings(effects), std::vector<std::string>{"assigned:owner"});
  // The new owner starts over.
  EXPECT_TRUE(reassigned->fire(event_type::acknowledge, effects));
  EXPECT_EQ(reassigned->state().progress->name, "Acknowledged");
}

std::vector<std::unique_ptr<duty_machine>> reachable_states(const duty_kind& kind) {
  std::vector<std::unique_ptr<duty_machine>> found;
  std::set<std::string> seen;
  std::deque<std::unique_ptr<duty_machine>> todo;
  todo.push_back(kind.create());
  seen.insert(to_string(todo.back()->state()));
  while (!todo.empty()) {
    auto machine = std::move(todo.front());
    todo.pop_front();
    for (event_type type : all_event_types()) {
      auto next = machine->clone();
      std::vector<effect> effects;
      if (next->fire(type, effects) && seen.insert(to_string(next->state())).second) todo.push_back(std::move(next));
    }
    found.push_back(std::move(machine));
  }
  return found;
}

void check_against_model(const duty_kind& kind, const kind_model& model) {
  EXPECT_EQ(kind.name(), model.name);
  EXPECT_EQ(kind.label_vi(), model.label_vi);

  // The states the kind declares: the model's, labelled, in the right region.
  std::set<std::string_view> declared_progress;
  std::set<std::string_view> declared_timeliness;
  for (const auto& s : kind.states()) {
    SCOPED_TRACE(std::string(s.name));
    (s.in == region::progress ? declared_progress : declared_timeliness).insert(s.name);
    ASSERT_TRUE(state_labels().contains(s.name));
    EXPECT_EQ(s.label_vi, state_labels().at(s.name));
    EXPECT_EQ(s.terminal, contains(model.terminal, s.name));
    EXPECT_EQ(s.delivered, contains(model.delivered, s.name));
  }
  ASSERT_NE(kind.delivering_event(), nullptr);
  EXPECT_EQ(kind.delivering_event()->type, model.delivers);
  EXPECT_EQ(kind.delivering_event()->by, who::owner);
  std::set<std::string_view> model_progress(model.open.begin(), model.open.end());
  model_progress.insert(model.terminal.begin(), model.terminal.end());
  EXPECT_EQ(declared_progress, model_progress);
  EXPECT_EQ(declared_timeliness,
            std::set<std::string_view>(std::begin(timeliness_states), std::end(timeliness_states)));
  EXPECT_EQ(kind.states().size(), declared_progress.size() + declared_timeliness.size()) << "a state listed twice";

  // A fresh machine starts in Assigned/OnTrack.
  EXPECT_EQ(to_string(kind.create()->state()), "Assigned/OnTrack");

  // Every pair of the model is reachable, and nothing else.
  auto machines = reachable_states(kind);
  std::set<std::string> reached;
  for (const auto& m : machines) reached.insert(to_string(m->state()));
  std::set<std::string> model_pairs;
  for (auto p : model_progress)
    for (auto t : timeliness_states) model_pairs.insert(std::string(p) + "/" + std::string(t));
  EXPECT_EQ(reached, model_pairs);

  for (const auto& machine : machines) {
    const machine_state before = machine->state();
    ASSERT_NE(before.progress, nullptr);
    ASSERT_NE(before.timeliness, nullptr);
    EXPECT_EQ(before.terminal(), contains(model.terminal, before.progress->name));
    for (event_type type : all_event_types()) {
      SCOPED_TRACE(to_string(before) + " + " + std::string(event_name(type)));
      const outcome want = expected(model, before.progress->name, before.timeliness->name, type);

      const bool accepts = machine->accepts(type);
      EXPECT_TRUE(same_state(machine->state(), before)) << "accepts() changed the machine";

      auto copy = machine->clone();
      // fire() appends: what was in the vector stays.
      // The sentinel: a reason no machine asks for (only the scheduler queues a catch-up).
      std::vector<effect> effects{effect{notice_reason::catch_up, effect::target::coordinator}};
      const bool fired = copy->fire(type, effects);
      EXPECT_EQ(accepts, fired) << "accepts() disagrees with fire()";
      EXPECT_EQ(fired, want.accepted);
      ASSERT_FALSE(effects.empty());
      EXPECT_EQ(effects.front().reason, notice_reason::catch_up);
      effects.erase(effects.begin());
      if (fired) {
        EXPECT_EQ(to_string(copy->state()), want.progress + "/" + want.timeliness);
        EXPECT_EQ(to_strings(effects), want.effects);
      } else {
        EXPECT_TRUE(same_state(copy->state(), before)) << "a refused event changed the state";
        EXPECT_TRUE(effects.empty()) << "a refused event asked for effects";
      }
      EXPECT_TRUE(same_state(machine->state(), before)) << "firing a clone changed the original";
    }
  }
}

void check_event_specs(const duty_kind& kind, const kind_model& model) {
  std::vector<std::string> want{to_string(acknowledge_spec)};
  for (const auto& e : model.own_events) want.push_back(to_string(e));
  for (const auto& e : shared_events()) want.push_back(to_string(e));
  std::vector<std::string> got;
  for (const auto& e : kind.events()) got.push_back(to_string(e));
  EXPECT_EQ(got, want);

  std::multiset<event_type> listed;
  for (const auto& e : kind.events()) {
    listed.insert(e.type);
    EXPECT_FALSE(e.label_vi.empty()) << event_name(e.type);
    EXPECT_EQ(e.field.empty(), e.needs == requirement::none || e.needs == requirement::note) << event_name(e.type);
    EXPECT_EQ(kind.find_event(e.type), &e);
  }
  std::set<event_type> accepted;
  for (const auto& machine : reachable_states(kind))
    for (event_type type : all_event_types())
      if (machine->accepts(type)) accepted.insert(type);
  for (event_type type : all_event_types()) {
    SCOPED_TRACE(std::string(event_name(type)));
    EXPECT_EQ(listed.count(type), accepted.contains(type) ? 1u : 0u);
    EXPECT_EQ(kind.find_event(type) != nullptr, accepted.contains(type));
  }
}

void check_replay(const duty_kind& kind) {
  const auto types = all_event_types();
  for (unsigned seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 random(seed);

    // The recorded run: each step fires one of the events allowed at that point.
    auto original = kind.create();
    std::vector<event_type> journal;
    std::vector<std::vector<std::string>> asked;
    std::vector<std::string> states;
    for (int i = 0; i < 40; ++i) {
      std::vector<event_type> allowed;
      for (event_type type : types)
        if (original->accepts(type)) allowed.push_back(type);
      ASSERT_FALSE(allowed.empty()) << "comment is allowed everywhere";
      const event_type type = allowed[std::uniform_int_distribution<std::size_t>(0, allowed.size() - 1)(random)];
      std::vector<effect> effects;
      ASSERT_TRUE(original->fire(type, effects));
      journal.push_back(type);
      asked.push_back(to_strings(effects));
      states.push_back(to_string(original->state()));
    }

    auto replayed = kind.create();
    for (std::size_t i = 0; i < journal.size(); ++i) {
      std::vector<effect> effects;
      ASSERT_TRUE(replayed->fire(journal[i], effects)) << "journal entry " << i;
      EXPECT_EQ(to_strings(effects), asked[i]);
      EXPECT_EQ(to_string(replayed->state()), states[i]);
    }
    EXPECT_TRUE(same_state(replayed->state(), original->state()));

    // A clone goes its own way, and so does its original.
    auto copy = original->clone();
    const machine_state at_clone = original->state();
    EXPECT_TRUE(same_state(copy->state(), at_clone));
    for (event_type type : types) {
      std::vector<effect> effects;
      auto probe = original->clone();
      if (!probe->fire(type, effects) || same_state(probe->state(), at_clone)) continue;
      ASSERT_TRUE(original->fire(type, effects));
      EXPECT_TRUE(same_state(copy->state(), at_clone)) << "firing the original changed its clone";
      ASSERT_TRUE(copy->fire(type, effects));
      EXPECT_TRUE(same_state(copy->state(), original->state()));
      break;
    }
  }
}

}  // namespace dutyflow::kind_check

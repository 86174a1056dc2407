// The Boost.MSM pieces every duty kind shares: events, shared states, guards and
// actions, the timeliness region, and the adapters that turn a back-end into a
// duty_machine / duty_kind. Private to workflows/: only the kind .cpp files include it,
// because it is heavy to compile; everyone else sees workflows/registry.h.

#pragma once

#include <array>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/mpl_list.hpp>
#include <boost/mpl/for_each.hpp>
#include <boost/mpl/size.hpp>
#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/workflow.h"

namespace dutyflow::workflows {

// Transition tables are mp11::mp_list, an MPL sequence thanks to mp11/mpl_list.hpp: any
// length, where a literal mpl::vector stops at 20 rows unless MPL is reconfigured with
// macros that every translation unit of the program would have to agree on.
namespace mp11 = boost::mp11;
namespace mpl = boost::mpl;
namespace msm = boost::msm;
using msm::front::Internal;
using msm::front::none;
using msm::front::Row;

// ---- Events: one empty struct per event_type -------------------------------------
struct acknowledge {};
struct start {};
struct submit {};
struct approve {};
struct return_ {};
struct mark_ready {};
struct name_reporter {};
struct mark_attended {};
struct publish {};
struct appraise {};
struct decide {};
struct present {};
struct name_delegates {};
struct mark_absent {};
struct cancel {};
struct reassign {};
struct comment {};
struct due_soon {};
struct overdue {};
struct escalate {};
struct deadline_changed {};

// ---- States -------------------------------------------------------------------------
// State types carry their API name (spelled like the type, as DESIGN.md does) and
// Vietnamese label; msm_duty_kind turns them into state_specs.

// Active while progress is in Done, Cancelled or Absent.
struct terminal_flag {};

struct progress_state : msm::front::state<> {
  static constexpr region in = region::progress;
  static constexpr bool terminal = false;
  static constexpr bool delivered = false;
};
// A state in which the unit's part is delivered and the coordinator's follow-up (approve,
// appraise, present, mark_attended) is what remains: the deadline no longer runs for the unit.
struct delivered_state : progress_state {
  static constexpr bool delivered = true;
};
struct terminal_state : msm::front::state<> {
  static constexpr region in = region::progress;
  static constexpr bool terminal = true;
  static constexpr bool delivered = false;
  using flag_list = mpl::vector1<terminal_flag>;
};
struct timeliness_state : msm::front::state<> {
  static constexpr region in = region::timeliness;
  static constexpr bool terminal = false;
  static constexpr bool delivered = false;
};

struct Assigned : progress_state {
  static constexpr std::string_view name = "Assigned", label_vi = "Đã giao";
};
struct Acknowledged : progress_state {
  static constexpr std::string_view name = "Acknowledged", label_vi = "Đã nhận";
};
struct Returned : progress_state {
  static constexpr std::string_view name = "Returned", label_vi = "Bị trả lại";
};
struct InProgress : progress_state {
  static constexpr std::string_view name = "InProgress", label_vi = "Đang thực hiện";
};
struct Submitted : delivered_state {
  static constexpr std::string_view name = "Submitted", label_vi = "Đã nộp";
};
struct Done : terminal_state {
  static constexpr bool delivered = true;  // every path to Done passes the unit's delivery
  static constexpr std::string_view name = "Done", label_vi = "Hoàn thành";
};
struct Cancelled : terminal_state {
  static constexpr std::string_view name = "Cancelled", label_vi = "Đã hủy";
};

struct OnTrack : timeliness_state {
  static constexpr std::string_view name = "OnTrack", label_vi = "Trong hạn";
};
struct DueSoon : timeliness_state {
  static constexpr std::string_view name = "DueSoon", label_vi = "Sắp đến hạn";
};
struct Overdue : timeliness_state {
  static constexpr std::string_view name = "Overdue", label_vi = "Quá hạn";
};
struct Escalated : timeliness_state {
  static constexpr std::string_view name = "Escalated", label_vi = "Đã báo lãnh đạo";
};

// ---- Actions and guards ---------------------------------------------------------------
namespace notice {
inline constexpr effect assigned{notice_reason::assigned, effect::target::owner};
inline constexpr effect approved{notice_reason::approved, effect::target::owner};
inline constexpr effect returned{notice_reason::returned, effect::target::owner};
inline constexpr effect due_soon{notice_reason::due_soon, effect::target::owner};
inline constexpr effect overdue{notice_reason::overdue, effect::target::owner};
inline constexpr effect escalation{notice_reason::escalation, effect::target::coordinator};
}  // namespace notice

// Action: describes a notification; the engine sends it after the commit. Writes to the
// sink the adapter lends the front-end for one fire() (none while accepts() tries).
template <const effect& Notice>
struct notify {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(const Event&, Fsm& fsm, Source&, Target&) const {
    if (fsm.sink_ != nullptr) fsm.sink_->push_back(Notice);
  }
};

// Guard of every timeliness row: a finished duty is no longer late or on time.
struct progress_open {
  template <class Event, class Fsm, class Source, class Target>
  bool operator()(const Event&, Fsm& fsm, Source&, Target&) const {
    return !fsm.template is_flag_active<terminal_flag>();
  }
};

// ---- The timeliness region, identical in every kind ---------------------------------
// clang-format off
using timeliness_table = mp11::mp_list<
  //   Source     Event             Target     Action                      Guard
  Row< OnTrack,   due_soon,         DueSoon,   notify<notice::due_soon>,   progress_open >,
  Row< OnTrack,   overdue,          Overdue,   notify<notice::overdue>,    progress_open >,
  Row< DueSoon,   overdue,          Overdue,   notify<notice::overdue>,    progress_open >,
  Row< Overdue,   escalate,         Escalated, notify<notice::escalation>, progress_open >,
  Row< OnTrack,   deadline_changed, none,      none,                       progress_open >,
  Row< DueSoon,   deadline_changed, OnTrack,   none,                       progress_open >,
  Row< Overdue,   deadline_changed, OnTrack,   none,                       progress_open >,
  Row< Escalated, deadline_changed, OnTrack,   none,                       progress_open >
>;
// clang-format on

// A kind's full table: its progress rows, then the timeliness rows.
template <class ProgressTable>
using with_timeliness = mp11::mp_append<ProgressTable, timeliness_table>;

// Base of every kind's front-end (CRTP, as MSM wants).
template <class Derived>
struct duty_front : msm::front::state_machine_def<Derived> {
  // MSM neither queues events nor catches exceptions (an action's bad_alloc reaches the
  // engine): a smaller machine, no deque, no try per event.
  using no_message_queue = int;
  using no_exception_thrown = int;

  using initial_state = mpl::vector2<Assigned, OnTrack>;
  // comment is accepted in every state and changes none.
  using internal_transition_table = mp11::mp_list<Internal<comment, none, none>>;

  // A refused event is an expected outcome: the adapter reports it as false.
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {}
  template <class Fsm, class Event>
  void exception_caught(const Event&, Fsm&, std::exception&) {}

  // Where actions append effects; set only for the duration of one fire().
  std::vector<effect>* sink_ = nullptr;
};

// ---- Event specs ----------------------------------------------------------------------
// Events several kinds handle the same way.
inline constexpr event_spec start_spec{event_type::start, who::owner, "Bắt đầu thực hiện"};
inline constexpr event_spec approve_spec{event_type::approve, who::coordinator, "Phê duyệt"};
inline constexpr event_spec return_spec{event_type::return_, who::coordinator, "Trả lại", requirement::note};

// Events every kind handles.
inline constexpr event_spec acknowledge_spec{event_type::acknowledge, who::owner, "Xác nhận đã nhận"};
inline constexpr std::array<event_spec, 7> shared_event_specs{{
    {event_type::cancel, who::coordinator, "Hủy", requirement::note},
    {event_type::reassign, who::coordinator, "Giao đơn vị khác", requirement::data_unit, "unit"},
    {event_type::comment, who::owner_or_coordinator, "Ghi chú"},
    {event_type::due_soon, who::system, "Sắp đến hạn"},
    {event_type::overdue, who::system, "Quá hạn"},
    {event_type::escalate, who::system, "Báo lãnh đạo"},
    {event_type::deadline_changed, who::system, "Thay đổi thời hạn"},
}};

// The events() of a kind: acknowledge, the kind's own events, then the shared ones.
template <std::size_t N>
constexpr std::array<event_spec, N + 1 + shared_event_specs.size()> with_shared_events(
    const std::array<event_spec, N>& own) {
  std::array<event_spec, N + 1 + shared_event_specs.size()> all{};
  std::size_t i = 0;
  all[i++] = acknowledge_spec;
  for (const auto& e : own) all[i++] = e;
  for (const auto& e : shared_event_specs) all[i++] = e;
  return all;
}

// ---- Adapters -------------------------------------------------------------------------

// The non-template half of a kind: names, labels and specs. Immutable after construction.
class kind_base : public duty_kind {
 public:
  std::string_view name() const override { return name_; }
  std::string_view label_vi() const override { return label_vi_; }
  std::span<const event_spec> events() const override { return events_; }
  std::span<const state_spec> states() const override { return states_; }

  // The spec of the state MSM numbers `id`.
  const state_spec* state_by_id(int id) const { return by_id_[static_cast<std::size_t>(id)]; }

 protected:
  // `by_id` is indexed by MSM state id.
  kind_base(std::string_view name, std::string_view label_vi, std::span<const event_spec> events,
            const std::vector<state_spec>& by_id);

 private:
  std::string_view name_;
  std::string_view label_vi_;
  std::span<const event_spec> events_;
  std::vector<state_spec> states_;        // progress states first, then timeliness
  std::vector<const state_spec*> by_id_;  // MSM state id -> element of states_
};

template <class Row>
using event_of = typename Row::Evt;

// Does the front-end's table (or its fsm-level internal table) mention Event at all?
template <class Backend, class Event>
inline constexpr bool handles_event =
    mp11::mp_contains<mp11::mp_transform<event_of, mp11::mp_append<typename Backend::transition_table,
                                                                   typename Backend::internal_transition_table>>,
                      Event>::value;

template <class Event, class Backend>
bool process(Backend& sm) {
  // Skipping events the kind does not know saves instantiating their dispatch tables.
  if constexpr (handles_event<Backend, Event>) {
    // A rejecting guard does not call no_transition: only the return value tells.
    return (sm.process_event(Event{}) & msm::back::HANDLED_TRUE) != 0;
  } else {
    (void)sm;
    return false;
  }
}

template <class Backend>
bool dispatch(Backend& sm, event_type type) {
  switch (type) {
    case event_type::acknowledge:
      return process<acknowledge>(sm);
    case event_type::start:
      return process<start>(sm);
    case event_type::submit:
      return process<submit>(sm);
    case event_type::approve:
      return process<approve>(sm);
    case event_type::return_:
      return process<return_>(sm);
    case event_type::mark_ready:
      return process<mark_ready>(sm);
    case event_type::name_reporter:
      return process<name_reporter>(sm);
    case event_type::mark_attended:
      return process<mark_attended>(sm);
    case event_type::publish:
      return process<publish>(sm);
    case event_type::appraise:
      return process<appraise>(sm);
    case event_type::decide:
      return process<decide>(sm);
    case event_type::present:
      return process<present>(sm);
    case event_type::name_delegates:
      return process<name_delegates>(sm);
    case event_type::mark_absent:
      return process<mark_absent>(sm);
    case event_type::cancel:
      return process<cancel>(sm);
    case event_type::reassign:
      return process<reassign>(sm);
    case event_type::comment:
      return process<comment>(sm);
    case event_type::due_soon:
      return process<due_soon>(sm);
    case event_type::overdue:
      return process<overdue>(sm);
    case event_type::escalate:
      return process<escalate>(sm);
    case event_type::deadline_changed:
      return process<deadline_changed>(sm);
  }
  return false;  // not an event_type value at all
}

template <class Backend>
class msm_duty_machine final : public duty_machine {
 public:
  explicit msm_duty_machine(const kind_base& kind) : kind_(&kind) { sm_.start(); }

  bool fire(event_type type, std::vector<effect>& effects) override {
    struct lend {
      Backend& sm;
      ~lend() { sm.sink_ = nullptr; }
    } guard{sm_};
    sm_.sink_ = &effects;
    return dispatch(sm_, type);
  }

  bool accepts(event_type type) const override {
    Backend trial = sm_;  // sink_ is null outside fire(): the trial emits nothing
    return dispatch(trial, type);
  }

  machine_state state() const override {
    const int* ids = sm_.current_state();
    return {kind_->state_by_id(ids[0]), kind_->state_by_id(ids[1])};
  }

  std::unique_ptr<duty_machine> clone() const override { return std::make_unique<msm_duty_machine>(*this); }

 private:
  Backend sm_;
  const kind_base* kind_;
};

// The state specs of a back-end, indexed by MSM state id.
template <class Backend>
std::vector<state_spec> state_specs_by_id() {
  using stt = typename Backend::stt;
  using states = typename msm::back::generate_state_set<stt>::type;
  std::vector<state_spec> by_id(mpl::size<states>::value);
  mpl::for_each<states, msm::wrap<mpl::placeholders::_1>>([&]<class State>(msm::wrap<State>) {
    by_id[msm::back::get_state_id<stt, State>::value] = {State::name, State::label_vi, State::in, State::terminal,
                                                         State::delivered};
  });
  return by_id;
}

template <class Backend>
class msm_duty_kind final : public kind_base {
 public:
  msm_duty_kind(std::string_view name, std::string_view label_vi, std::span<const event_spec> events)
      : kind_base(name, label_vi, events, state_specs_by_id<Backend>()) {}

  std::unique_ptr<duty_machine> create() const override { return std::make_unique<msm_duty_machine<Backend>>(*this); }
};

}  // namespace dutyflow::workflows

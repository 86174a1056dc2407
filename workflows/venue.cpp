// venue: a unit prepares the hall and the conditions of the conference and reports it
// ready; the coordinator approves it or returns it with a note.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct Ready : delivered_state {
  static constexpr std::string_view name = "Ready", label_vi = "Đã sẵn sàng";
};

struct venue_front : duty_front<venue_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source        Event        Target        Action
    Row< Assigned,     acknowledge, Acknowledged                           >,
    Row< Acknowledged, start,       InProgress                             >,
    Row< InProgress,   mark_ready,  Ready                                  >,
    Row< Ready,        approve,     Done,         notify<notice::approved> >,
    Row< Ready,        return_,     Returned,     notify<notice::returned> >,
    Row< Returned,     start,       InProgress                             >,
    Row< Returned,     mark_ready,  Ready                                  >,
    // from every open state
    Row< Assigned,     cancel,      Cancelled                              >,
    Row< Acknowledged, cancel,      Cancelled                              >,
    Row< InProgress,   cancel,      Cancelled                              >,
    Row< Ready,        cancel,      Cancelled                              >,
    Row< Returned,     cancel,      Cancelled                              >,
    Row< Assigned,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Acknowledged, reassign,    Assigned,     notify<notice::assigned> >,
    Row< InProgress,   reassign,    Assigned,     notify<notice::assigned> >,
    Row< Ready,        reassign,    Assigned,     notify<notice::assigned> >,
    Row< Returned,     reassign,    Assigned,     notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    start_spec,
    {event_type::mark_ready, who::owner, "Báo đã sẵn sàng", requirement::none, {}, step::delivers},
    approve_spec,
    return_spec,
}));

}  // namespace

const duty_kind& venue_kind() {
  static const msm_duty_kind<msm::back::state_machine<venue_front>> kind{"venue", "Hội trường, điều kiện tổ chức",
                                                                         events};
  return kind;
}

}  // namespace dutyflow

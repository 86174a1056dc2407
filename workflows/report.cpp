// report: a unit prepares a document or report and submits it; the coordinator approves
// it or returns it with a note, and the unit works on it again.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct report_front : duty_front<report_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source        Event        Target        Action
    Row< Assigned,     acknowledge, Acknowledged                           >,
    Row< Acknowledged, start,       InProgress                             >,
    Row< InProgress,   submit,      Submitted                              >,
    Row< Submitted,    approve,     Done,         notify<notice::approved> >,
    Row< Submitted,    return_,     Returned,     notify<notice::returned> >,
    Row< Returned,     start,       InProgress                             >,
    Row< Returned,     submit,      Submitted                              >,
    // from every open state
    Row< Assigned,     cancel,      Cancelled                              >,
    Row< Acknowledged, cancel,      Cancelled                              >,
    Row< InProgress,   cancel,      Cancelled                              >,
    Row< Submitted,    cancel,      Cancelled                              >,
    Row< Returned,     cancel,      Cancelled                              >,
    Row< Assigned,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Acknowledged, reassign,    Assigned,     notify<notice::assigned> >,
    Row< InProgress,   reassign,    Assigned,     notify<notice::assigned> >,
    Row< Submitted,    reassign,    Assigned,     notify<notice::assigned> >,
    Row< Returned,     reassign,    Assigned,     notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    start_spec,
    {event_type::submit, who::owner, "Nộp", requirement::none, {}, step::delivers},
    approve_spec,
    return_spec,
}));

}  // namespace

const duty_kind& report_kind() {
  static const msm_duty_kind<msm::back::state_machine<report_front>> kind{"report", "Báo cáo, tài liệu", events};
  return kind;
}

}  // namespace dutyflow

// attendance: a unit names its delegates to the conference (and may name them again);
// the coordinator records that they attended, or that the unit was absent.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct DelegatesNamed : delivered_state {
  static constexpr std::string_view name = "DelegatesNamed", label_vi = "Đã cử đại biểu";
};
struct Absent : terminal_state {
  static constexpr std::string_view name = "Absent", label_vi = "Vắng mặt";
};

struct attendance_front : duty_front<attendance_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source          Event           Target          Action
    Row< Assigned,       acknowledge,    Acknowledged                             >,
    Row< Acknowledged,   name_delegates, DelegatesNamed                           >,
    Row< DelegatesNamed, name_delegates, DelegatesNamed                           >,
    Row< DelegatesNamed, mark_attended,  Done                                     >,
    Row< Assigned,       mark_absent,    Absent                                   >,
    Row< Acknowledged,   mark_absent,    Absent                                   >,
    Row< DelegatesNamed, mark_absent,    Absent                                   >,
    // from every open state
    Row< Assigned,       cancel,         Cancelled                                >,
    Row< Acknowledged,   cancel,         Cancelled                                >,
    Row< DelegatesNamed, cancel,         Cancelled                                >,
    Row< Assigned,       reassign,       Assigned,       notify<notice::assigned> >,
    Row< Acknowledged,   reassign,       Assigned,       notify<notice::assigned> >,
    Row< DelegatesNamed, reassign,       Assigned,       notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    {event_type::name_delegates, who::owner, "Cử đại biểu", requirement::data_list, "delegates", step::delivers},
    {event_type::mark_attended, who::coordinator, "Xác nhận đã dự"},
    {event_type::mark_absent, who::coordinator, "Ghi nhận vắng mặt"},
}));

}  // namespace

const duty_kind& attendance_kind() {
  static const msm_duty_kind<msm::back::state_machine<attendance_front>> kind{"attendance", "Cử đại biểu", events};
  return kind;
}

}  // namespace dutyflow

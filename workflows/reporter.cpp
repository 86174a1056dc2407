// reporter: a unit names the reporter who covers the conference (and may name another
// one), confirms the reporter attended, then publishes the news. Only the unit acts.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct ReporterNamed : progress_state {
  static constexpr std::string_view name = "ReporterNamed", label_vi = "Đã cử phóng viên";
};
struct Attended : progress_state {
  static constexpr std::string_view name = "Attended", label_vi = "Đã dự";
};

struct reporter_front : duty_front<reporter_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source         Event          Target         Action
    Row< Assigned,      acknowledge,   Acknowledged                            >,
    Row< Acknowledged,  name_reporter, ReporterNamed                           >,
    Row< ReporterNamed, name_reporter, ReporterNamed                           >,
    Row< ReporterNamed, mark_attended, Attended                                >,
    Row< Attended,      publish,       Done                                    >,
    // from every open state
    Row< Assigned,      cancel,        Cancelled                               >,
    Row< Acknowledged,  cancel,        Cancelled                               >,
    Row< ReporterNamed, cancel,        Cancelled                               >,
    Row< Attended,      cancel,        Cancelled                               >,
    Row< Assigned,      reassign,      Assigned,      notify<notice::assigned> >,
    Row< Acknowledged,  reassign,      Assigned,      notify<notice::assigned> >,
    Row< ReporterNamed, reassign,      Assigned,      notify<notice::assigned> >,
    Row< Attended,      reassign,      Assigned,      notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    {event_type::name_reporter, who::owner, "Cử phóng viên", requirement::data_string, "name"},
    {event_type::mark_attended, who::owner, "Xác nhận đã dự"},
    {event_type::publish, who::owner, "Đăng tin", requirement::data_url, "url", step::delivers},
}));

}  // namespace

const duty_kind& reporter_kind() {
  static const msm_duty_kind<msm::back::state_machine<reporter_front>> kind{"reporter", "Phóng viên, đưa tin", events};
  return kind;
}

}  // namespace dutyflow

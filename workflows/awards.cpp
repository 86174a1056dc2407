// awards: a unit nominates collectives and people for emulation awards and submits the
// count; the coordinator appraises the list, decides the awards and presents them.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct Nominating : progress_state {
  static constexpr std::string_view name = "Nominating", label_vi = "Đang đề xuất";
};
struct Nominated : delivered_state {
  static constexpr std::string_view name = "Nominated", label_vi = "Đã đề xuất";
};
struct Appraised : delivered_state {
  static constexpr std::string_view name = "Appraised", label_vi = "Đã thẩm định";
};
struct Decided : delivered_state {
  static constexpr std::string_view name = "Decided", label_vi = "Đã quyết định";
};

struct awards_front : duty_front<awards_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source        Event        Target        Action
    Row< Assigned,     acknowledge, Acknowledged                           >,
    Row< Acknowledged, start,       Nominating                             >,
    Row< Nominating,   submit,      Nominated                              >,
    Row< Nominated,    appraise,    Appraised                              >,
    Row< Appraised,    decide,      Decided                                >,
    Row< Decided,      present,     Done                                   >,
    // from every open state
    Row< Assigned,     cancel,      Cancelled                              >,
    Row< Acknowledged, cancel,      Cancelled                              >,
    Row< Nominating,   cancel,      Cancelled                              >,
    Row< Nominated,    cancel,      Cancelled                              >,
    Row< Appraised,    cancel,      Cancelled                              >,
    Row< Decided,      cancel,      Cancelled                              >,
    Row< Assigned,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Acknowledged, reassign,    Assigned,     notify<notice::assigned> >,
    Row< Nominating,   reassign,    Assigned,     notify<notice::assigned> >,
    Row< Nominated,    reassign,    Assigned,     notify<notice::assigned> >,
    Row< Appraised,    reassign,    Assigned,     notify<notice::assigned> >,
    Row< Decided,      reassign,    Assigned,     notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    start_spec,
    {event_type::submit, who::owner, "Nộp danh sách đề nghị", requirement::data_count, "count", step::delivers},
    {event_type::appraise, who::coordinator, "Thẩm định"},
    {event_type::decide, who::coordinator, "Quyết định khen thưởng", requirement::data_string, "decision"},
    {event_type::present, who::coordinator, "Trao khen thưởng"},
}));

}  // namespace

const duty_kind& awards_kind() {
  static const msm_duty_kind<msm::back::state_machine<awards_front>> kind{"awards", "Thi đua, khen thưởng", events};
  return kind;
}

}  // namespace dutyflow

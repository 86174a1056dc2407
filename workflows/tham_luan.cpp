// tham_luan: a unit drafts a discussion paper and submits it with its title; the
// coordinator approves it or returns it with a note, and the approved paper is presented
// at the conference.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct Drafting : progress_state {
  static constexpr std::string_view name = "Drafting", label_vi = "Đang soạn";
};
struct Approved : delivered_state {
  static constexpr std::string_view name = "Approved", label_vi = "Đã duyệt";
};

struct tham_luan_front : duty_front<tham_luan_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source        Event        Target        Action
    Row< Assigned,     acknowledge, Acknowledged                           >,
    Row< Acknowledged, start,       Drafting                               >,
    Row< Drafting,     submit,      Submitted                              >,
    Row< Submitted,    approve,     Approved,     notify<notice::approved> >,
    Row< Submitted,    return_,     Returned,     notify<notice::returned> >,
    Row< Approved,     present,     Done                                   >,
    Row< Returned,     start,       Drafting                               >,
    Row< Returned,     submit,      Submitted                              >,
    // from every open state
    Row< Assigned,     cancel,      Cancelled                              >,
    Row< Acknowledged, cancel,      Cancelled                              >,
    Row< Drafting,     cancel,      Cancelled                              >,
    Row< Submitted,    cancel,      Cancelled                              >,
    Row< Approved,     cancel,      Cancelled                              >,
    Row< Returned,     cancel,      Cancelled                              >,
    Row< Assigned,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Acknowledged, reassign,    Assigned,     notify<notice::assigned> >,
    Row< Drafting,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Submitted,    reassign,    Assigned,     notify<notice::assigned> >,
    Row< Approved,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Returned,     reassign,    Assigned,     notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    start_spec,
    {event_type::submit, who::owner, "Nộp tham luận", requirement::data_string, "title", step::delivers},
    approve_spec,
    return_spec,
    {event_type::present, who::coordinator, "Trình bày tại Hội nghị"},
}));

}  // namespace

const duty_kind& tham_luan_kind() {
  static const msm_duty_kind<msm::back::state_machine<tham_luan_front>> kind{"tham_luan", "Tham luận", events};
  return kind;
}

}  // namespace dutyflow

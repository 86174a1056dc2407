// publish: a unit posts documents on the website and reports the link; the coordinator
// approves it or returns it with a note, and the unit posts again.
#include "workflows/common.h"
#include "workflows/registry.h"

namespace dutyflow {
namespace {

using namespace workflows;

struct Published : delivered_state {
  static constexpr std::string_view name = "Published", label_vi = "Đã đăng tải";
};

struct publish_front : duty_front<publish_front> {
  // clang-format off
  using transition_table = with_timeliness<mp11::mp_list<
    //   Source        Event        Target        Action
    Row< Assigned,     acknowledge, Acknowledged                           >,
    Row< Acknowledged, publish,     Published                              >,
    Row< Published,    approve,     Done,         notify<notice::approved> >,
    Row< Published,    return_,     Returned,     notify<notice::returned> >,
    Row< Returned,     publish,     Published                              >,
    // from every open state
    Row< Assigned,     cancel,      Cancelled                              >,
    Row< Acknowledged, cancel,      Cancelled                              >,
    Row< Published,    cancel,      Cancelled                              >,
    Row< Returned,     cancel,      Cancelled                              >,
    Row< Assigned,     reassign,    Assigned,     notify<notice::assigned> >,
    Row< Acknowledged, reassign,    Assigned,     notify<notice::assigned> >,
    Row< Published,    reassign,    Assigned,     notify<notice::assigned> >,
    Row< Returned,     reassign,    Assigned,     notify<notice::assigned> >
  >>;
  // clang-format on
};

constexpr auto events = with_shared_events(std::to_array<event_spec>({
    {event_type::publish, who::owner, "Đăng tải", requirement::data_url, "url", step::delivers},
    approve_spec,
    return_spec,
}));

}  // namespace

const duty_kind& publish_kind() {
  static const msm_duty_kind<msm::back::state_machine<publish_front>> kind{"publish", "Đăng tải tài liệu", events};
  return kind;
}

}  // namespace dutyflow

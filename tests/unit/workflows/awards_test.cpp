#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& awards() {
  static const kind_model model{
      .name = "awards",
      .label_vi = "Thi đua, khen thưởng",
      .open = {"Assigned", "Acknowledged", "Nominating", "Nominated", "Appraised", "Decided"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", start, "Nominating"},
              {"Nominating", submit, "Nominated"},
              {"Nominated", appraise, "Appraised"},
              {"Appraised", decide, "Decided"},
              {"Decided", present, "Done"},
          },
      .own_events =
          {
              {start, who::owner, "Bắt đầu thực hiện"},
              {submit, who::owner, "Nộp danh sách đề nghị", requirement::data_count, "count"},
              {appraise, who::coordinator, "Thẩm định"},
              {decide, who::coordinator, "Quyết định khen thưởng", requirement::data_string, "decision"},
              {present, who::coordinator, "Trao khen thưởng"},
          },
      .delivered = {"Nominated", "Appraised", "Decided", "Done"},
      .delivers = submit,
  };
  return model;
}

TEST(Awards, NominationsAreAppraisedDecidedAndPresented) {
  walk(awards_kind(), {
                          {acknowledge, "Acknowledged"},
                          {start, "Nominating"},
                          {submit, "Nominated"},
                          {appraise, "Appraised"},
                          {decide, "Decided"},
                          {present, "Done"},
                      });
}

TEST(Awards, LateNominationsAreEscalated) {
  walk(awards_kind(), {
                          {acknowledge, "Acknowledged"},
                          {start, "Nominating"},
                          {overdue, "Nominating", "Overdue", {"overdue:owner"}},
                          {escalate, "Nominating", "Escalated", {"escalation:coordinator"}},
                          {submit, "Nominated", "Escalated"},
                          {deadline_changed, "Nominated", "OnTrack"},
                          {appraise, "Appraised"},
                          {decide, "Decided"},
                          {present, "Done"},
                      });
}

TEST(Awards, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(awards_kind(), {});
  check_cancel_and_reassign(awards_kind(), {acknowledge});
  check_cancel_and_reassign(awards_kind(), {acknowledge, start});
  check_cancel_and_reassign(awards_kind(), {acknowledge, start, submit});
  check_cancel_and_reassign(awards_kind(), {acknowledge, start, submit, appraise});
  check_cancel_and_reassign(awards_kind(), {acknowledge, start, submit, appraise, decide});
}

TEST(Awards, FollowsItsTableInEveryState) {
  check_against_model(awards_kind(), awards());
}
TEST(Awards, DeclaresEachEventItHandlesOnce) {
  check_event_specs(awards_kind(), awards());
}
TEST(Awards, ReplayedJournalGivesTheSameState) {
  check_replay(awards_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

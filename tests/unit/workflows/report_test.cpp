#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& report() {
  static const kind_model model{
      .name = "report",
      .label_vi = "Báo cáo, tài liệu",
      .open = {"Assigned", "Acknowledged", "InProgress", "Submitted", "Returned"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", start, "InProgress"},
              {"InProgress", submit, "Submitted"},
              {"Submitted", approve, "Done", {"approved:owner"}},
              {"Submitted", return_, "Returned", {"returned:owner"}},
              {"Returned", start, "InProgress"},
              {"Returned", submit, "Submitted"},
          },
      .own_events =
          {
              {start, who::owner, "Bắt đầu thực hiện"},
              {submit, who::owner, "Nộp"},
              {approve, who::coordinator, "Phê duyệt"},
              {return_, who::coordinator, "Trả lại", requirement::note},
          },
      .delivered = {"Submitted", "Done"},
      .delivers = submit,
  };
  return model;
}

TEST(Report, IsApprovedAfterSubmission) {
  walk(report_kind(), {
                          {acknowledge, "Acknowledged"},
                          {start, "InProgress"},
                          {submit, "Submitted"},
                          {approve, "Done", "OnTrack", {"approved:owner"}},
                      });
}

TEST(Report, ReturnedReportIsReworkedOrResubmitted) {
  walk(report_kind(), {
                          {acknowledge, "Acknowledged"},
                          {start, "InProgress"},
                          {submit, "Submitted"},
                          {return_, "Returned", "OnTrack", {"returned:owner"}},
                          {start, "InProgress"},
                          {submit, "Submitted"},
                          {return_, "Returned", "OnTrack", {"returned:owner"}},
                          {submit, "Submitted"},
                          {approve, "Done", "OnTrack", {"approved:owner"}},
                      });
}

TEST(Report, LateReportIsEscalatedThenFinished) {
  auto machine = walk(report_kind(), {
                                         {acknowledge, "Acknowledged"},
                                         {due_soon, "Acknowledged", "DueSoon", {"due_soon:owner"}},
                                         {overdue, "Acknowledged", "Overdue", {"overdue:owner"}},
                                         {escalate, "Acknowledged", "Escalated", {"escalation:coordinator"}},
                                         {start, "InProgress", "Escalated"},
                                         {submit, "Submitted", "Escalated"},
                                         {comment, "Submitted", "Escalated"},
                                         {approve, "Done", "Escalated", {"approved:owner"}},
                                         {comment, "Done", "Escalated"},
                                     });
  // Finished late: the timeliness region keeps the record and no longer moves.
  std::vector<effect> effects;
  EXPECT_FALSE(machine->fire(deadline_changed, effects));
  EXPECT_TRUE(effects.empty());
}

TEST(Report, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(report_kind(), {});
  check_cancel_and_reassign(report_kind(), {acknowledge});
  check_cancel_and_reassign(report_kind(), {acknowledge, start});
  check_cancel_and_reassign(report_kind(), {acknowledge, start, submit});
  check_cancel_and_reassign(report_kind(), {acknowledge, start, submit, return_});
}

TEST(Report, FollowsItsTableInEveryState) {
  check_against_model(report_kind(), report());
}
TEST(Report, DeclaresEachEventItHandlesOnce) {
  check_event_specs(report_kind(), report());
}
TEST(Report, ReplayedJournalGivesTheSameState) {
  check_replay(report_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

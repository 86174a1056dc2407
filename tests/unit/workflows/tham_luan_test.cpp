#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& tham_luan() {
  static const kind_model model{
      .name = "tham_luan",
      .label_vi = "Tham luận",
      .open = {"Assigned", "Acknowledged", "Drafting", "Submitted", "Approved", "Returned"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", start, "Drafting"},
              {"Drafting", submit, "Submitted"},
              {"Submitted", approve, "Approved", {"approved:owner"}},
              {"Submitted", return_, "Returned", {"returned:owner"}},
              {"Approved", present, "Done"},
              {"Returned", start, "Drafting"},
              {"Returned", submit, "Submitted"},
          },
      .own_events =
          {
              {start, who::owner, "Bắt đầu thực hiện"},
              {submit, who::owner, "Nộp tham luận", requirement::data_string, "title"},
              {approve, who::coordinator, "Phê duyệt"},
              {return_, who::coordinator, "Trả lại", requirement::note},
              {present, who::coordinator, "Trình bày tại Hội nghị"},
          },
      .delivered = {"Submitted", "Approved", "Done"},
      .delivers = submit,
  };
  return model;
}

TEST(ThamLuan, ApprovedPaperIsPresented) {
  walk(tham_luan_kind(), {
                             {acknowledge, "Acknowledged"},
                             {start, "Drafting"},
                             {submit, "Submitted"},
                             {approve, "Approved", "OnTrack", {"approved:owner"}},
                             {present, "Done"},
                         });
}

TEST(ThamLuan, ReturnedPaperIsRedraftedOrResubmitted) {
  walk(tham_luan_kind(), {
                             {acknowledge, "Acknowledged"},
                             {start, "Drafting"},
                             {submit, "Submitted"},
                             {return_, "Returned", "OnTrack", {"returned:owner"}},
                             {start, "Drafting"},
                             {submit, "Submitted"},
                             {return_, "Returned", "OnTrack", {"returned:owner"}},
                             {submit, "Submitted"},
                             {approve, "Approved", "OnTrack", {"approved:owner"}},
                             {present, "Done"},
                         });
}

TEST(ThamLuan, SubmitAlwaysNeedsTheTitle) {
  const event_spec* submit_spec = tham_luan_kind().find_event(submit);
  ASSERT_NE(submit_spec, nullptr);
  EXPECT_EQ(submit_spec->needs, requirement::data_string);
  EXPECT_EQ(submit_spec->field, "title");
}

TEST(ThamLuan, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(tham_luan_kind(), {});
  check_cancel_and_reassign(tham_luan_kind(), {acknowledge});
  check_cancel_and_reassign(tham_luan_kind(), {acknowledge, start});
  check_cancel_and_reassign(tham_luan_kind(), {acknowledge, start, submit});
  check_cancel_and_reassign(tham_luan_kind(), {acknowledge, start, submit, approve});
  check_cancel_and_reassign(tham_luan_kind(), {acknowledge, start, submit, return_});
}

TEST(ThamLuan, FollowsItsTableInEveryState) {
  check_against_model(tham_luan_kind(), tham_luan());
}
TEST(ThamLuan, DeclaresEachEventItHandlesOnce) {
  check_event_specs(tham_luan_kind(), tham_luan());
}
TEST(ThamLuan, ReplayedJournalGivesTheSameState) {
  check_replay(tham_luan_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& venue() {
  static const kind_model model{
      .name = "venue",
      .label_vi = "Hội trường, điều kiện tổ chức",
      .open = {"Assigned", "Acknowledged", "InProgress", "Ready", "Returned"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", start, "InProgress"},
              {"InProgress", mark_ready, "Ready"},
              {"Ready", approve, "Done", {"approved:owner"}},
              {"Ready", return_, "Returned", {"returned:owner"}},
              {"Returned", start, "InProgress"},
              {"Returned", mark_ready, "Ready"},
          },
      .own_events =
          {
              {start, who::owner, "Bắt đầu thực hiện"},
              {mark_ready, who::owner, "Báo đã sẵn sàng"},
              {approve, who::coordinator, "Phê duyệt"},
              {return_, who::coordinator, "Trả lại", requirement::note},
          },
      .delivered = {"Ready", "Done"},
      .delivers = mark_ready,
  };
  return model;
}

TEST(Venue, IsApprovedOnceReady) {
  walk(venue_kind(), {
                         {acknowledge, "Acknowledged"},
                         {start, "InProgress"},
                         {mark_ready, "Ready"},
                         {approve, "Done", "OnTrack", {"approved:owner"}},
                     });
}

TEST(Venue, ReturnedVenueIsReworkedOrReportedReadyAgain) {
  walk(venue_kind(), {
                         {acknowledge, "Acknowledged"},
                         {start, "InProgress"},
                         {mark_ready, "Ready"},
                         {return_, "Returned", "OnTrack", {"returned:owner"}},
                         {start, "InProgress"},
                         {mark_ready, "Ready"},
                         {return_, "Returned", "OnTrack", {"returned:owner"}},
                         {mark_ready, "Ready"},
                         {due_soon, "Ready", "DueSoon", {"due_soon:owner"}},
                         {approve, "Done", "DueSoon", {"approved:owner"}},
                     });
}

TEST(Venue, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(venue_kind(), {});
  check_cancel_and_reassign(venue_kind(), {acknowledge});
  check_cancel_and_reassign(venue_kind(), {acknowledge, start});
  check_cancel_and_reassign(venue_kind(), {acknowledge, start, mark_ready});
  check_cancel_and_reassign(venue_kind(), {acknowledge, start, mark_ready, return_});
}

TEST(Venue, FollowsItsTableInEveryState) {
  check_against_model(venue_kind(), venue());
}
TEST(Venue, DeclaresEachEventItHandlesOnce) {
  check_event_specs(venue_kind(), venue());
}
TEST(Venue, ReplayedJournalGivesTheSameState) {
  check_replay(venue_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

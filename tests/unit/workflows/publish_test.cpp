#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& publish_model() {
  static const kind_model model{
      .name = "publish",
      .label_vi = "Đăng tải tài liệu",
      .open = {"Assigned", "Acknowledged", "Published", "Returned"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", publish, "Published"},
              {"Published", approve, "Done", {"approved:owner"}},
              {"Published", return_, "Returned", {"returned:owner"}},
              {"Returned", publish, "Published"},
          },
      .own_events =
          {
              {publish, who::owner, "Đăng tải", requirement::data_url, "url"},
              {approve, who::coordinator, "Phê duyệt"},
              {return_, who::coordinator, "Trả lại", requirement::note},
          },
      .delivered = {"Published", "Done"},
      .delivers = publish,
  };
  return model;
}

TEST(Publish, PostedDocumentsAreApproved) {
  walk(publish_kind(), {
                           {acknowledge, "Acknowledged"},
                           {publish, "Published"},
                           {approve, "Done", "OnTrack", {"approved:owner"}},
                       });
}

TEST(Publish, ReturnedPostIsPublishedAgain) {
  walk(publish_kind(), {
                           {acknowledge, "Acknowledged"},
                           {publish, "Published"},
                           {return_, "Returned", "OnTrack", {"returned:owner"}},
                           {publish, "Published"},
                           {return_, "Returned", "OnTrack", {"returned:owner"}},
                           {publish, "Published"},
                           {approve, "Done", "OnTrack", {"approved:owner"}},
                       });
}

TEST(Publish, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(publish_kind(), {});
  check_cancel_and_reassign(publish_kind(), {acknowledge});
  check_cancel_and_reassign(publish_kind(), {acknowledge, publish});
  check_cancel_and_reassign(publish_kind(), {acknowledge, publish, return_});
}

TEST(Publish, FollowsItsTableInEveryState) {
  check_against_model(publish_kind(), publish_model());
}
TEST(Publish, DeclaresEachEventItHandlesOnce) {
  check_event_specs(publish_kind(), publish_model());
}
TEST(Publish, ReplayedJournalGivesTheSameState) {
  check_replay(publish_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

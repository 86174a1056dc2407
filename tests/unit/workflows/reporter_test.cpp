#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& reporter() {
  static const kind_model model{
      .name = "reporter",
      .label_vi = "Phóng viên, đưa tin",
      .open = {"Assigned", "Acknowledged", "ReporterNamed", "Attended"},
      .terminal = {"Done", "Cancelled"},
      .rows =
          {
              {"Acknowledged", name_reporter, "ReporterNamed"},
              {"ReporterNamed", name_reporter, "ReporterNamed"},
              {"ReporterNamed", mark_attended, "Attended"},
              {"Attended", publish, "Done"},
          },
      .own_events =
          {
              {name_reporter, who::owner, "Cử phóng viên", requirement::data_string, "name"},
              {mark_attended, who::owner, "Xác nhận đã dự"},
              {publish, who::owner, "Đăng tin", requirement::data_url, "url"},
          },
      .delivered = {"Done"},
      .delivers = publish,
  };
  return model;
}

TEST(Reporter, NewsIsPublishedAfterTheReporterAttended) {
  walk(reporter_kind(), {
                            {acknowledge, "Acknowledged"},
                            {name_reporter, "ReporterNamed"},
                            {mark_attended, "Attended"},
                            {publish, "Done"},
                        });
}

TEST(Reporter, AnotherReporterCanBeNamed) {
  walk(reporter_kind(), {
                            {acknowledge, "Acknowledged"},
                            {name_reporter, "ReporterNamed"},
                            {name_reporter, "ReporterNamed"},
                            {overdue, "ReporterNamed", "Overdue", {"overdue:owner"}},
                            {name_reporter, "ReporterNamed", "Overdue"},
                            {deadline_changed, "ReporterNamed", "OnTrack"},
                            {mark_attended, "Attended"},
                            {publish, "Done"},
                        });
}

TEST(Reporter, CoordinatorHasNoEventsOfItsOwn) {
  for (const auto& e : reporter_kind().events()) {
    if (e.type != cancel && e.type != reassign) {
      EXPECT_NE(e.by, who::coordinator) << event_name(e.type);
    }
  }
}

TEST(Reporter, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(reporter_kind(), {});
  check_cancel_and_reassign(reporter_kind(), {acknowledge});
  check_cancel_and_reassign(reporter_kind(), {acknowledge, name_reporter});
  check_cancel_and_reassign(reporter_kind(), {acknowledge, name_reporter, mark_attended});
}

TEST(Reporter, FollowsItsTableInEveryState) {
  check_against_model(reporter_kind(), reporter());
}
TEST(Reporter, DeclaresEachEventItHandlesOnce) {
  check_event_specs(reporter_kind(), reporter());
}
TEST(Reporter, ReplayedJournalGivesTheSameState) {
  check_replay(reporter_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

#include <gtest/gtest.h>

#include "tests/unit/workflows/kind_model.h"
#include "workflows/registry.h"

namespace dutyflow::kind_check {
namespace {

using enum event_type;

const kind_model& attendance() {
  static const kind_model model{
      .name = "attendance",
      .label_vi = "Cử đại biểu",
      .open = {"Assigned", "Acknowledged", "DelegatesNamed"},
      .terminal = {"Done", "Cancelled", "Absent"},
      .rows =
          {
              {"Acknowledged", name_delegates, "DelegatesNamed"},
              {"DelegatesNamed", name_delegates, "DelegatesNamed"},
              {"DelegatesNamed", mark_attended, "Done"},
              {"Assigned", mark_absent, "Absent"},
              {"Acknowledged", mark_absent, "Absent"},
              {"DelegatesNamed", mark_absent, "Absent"},
          },
      .own_events =
          {
              {name_delegates, who::owner, "Cử đại biểu", requirement::data_list, "delegates"},
              {mark_attended, who::coordinator, "Xác nhận đã dự"},
              {mark_absent, who::coordinator, "Ghi nhận vắng mặt"},
          },
      .delivered = {"DelegatesNamed", "Done"},
      .delivers = name_delegates,
  };
  return model;
}

TEST(Attendance, NamedDelegatesAttend) {
  walk(attendance_kind(), {
                              {acknowledge, "Acknowledged"},
                              {name_delegates, "DelegatesNamed"},
                              {name_delegates, "DelegatesNamed"},
                              {mark_attended, "Done"},
                          });
}

TEST(Attendance, AbsenceIsRecordedFromEveryOpenState) {
  walk(attendance_kind(), {{mark_absent, "Absent"}});
  walk(attendance_kind(), {{acknowledge, "Acknowledged"}, {mark_absent, "Absent"}});
  auto machine = walk(attendance_kind(), {
                                             {acknowledge, "Acknowledged"},
                                             {name_delegates, "DelegatesNamed"},
                                             {due_soon, "DelegatesNamed", "DueSoon", {"due_soon:owner"}},
                                             {mark_absent, "Absent", "DueSoon"},
                                         });
  EXPECT_TRUE(machine->state().terminal());
  std::vector<effect> effects;
  EXPECT_FALSE(machine->fire(overdue, effects));
  EXPECT_FALSE(machine->fire(name_delegates, effects));
  EXPECT_FALSE(machine->fire(reassign, effects));
  EXPECT_TRUE(effects.empty());
}

TEST(Attendance, CancelAndReassignFromEveryOpenState) {
  check_cancel_and_reassign(attendance_kind(), {});
  check_cancel_and_reassign(attendance_kind(), {acknowledge});
  check_cancel_and_reassign(attendance_kind(), {acknowledge, name_delegates});
}

TEST(Attendance, FollowsItsTableInEveryState) {
  check_against_model(attendance_kind(), attendance());
}
TEST(Attendance, DeclaresEachEventItHandlesOnce) {
  check_event_specs(attendance_kind(), attendance());
}
TEST(Attendance, ReplayedJournalGivesTheSameState) {
  check_replay(attendance_kind());
}

}  // namespace
}  // namespace dutyflow::kind_check

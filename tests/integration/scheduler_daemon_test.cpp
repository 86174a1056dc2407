// The scheduler inside the real daemon on a manual clock: the conference date is set,
// the clock advanced day by day through the admin API, and the notifications list holds
// exactly the expected rows — with a restart in the middle.
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>

#include <map>

using namespace dutyflow::testing;
using nlohmann::json;

namespace {

// Rows per (duty, reason, point) for one duty, oldest first.
std::vector<std::string> rows_for(daemon_fixture& d, const std::string& token, const std::string& duty) {
  auto r = d.call("GET", "/api/v1/notifications?plan=182-kh-ubnd-2023&duty=" + duty + "&limit=1000", token);
  EXPECT_EQ(r.status, 200) << r.raw;
  std::vector<std::string> out;
  const auto& list = r.body["notifications"];
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if ((*it)["reason"] != "assigned") out.push_back((*it)["reason"].get<std::string>() + "@" + (*it)["point"].get<std::string>());
  return out;
}

std::map<std::string, int> key_counts(daemon_fixture& d, const std::string& token) {
  auto r = d.call("GET", "/api/v1/notifications?limit=100000", token);
  std::map<std::string, int> out;
  for (const auto& n : r.body["notifications"]) out[n["key"].get<std::string>()] += 1;
  return out;
}

}  // namespace

TEST(SchedulerDaemon, DayByDayTheNotificationsAreExactlyTheExpectedOnesAcrossARestart) {
  daemon_fixture d("manual:2023-06-05T08:00:00+07:00");
  auto coordinator = d.add_token("dieu-phoi", "coordinator", "phong-noi-vu");
  ASSERT_TRUE(d.start()) << d.log();
  auto set = d.call("PUT", "/api/v1/plans/182-kh-ubnd-2023/milestones/conference", coordinator,
                    json{{"at", "2023-06-20T08:00:00+07:00"}}.dump());
  ASSERT_EQ(set.status, 200) << set.raw;

  auto advance_day = [&] {
    auto r = d.call("POST", "/api/v1/admin/clock", coordinator, R"({"advance": "1d"})");
    ASSERT_EQ(r.status, 200) << r.raw;
  };
  // Monday 5/6 -> Tuesday 13/6, then restart, then on to Tuesday 20/6 (each day 08:00).
  for (int i = 0; i < 8; ++i) advance_day();
  EXPECT_EQ(d.stop(), 0) << d.log();
  // A manual clock starts where --clock says: restart it where it stood.
  d.set_clock("manual:2023-06-13T08:00:00+07:00");
  ASSERT_TRUE(d.start()) << d.log();
  for (int i = 0; i < 7; ++i) advance_day();

  // The tham luận of Xã Ma Li Pho is due 2 working days before Tuesday 20/6: 24:00 Friday 16/6.
  EXPECT_EQ(rows_for(d, coordinator, "tham-luan-xa-ma-li-pho"),
            (std::vector<std::string>{
                "deadline_set@2023-06-05T08:00:00+07:00",
                "reminder@2023-06-14T00:00:00+07:00",    // 3 days before
                "due_soon@2023-06-15T00:00:00+07:00",    // 2 working days before
                "reminder@2023-06-16T00:00:00+07:00",    // 1 day before
                "overdue@2023-06-17T00:00:00+07:00",     // Saturday: held to Monday 07:30, with the
                                                         // repeats of Sunday and Monday night in it
                "escalation@2023-06-18T00:00:00+07:00",  // a day later, to the plan's leaders
                "overdue@2023-06-20T00:00:00+07:00",     // the daily repeat of Tuesday
            }));
  auto duty = d.call("GET", "/api/v1/plans/182-kh-ubnd-2023/duties/tham-luan-xa-ma-li-pho", coordinator);
  EXPECT_EQ(duty.body["state"]["timeliness"], "Escalated");
  EXPECT_EQ(duty.body["status"], "open_overdue");
  EXPECT_EQ(duty.body["status_label"], "Chưa hoàn thành quá hạn");
  for (const auto& [key, n] : key_counts(d, coordinator)) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(d.log().find("catch-up"), std::string::npos) << "a restart under a manual clock misses nothing";
}

TEST(SchedulerDaemon, PointsMissedWhileTheDaemonWasDownBecomeOneCatchUpPerDuty) {
  daemon_fixture d("manual:2023-06-05T08:00:00+07:00");
  auto coordinator = d.add_token("dieu-phoi", "coordinator", "phong-noi-vu");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_EQ(d.call("PUT", "/api/v1/plans/182-kh-ubnd-2023/milestones/conference", coordinator,
                   json{{"at", "2023-06-20T08:00:00+07:00"}}.dump())
                .status,
            200);
  EXPECT_EQ(d.stop(), 0);
  // Down from Monday 5/6 until Wednesday 21/6.
  d.set_clock("manual:2023-06-21T09:00:00+07:00");
  ASSERT_TRUE(d.start()) << d.log();
  auto rows = rows_for(d, coordinator, "tham-luan-xa-ma-li-pho");
  EXPECT_EQ(rows, (std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00",
                                            "catch_up@2023-06-21T00:00:00+07:00"}));
  auto all = d.call("GET", "/api/v1/notifications?reason=catch_up&limit=1000", coordinator);
  // One per open duty with a deadline: every duty of the seed plan.
  EXPECT_EQ(all.body["notifications"].size(), 15u) << all.raw;
  for (const auto& [key, n] : key_counts(d, coordinator)) EXPECT_EQ(n, 1) << key;
}

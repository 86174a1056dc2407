// Issue 14, "Trust the four states", on the real daemon with a manual clock and the seed
// plan: a unit's part is judged by the step that delivers it, never by the coordinator's
// review; escalations reach the plan's leaders, never the late unit itself; a weekend's
// overdue points are one mail on Monday.
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

using namespace dutyflow::testing;
using nlohmann::json;

namespace {

const std::string plan_id = "182-kh-ubnd-2023";
const std::string plan_path = "/api/v1/plans/" + plan_id;

// The owner steps that deliver each kind's part, in order, with their data.
std::vector<std::pair<std::string, json>> delivery_path(const std::string& kind) {
  if (kind == "report") return {{"acknowledge", {}}, {"start", {}}, {"submit", {}}};
  if (kind == "tham_luan")
    return {{"acknowledge", {}}, {"start", {}}, {"submit", {{"title", "Giải pháp nâng cao chỉ số CCHC"}}}};
  if (kind == "awards") return {{"acknowledge", {}}, {"start", {}}, {"submit", {{"count", 4}}}};
  if (kind == "venue") return {{"acknowledge", {}}, {"start", {}}, {"mark_ready", {}}};
  if (kind == "publish") return {{"acknowledge", {}}, {"publish", {{"url", "https://phongtho.example/hoi-nghi"}}}};
  if (kind == "reporter")
    return {{"acknowledge", {}},
            {"name_reporter", {{"name", "Lò Văn Minh"}}},
            {"mark_attended", {}},
            {"publish", {{"url", "https://phongtho.example/tin-hoi-nghi"}}}};
  if (kind == "attendance") return {{"acknowledge", {}}, {"name_delegates", {{"delegates", {"Nguyễn Văn An"}}}}};
  ADD_FAILURE() << "no path for kind " << kind;
  return {};
}

// What the coordinator does at the conference once a unit has delivered.
std::vector<std::pair<std::string, json>> follow_up_path(const std::string& kind) {
  if (kind == "report" || kind == "venue" || kind == "publish") return {{"approve", {}}};
  if (kind == "tham_luan") return {{"approve", {}}, {"present", {}}};
  if (kind == "awards") return {{"appraise", {}}, {"decide", {{"decision", "Quyết định số 1234/QĐ-UBND"}}}, {"present", {}}};
  if (kind == "attendance") return {{"mark_attended", {}}};
  return {};  // reporter: the unit's publish finishes it
}

// "2023-06-16" minus one working day (no holiday falls in June 2023), at 09:00 local.
std::string working_day_before(const std::string& day) {
  using namespace std::chrono;
  int y = 0, m = 0, d = 0;
  std::sscanf(day.c_str(), "%d-%d-%d", &y, &m, &d);
  sys_days t{year{y} / month{static_cast<unsigned>(m)} / d};
  do t -= days{1};
  while (weekday{t} == Saturday || weekday{t} == Sunday);
  year_month_day ymd{t};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT09:00:00+07:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    coordinator_ = d_.add_token("dieu-phoi", "coordinator", "phong-noi-vu");
    for (const auto* u : {"phong-noi-vu", "van-phong-hdnd-va-ubnd-huyen", "trung-tam-van-hoa-the-thao-va-truyen-thong",
                          "thi-tran-phong-tho", "xa-ma-li-pho", "xa-sin-suoi-ho"})
      units_[u] = d_.add_token(std::string("don-vi-") + u, "unit", u);
    ASSERT_TRUE(d_.start()) << d_.log();
    auto set = d_.call("PUT", plan_path + "/milestones/conference", coordinator_,
                       json{{"at", "2023-06-20T08:00:00+07:00"}}.dump());
    ASSERT_EQ(set.status, 200) << set.raw;
  }

  void set_clock(const std::string& iso) {
    auto r = d_.call("POST", "/api/v1/admin/clock", coordinator_, json{{"set", iso}}.dump());
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  void fire(const std::string& token, const std::string& duty, const std::string& event, const json& data) {
    json body{{"event", event}};
    if (!data.is_null()) body["data"] = data;
    auto r = d_.call("POST", plan_path + "/duties/" + duty + "/events", token, body.dump());
    ASSERT_EQ(r.status, 200) << duty << " " << event << ": " << r.raw;
  }

  json duties() {
    auto r = d_.call("GET", "/api/v1/duties?plan=" + plan_id, coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["duties"];
  }

  json rows(const std::string& query) {
    auto r = d_.call("GET", "/api/v1/notifications?plan=" + plan_id + "&limit=100000" + query, coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["notifications"];
  }

  // Every duty delivered one working day before its deadline (`late`: this one on
  // `late_at` instead), in time order; then the coordinator's follow-up at the conference,
  // and the clock on past every deadline and escalation.
  void run_plan(const std::string& late = "", const std::string& late_at = "") {
    std::vector<std::pair<std::string, json>> order;  // delivery instant -> duty
    for (const auto& d : duties()) {
      ASSERT_TRUE(d["deadline_date"].is_string()) << d.dump();
      const std::string id = d["id"];
      order.emplace_back(id == late ? late_at : working_day_before(d["deadline_date"]), d);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [at, d] : order) {
      set_clock(at);
      for (const auto& [event, data] : delivery_path(d["kind"])) fire(units_.at(d["owner"]), d["id"], event, data);
      auto after = d_.call("GET", plan_path + "/duties/" + d["id"].get<std::string>(), coordinator_);
      EXPECT_EQ(after.body["unit_part_open"], false) << after.raw;
      EXPECT_TRUE(after.body["delivery"]["delivered_at"].is_string()) << after.raw;
    }
    set_clock("2023-06-20T10:00:00+07:00");  // at the conference
    for (const auto& [at, d] : order)
      for (const auto& [event, data] : follow_up_path(d["kind"])) fire(coordinator_, d["id"], event, data);
    set_clock("2023-06-26T10:00:00+07:00");  // a week on: nothing more may fire
  }

  daemon_fixture d_{"manual:2023-06-05T08:00:00+07:00"};
  std::string coordinator_;
  std::map<std::string, std::string> units_;
};

TEST_F(Trust, EveryDutyDeliveredADayEarlyIsDoneOnTimeWhateverTheReviewTook) {
  run_plan();
  for (const auto& d : duties()) {
    EXPECT_EQ(d["status"], "done_on_time") << d["id"] << " " << d.dump();
    EXPECT_EQ(d["state"]["progress"], "Done") << d["id"];
    EXPECT_EQ(d["delivery"]["late"], false) << d["id"];
    EXPECT_TRUE(d["follow_up"].is_null()) << d["id"];
  }
  EXPECT_EQ(rows("&reason=overdue").size(), 0u) << rows("&reason=overdue").dump();
  EXPECT_EQ(rows("&reason=escalation").size(), 0u);
  EXPECT_EQ(rows("&reason=catch_up").size(), 0u);
  auto plan = d_.call("GET", plan_path, coordinator_);
  EXPECT_EQ(plan.body["counts"]["total"], 15);
  EXPECT_EQ(plan.body["counts"]["done"], 15);
  EXPECT_EQ(plan.body["counts"]["overdue"], 0);
  EXPECT_EQ(plan.body["counts"]["by_status"]["done_on_time"], 15) << plan.body["counts"].dump();
}

TEST_F(Trust, OneLateUnitIsTheOnlyLateDutyAndItsEscalationReachesTheLeaders) {
  // Xã Ma Li Pho's tham luận is due at the end of Friday 16/6; it comes on Monday 19/6 at
  // 09:00, after Monday's overdue mail and escalation (both held over the weekend).
  run_plan("tham-luan-xa-ma-li-pho", "2023-06-19T09:00:00+07:00");
  for (const auto& d : duties()) {
    if (d["id"] == "tham-luan-xa-ma-li-pho") {
      EXPECT_EQ(d["status"], "done_late") << d.dump();
      EXPECT_EQ(d["escalated_to"]["unit"], "lanh-dao-ubnd-huyen") << d.dump();
      EXPECT_EQ(d["state"]["timeliness_label"], "Đã báo lãnh đạo");
    } else {
      EXPECT_EQ(d["status"], "done_on_time") << d["id"] << " " << d.dump();
    }
  }
  auto escalations = rows("&reason=escalation");
  ASSERT_EQ(escalations.size(), 1u) << escalations.dump();
  EXPECT_EQ(escalations[0]["duty"], "tham-luan-xa-ma-li-pho");
  EXPECT_EQ(escalations[0]["unit"], "lanh-dao-ubnd-huyen") << "the leaders, not the coordinator";
  for (const auto& n : rows("")) {
    if (n["reason"] == "overdue") {
      EXPECT_EQ(n["duty"], "tham-luan-xa-ma-li-pho") << n.dump();
    }
    if (n["reason"] == "escalation") {
      EXPECT_NE(n["unit"], "phong-noi-vu");
    }
  }
  auto plan = d_.call("GET", plan_path, coordinator_);
  EXPECT_EQ(plan.body["counts"]["by_status"]["done_on_time"], 14) << plan.body["counts"].dump();
  EXPECT_EQ(plan.body["counts"]["by_status"]["done_late"], 1);
}

TEST_F(Trust, ASubmittedPaperWaitingForApprovalIsTheCoordinatorsItemNotTheUnitsLateness) {
  set_clock("2023-06-06T09:00:00+07:00");
  for (const auto& [event, data] : delivery_path("tham_luan")) fire(units_.at("xa-ma-li-pho"), "tham-luan-xa-ma-li-pho", event, data);
  set_clock("2023-06-22T09:00:00+07:00");  // its deadline (16/6) long past, still not approved
  auto d = d_.call("GET", plan_path + "/duties/tham-luan-xa-ma-li-pho", coordinator_).body;
  EXPECT_EQ(d["status"], "done_on_time") << d.dump();
  EXPECT_EQ(d["state"]["timeliness"], "OnTrack");
  EXPECT_EQ(d["unit_part_open"], false);
  ASSERT_TRUE(d["follow_up"].is_object()) << d.dump();
  EXPECT_EQ(d["follow_up"]["events"], json({"approve", "return"}));
  EXPECT_EQ(d["follow_up"]["waited_seconds"], 16 * 24 * 3600);
  for (const auto& n : rows("&duty=tham-luan-xa-ma-li-pho"))
    EXPECT_TRUE(n["reason"] == "assigned" || n["reason"] == "deadline_set") << n.dump();
  auto plan = d_.call("GET", plan_path, coordinator_);
  EXPECT_EQ(plan.body["counts"]["follow_up"], 1);
  auto metrics = d_.call("GET", "/metrics", coordinator_);
  EXPECT_NE(metrics.raw.find("dutyflow_follow_up_waiting{plan=\"182-kh-ubnd-2023\",step=\"approve\"} 1"),
            std::string::npos)
      << metrics.raw;
}

TEST_F(Trust, AReturnGivesTheUnitBackTheDaysItsWorkSatWithTheCoordinator) {
  set_clock("2023-06-12T09:00:00+07:00");  // Monday; the paper is due at the end of Friday 16/6
  for (const auto& [event, data] : delivery_path("tham_luan")) fire(units_.at("xa-ma-li-pho"), "tham-luan-xa-ma-li-pho", event, data);
  set_clock("2023-06-19T10:00:00+07:00");  // returned a week later, after the deadline
  auto r = d_.call("POST", plan_path + "/duties/tham-luan-xa-ma-li-pho/events", coordinator_,
                   json{{"event", "return"}, {"note", "Bổ sung số liệu 6 tháng"}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["deadline_date"], "2023-06-23") << "16/6 plus the 7 days it waited";
  EXPECT_EQ(r.body["status"], "open_on_time");
  EXPECT_EQ(r.body["unit_part_open"], true);
  auto returned = rows("&duty=tham-luan-xa-ma-li-pho&reason=returned");
  ASSERT_EQ(returned.size(), 1u);
  EXPECT_EQ(returned[0]["unit"], "xa-ma-li-pho");
  // Resubmitted within the days given back: on time.
  set_clock("2023-06-22T09:00:00+07:00");
  fire(units_.at("xa-ma-li-pho"), "tham-luan-xa-ma-li-pho", "submit", {{"title", "Bản bổ sung"}});
  auto d = d_.call("GET", plan_path + "/duties/tham-luan-xa-ma-li-pho", coordinator_).body;
  EXPECT_EQ(d["status"], "done_on_time") << d.dump();
  EXPECT_EQ(rows("&duty=tham-luan-xa-ma-li-pho&reason=overdue").size(), 0u);
  // The same after a restart: the journal alone says so.
  EXPECT_EQ(d_.stop(), 0) << d_.log();
  d_.set_clock("manual:2023-06-22T09:00:00+07:00");
  ASSERT_TRUE(d_.start()) << d_.log();
  auto again = d_.call("GET", plan_path + "/duties/tham-luan-xa-ma-li-pho", coordinator_).body;
  EXPECT_EQ(again["status"], "done_on_time");
  EXPECT_EQ(again["deadline"], d["deadline"]);
}

TEST_F(Trust, AWeekendsOverduePointsAreOneMailPerDutyOnMondayAndNoneOnTheWeekend) {
  // Nobody delivers. Thursday 15/6 (reports) and Friday 16/6 (tham luận) deadlines pass;
  // their points of Saturday, Sunday and Monday night wait for Monday's opening.
  auto created_on = [&](const std::string& day, const std::string& reason) {
    std::map<std::string, int> per_duty;
    for (const auto& n : rows("&reason=" + reason))
      if (n["created_at"].get<std::string>().rfind(day, 0) == 0) per_duty[n["duty"]] += 1;
    return per_duty;
  };
  // Through the week first: a jump of the manual clock stamps what it fires with the time
  // it jumped to.
  for (const char* day : {"2023-06-12T12:00:00+07:00", "2023-06-13T12:00:00+07:00", "2023-06-14T12:00:00+07:00",
                          "2023-06-15T12:00:00+07:00", "2023-06-16T12:00:00+07:00", "2023-06-16T23:00:00+07:00"})
    set_clock(day);
  set_clock("2023-06-17T12:00:00+07:00");
  set_clock("2023-06-18T12:00:00+07:00");
  set_clock("2023-06-18T23:59:00+07:00");
  EXPECT_TRUE(created_on("2023-06-17", "overdue").empty());
  EXPECT_TRUE(created_on("2023-06-18", "overdue").empty());
  EXPECT_TRUE(created_on("2023-06-17", "escalation").empty());
  EXPECT_TRUE(created_on("2023-06-18", "escalation").empty());
  set_clock("2023-06-19T08:00:00+07:00");
  auto monday = created_on("2023-06-19", "overdue");
  // Overdue by Monday morning: the awards (13/6), the two reports (15/6), the three tham luận (16/6).
  EXPECT_EQ(monday.size(), 6u);
  for (const auto& [duty, n] : monday) EXPECT_EQ(n, 1) << duty;
  const auto one = rows("&duty=tham-luan-xa-ma-li-pho&reason=overdue");
  ASSERT_EQ(one.size(), 1u) << one.dump();
  EXPECT_EQ(one[0]["point"], "2023-06-17T00:00:00+07:00") << "the overdue state's own notice carries the weekend";
  EXPECT_EQ(one[0]["unit"], "xa-ma-li-pho");
  auto escalations = rows("&reason=escalation");
  for (const auto& n : escalations) EXPECT_EQ(n["unit"], "lanh-dao-ubnd-huyen") << n.dump();
  // Escalated on Monday: the reports (their day after fell on Saturday) and the tham luận
  // (Sunday); the awards were escalated on Thursday already.
  EXPECT_EQ(created_on("2023-06-19", "escalation").size(), 5u);
}

TEST_F(Trust, AConferenceDateInThePastOfTheDaemonsClockAsksForConfirmation) {
  set_clock("2023-06-26T09:00:00+07:00");
  auto r = d_.call("PUT", plan_path + "/milestones/conference", coordinator_,
                   json{{"at", "2023-06-21T08:00:00+07:00"}}.dump());
  ASSERT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "confirm_past");
  EXPECT_GT(r.body["error"]["details"]["fires"].get<int>(), 0);
  // Nothing changed: the conference is still on 20/6.
  auto plan = d_.call("GET", plan_path, coordinator_);
  EXPECT_EQ(plan.body["milestones"][0]["at"], "2023-06-20T08:00:00+07:00");
  auto ok = d_.call("PUT", plan_path + "/milestones/conference?confirm=past", coordinator_,
                    json{{"at", "2023-06-21T08:00:00+07:00"}}.dump());
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

}  // namespace

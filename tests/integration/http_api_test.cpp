// The HTTP API of the real dutyflowd: real process, real loopback HTTP, real SQLite file.
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>

#include <set>

using namespace dutyflow::testing;
using nlohmann::json;

namespace {

const std::string plan_path = "/api/v1/plans/182-kh-ubnd-2023";
const std::string tham_luan = plan_path + "/duties/tham-luan-xa-ma-li-pho";

class HttpApi : public ::testing::Test {
 protected:
  void SetUp() override {
    coordinator_ = d_.add_token("dieu-phoi", "coordinator", "phong-noi-vu");
    ma_li_pho_ = d_.add_token("xa-ma-li-pho", "unit", "xa-ma-li-pho");
    sin_suoi_ho_ = d_.add_token("xa-sin-suoi-ho", "unit", "xa-sin-suoi-ho");
    viewer_ = d_.add_token("lanh-dao", "viewer");
    ASSERT_TRUE(d_.start()) << d_.log();
  }

  reply fire(const std::string& duty_path, const std::string& token, const json& body,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return d_.call("POST", duty_path + "/events", token, body.dump(), headers);
  }
  json duty(const std::string& duty_path) {
    auto r = d_.call("GET", duty_path, coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  // Expects a refusal with `status` and the error shape of DESIGN.md, and that the duty
  // (state, version, history) did not change.
  void expect_refused(int status, const std::function<reply()>& request, const std::string& duty_path = tham_luan) {
    auto before = duty(duty_path);
    auto r = request();
    EXPECT_EQ(r.status, status) << r.raw;
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    ASSERT_TRUE(r.body.contains("error")) << r.raw;
    EXPECT_TRUE(r.body["error"]["code"].is_string());
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
    EXPECT_TRUE(r.body["error"]["details"].is_object());
    EXPECT_EQ(duty(duty_path), before) << "a refusal changed the duty";
  }

  daemon_fixture d_;
  std::string coordinator_, ma_li_pho_, sin_suoi_ho_, viewer_;
};

}  // namespace

TEST_F(HttpApi, HealthzAnswersWithoutAToken) {
  auto r = d_.call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, json({{"status", "ok"}}));
}

TEST_F(HttpApi, ThamLuanWalkedThroughItsWholePathByItsOwnerAndTheCoordinator) {
  auto plans = d_.call("GET", "/api/v1/plans", viewer_);
  ASSERT_EQ(plans.status, 200);
  EXPECT_EQ(plans.body["plans"][0]["number"], "182/KH-UBND");
  EXPECT_EQ(plans.body["plans"][0]["counts"]["pending"], plans.body["plans"][0]["counts"]["total"]);

  auto initial = d_.call("GET", tham_luan, ma_li_pho_);
  ASSERT_EQ(initial.status, 200);
  EXPECT_EQ(initial.body["state"]["progress"], "Assigned");
  EXPECT_EQ(initial.body["allowed_events"], json::array({"acknowledge", "comment"}));
  EXPECT_EQ(initial.headers["etag"], "\"1\"");

  struct step {
    std::string token, event;
    json data;
    std::string note, progress;
  };
  std::vector<step> path = {
      {ma_li_pho_, "acknowledge", json::object(), "", "Acknowledged"},
      {ma_li_pho_, "start", json::object(), "", "Drafting"},
      {ma_li_pho_, "submit", {{"title", "Một số giải pháp cải thiện chỉ số cải cách thủ tục hành chính"}}, "", "Submitted"},
      {coordinator_, "return", json::object(), "Bổ sung số liệu năm 2022", "Returned"},
      {ma_li_pho_, "submit", {{"title", "Một số giải pháp cải thiện chỉ số cải cách thủ tục hành chính (bản 2)"}}, "",
       "Submitted"},
      {coordinator_, "approve", json::object(), "", "Approved"},
      {coordinator_, "present", json::object(), "", "Done"},
  };
  int version = 1;
  for (const auto& s : path) {
    json body{{"event", s.event}, {"data", s.data}};
    if (!s.note.empty()) body["note"] = s.note;
    auto r = fire(tham_luan, s.token, body);
    ASSERT_EQ(r.status, 200) << s.event << ": " << r.raw;
    EXPECT_EQ(r.body["state"]["progress"], s.progress) << s.event;
    EXPECT_EQ(r.body["version"], ++version);
    EXPECT_EQ(r.body["event"]["event"], s.event);
  }
  auto done = duty(tham_luan);
  EXPECT_EQ(done["state"]["progress_label"], "Hoàn thành");
  ASSERT_EQ(done["history"].size(), path.size() + 1);
  EXPECT_EQ(done["history"][4]["event"], "return");
  EXPECT_EQ(done["history"][4]["actor"], "dieu-phoi");
  EXPECT_EQ(done["history"][4]["note"], "Bổ sung số liệu năm 2022");
  EXPECT_EQ(done["history"][1]["actor"], "xa-ma-li-pho");
}

TEST_F(HttpApi, EveryRefusalHasItsStatusAndChangesNothing) {
  expect_refused(401, [&] { return fire(tham_luan, "", json{{"event", "acknowledge"}}); });
  expect_refused(401, [&] { return fire(tham_luan, "dft_not-a-real-token", json{{"event", "acknowledge"}}); });
  expect_refused(403, [&] { return fire(tham_luan, sin_suoi_ho_, json{{"event", "acknowledge"}}); });
  expect_refused(403, [&] { return fire(tham_luan, viewer_, json{{"event", "acknowledge"}}); });
  expect_refused(409, [&] {
    auto r = fire(tham_luan, ma_li_pho_, json{{"event", "submit"}, {"data", {{"title", "Sớm quá"}}}});
    EXPECT_EQ(r.body["error"]["details"]["allowed_events"], json::array({"acknowledge", "comment"})) << r.raw;
    return r;
  });
  expect_refused(412, [&] { return fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}, {{"If-Match", "\"7\""}}); });
  expect_refused(400, [&] { return d_.call("POST", tham_luan + "/events", ma_li_pho_, "{\"event\": \"acknowledge\""); });
  expect_refused(400, [&] { return d_.call("POST", tham_luan + "/events", ma_li_pho_, "[1,2]"); });
  expect_refused(400, [&] { return fire(tham_luan, ma_li_pho_, json{{"note", "không có sự kiện"}}); });
  expect_refused(413, [&] {
    std::string huge = "{\"event\": \"acknowledge\", \"note\": \"" + std::string(2 * 1024 * 1024, 'a') + "\"}";
    return d_.call("POST", tham_luan + "/events", ma_li_pho_, huge);
  });
  expect_refused(404, [&] { return fire(plan_path + "/duties/khong-co", ma_li_pho_, json{{"event", "acknowledge"}}); });
  expect_refused(404, [&] { return fire(tham_luan, ma_li_pho_, json{{"event", "dance"}}); });
  expect_refused(404, [&] { return fire("/api/v1/plans/khong-co/duties/x", ma_li_pho_, json{{"event", "acknowledge"}}); });
  // A matching If-Match goes through.
  auto ok = fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}, {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(HttpApi, ARestartKeepsEveryStateVersionAndHistoryEntry) {
  ASSERT_EQ(fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}).status, 200);
  ASSERT_EQ(fire(tham_luan, ma_li_pho_, json{{"event", "comment"}, {"note", "Đang chuẩn bị số liệu"}}).status, 200);
  // The daemon runs on the system clock: a 2023 date is in its past, on purpose here.
  auto ms = d_.call("PUT", plan_path + "/milestones/conference?confirm=past", coordinator_,
                    json{{"at", "2023-06-27T08:00:00+07:00"}}.dump());
  ASSERT_EQ(ms.status, 200) << ms.raw;
  std::vector<json> before;
  auto all = d_.call("GET", "/api/v1/duties?plan=182-kh-ubnd-2023", coordinator_);
  ASSERT_EQ(all.status, 200);
  for (const auto& dj : all.body["duties"]) before.push_back(duty(plan_path + "/duties/" + dj["id"].get<std::string>()));

  EXPECT_EQ(d_.stop(), 0) << d_.log();
  ASSERT_TRUE(d_.start()) << d_.log();
  std::vector<json> after;
  for (const auto& dj : all.body["duties"]) after.push_back(duty(plan_path + "/duties/" + dj["id"].get<std::string>()));
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    // Time moves on between the two reads; everything else must be identical.
    before[i].erase("status");
    after[i].erase("status");
    before[i].erase("status_label");
    after[i].erase("status_label");
    EXPECT_EQ(after[i], before[i]) << before[i]["id"];
  }
  // Tuesday 27/6 less two working days is Friday 23/6, ending at 24:00.
  EXPECT_EQ(duty(tham_luan)["deadline"], "2023-06-24T00:00:00+07:00");
}

TEST_F(HttpApi, ARepeatedIdempotencyKeyReturnsTheFirstAnswerEvenAfterARestart) {
  std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "ack-1"}};
  auto first = fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}, key);
  ASSERT_EQ(first.status, 200) << first.raw;
  auto second = fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}, key);
  EXPECT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.headers["idempotent-replayed"], "true");
  EXPECT_EQ(duty(tham_luan)["version"], 2) << "applied once";

  ASSERT_EQ(d_.stop(), 0);
  ASSERT_TRUE(d_.start()) << d_.log();
  auto third = fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}, key);
  EXPECT_EQ(third.status, 200) << third.raw;
  EXPECT_EQ(third.body, first.body);
  EXPECT_EQ(duty(tham_luan)["version"], 2);
  // The same key for another request is refused.
  auto other = fire(tham_luan, ma_li_pho_, json{{"event", "start"}}, key);
  EXPECT_EQ(other.status, 400) << other.raw;
}

TEST_F(HttpApi, PlansCanBePostedValidatedAndAreNotReplacedSilently) {
  auto seed = read_file(source_path("config/plans/182-kh-ubnd-2023.json"));
  auto same = d_.call("POST", "/api/v1/plans", coordinator_, seed);
  EXPECT_EQ(same.status, 200) << "the same content again is not a change: " << same.raw;
  auto changed = json::parse(seed);
  changed["title"] = "Một kế hoạch khác";
  EXPECT_EQ(d_.call("POST", "/api/v1/plans", coordinator_, changed.dump()).status, 409);
  changed["id"] = "ke-hoach-moi";
  changed["duties"][0]["kind"] = "banquet";
  changed["duties"][1]["owner"] = "xa-abc";
  auto bad = d_.call("POST", "/api/v1/plans", coordinator_, changed.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["details"]["errors"].size(), 2u) << bad.raw;
  changed["duties"][0]["kind"] = "report";
  changed["duties"][1]["owner"] = "phong-noi-vu";
  EXPECT_EQ(d_.call("POST", "/api/v1/plans", ma_li_pho_, changed.dump()).status, 403);
  auto created = d_.call("POST", "/api/v1/plans", coordinator_, changed.dump());
  EXPECT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(d_.call("GET", "/api/v1/plans/ke-hoach-moi", viewer_).status, 200);
}

TEST_F(HttpApi, DutyQueriesFilterAcrossPlans) {
  ASSERT_EQ(fire(tham_luan, ma_li_pho_, json{{"event", "acknowledge"}}).status, 200);
  auto mine = d_.call("GET", "/api/v1/duties?unit=xa-ma-li-pho", ma_li_pho_);
  ASSERT_EQ(mine.status, 200);
  std::set<std::string> ids;
  for (const auto& dj : mine.body["duties"]) ids.insert(dj["id"]);
  EXPECT_EQ(ids, (std::set<std::string>{"tham-luan-xa-ma-li-pho",
                                        "cu-dai-bieu-tham-du.xa-ma-li-pho"}));
  auto acked = d_.call("GET", "/api/v1/duties?state=Acknowledged", viewer_);
  ASSERT_EQ(acked.body["duties"].size(), 1u);
  EXPECT_EQ(d_.call("GET", "/api/v1/duties?overdue=maybe", viewer_).status, 400);
  EXPECT_EQ(d_.call("GET", "/api/v1/duties?overdue=true", viewer_).body["duties"].size(), 0u);
}

TEST_F(HttpApi, NotificationsAreForCoordinatorsAndTheClockEndpointOnlyForManualClocks) {
  auto rows = d_.call("GET", "/api/v1/notifications?reason=assigned&limit=5", coordinator_);
  ASSERT_EQ(rows.status, 200) << rows.raw;
  EXPECT_EQ(rows.body["notifications"].size(), 5u);
  EXPECT_EQ(d_.call("GET", "/api/v1/notifications", ma_li_pho_).status, 403);
  EXPECT_EQ(d_.call("GET", "/api/v1/notifications?limit=0", coordinator_).status, 400);
  EXPECT_EQ(d_.call("POST", "/api/v1/admin/clock", coordinator_, R"({"advance": "1d"})").status, 404);
}

TEST_F(HttpApi, UnknownRoutesAndMethods) {
  EXPECT_EQ(d_.call("GET", "/api/v1/nothing-here", viewer_).status, 404);
  EXPECT_EQ(d_.call("DELETE", "/api/v1/plans", coordinator_).status, 405);
  EXPECT_EQ(d_.call("GET", "/api/v1/plans/%ZZ", viewer_).status, 400);
}

TEST(HttpApiManualClock, TheAdminClockMovesOnlyTheManualClock) {
  daemon_fixture d("manual:2023-06-05T08:00:00+07:00");
  auto coordinator = d.add_token("dieu-phoi", "coordinator");
  auto unit = d.add_token("xa-ma-li-pho", "unit", "xa-ma-li-pho");
  ASSERT_TRUE(d.start()) << d.log();
  auto r = d.call("POST", "/api/v1/admin/clock", coordinator, R"({"advance": "6h"})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["now"], "2023-06-05T14:00:00+07:00");
  r = d.call("POST", "/api/v1/admin/clock", coordinator, R"({"set": "2023-06-10T08:00:00+07:00"})");
  EXPECT_EQ(r.body["now"], "2023-06-10T08:00:00+07:00");
  EXPECT_EQ(d.call("POST", "/api/v1/admin/clock", coordinator, R"({"set": "2023-06-01T08:00:00+07:00"})").status, 400);
  EXPECT_EQ(d.call("POST", "/api/v1/admin/clock", unit, R"({"advance": "1h"})").status, 403);
  EXPECT_EQ(d.call("POST", "/api/v1/admin/clock", coordinator, R"({"advance": "soon"})").status, 400);
  // Events are stamped with the manual clock.
  auto ack = d.call("POST", tham_luan + "/events", unit, R"({"event": "acknowledge"})");
  ASSERT_EQ(ack.status, 200);
  EXPECT_EQ(ack.body["event"]["at"], "2023-06-10T08:00:00+07:00");
}

TEST(HttpApiCli, AUnitAcknowledgesItsDutyWithDutyflowAck) {
  daemon_fixture d;
  auto unit = d.add_token("xa-sin-suoi-ho", "unit", "xa-sin-suoi-ho");
  ASSERT_TRUE(d.start()) << d.log();
  auto r = run({binary("dutyflow"), "--server", d.url(), "--token", unit, "ack", "182-kh-ubnd-2023/tham-luan-xa-sin-suoi-ho"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Đã nhận"), std::string::npos) << r.out;
  auto again = run({binary("dutyflow"), "--server", d.url(), "--token", unit, "ack", "182-kh-ubnd-2023/tham-luan-xa-sin-suoi-ho"});
  EXPECT_EQ(again.exit_code, 1);
  // One Vietnamese line with the API's code in brackets (issue 14).
  EXPECT_NE(again.err.find("[conflict]"), std::string::npos) << again.err;
  auto other = run({binary("dutyflow"), "--server", d.url(), "--token", unit, "ack", "182-kh-ubnd-2023/tham-luan-xa-ma-li-pho"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("[forbidden]"), std::string::npos) << other.err;
  auto shown = run({binary("dutyflow"), "--server", d.url(), "--token", unit, "show", "182-kh-ubnd-2023/tham-luan-xa-sin-suoi-ho", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["state"]["progress"], "Acknowledged");
  auto table = run({binary("dutyflow"), "--server", d.url(), "--token", unit, "duties", "--unit", "xa-sin-suoi-ho"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Tham luận"), std::string::npos) << table.out;
  auto unreachable = run({binary("dutyflow"), "--server", "http://127.0.0.1:1", "--token", unit, "plans"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos);
}

#include "adapters/notify/message.h"

#include "tests/support/daemon_process.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace dutyflow;
using namespace dutyflow::notify;

namespace {

instant at(const char* iso) { return *parse_instant(iso); }

std::shared_ptr<const plan> seed_plan() {
  auto loaded = load_plan_file(dutyflow::testing::source_path("config/plans/182-kh-ubnd-2023.json"), builtin_kinds());
  if (!loaded) throw std::runtime_error(loaded.err().message);
  return loaded->value;
}

outbox_row row(const std::string& duty, const std::string& unit, const std::string& reason, nlohmann::json payload) {
  outbox_row r;
  r.id = 1;
  r.plan = "182-kh-ubnd-2023";
  r.duty = duty;
  r.unit = unit;
  r.reason = reason;
  r.point = at("2023-06-05T08:00:00+07:00");
  r.created_at = r.point;
  r.key = r.plan + "/" + duty + "/" + reason + "/2023-06-05T01:00:00Z";
  r.payload = std::move(payload);
  return r;
}

std::string text_of(const result<message>& m) { return m ? m->text : "compose failed: " + m.err().message; }

// The seed plan with a leader unit that receives escalations, as issue 14 asks of a plan.
std::shared_ptr<const plan> seed_plan_with_leader() {
  std::ifstream in(dutyflow::testing::source_path("config/plans/182-kh-ubnd-2023.json"));
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = nlohmann::json::parse(buf.str());
  bool has_leader = false;
  for (const auto& u : doc["units"]) has_leader = has_leader || u["id"] == "lanh-dao-ubnd-huyen";
  if (!has_leader)
    doc["units"].push_back({{"id", "lanh-dao-ubnd-huyen"}, {"name", "Chủ tịch, các Phó Chủ tịch UBND huyện"}});
  auto loaded = load_plan(doc, builtin_kinds());
  if (!loaded) throw std::runtime_error(loaded.err().message);
  return loaded->value;
}

const std::string tham_luan_title =
    "Phát biểu tham luận về một số giải pháp cải thiện, nâng cao chỉ số thuộc lĩnh vực cải cách thủ tục hành chính";

}  // namespace

TEST(Compose, AssignmentToTheOwnerCarriesASignedLinkAndTheVietnameseText) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates) << templates.err().message;
  const security::link_tokens signer(security::hmac_signer(std::string(32, 'k'), security::signing_use::action_link));
  compose_options options;
  options.base_url = "https://dutyflow.phongtho.example/";
  auto m = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "assigned", {{"title", tham_luan_title}}), *p,
                   *templates, &signer, options);
  ASSERT_TRUE(m) << m.err().message;
  EXPECT_EQ(m->subject, "[182/KH-UBND] Giao nhiệm vụ: " + tham_luan_title);
  const auto link_at = m->text.find("https://dutyflow.phongtho.example/a/");
  ASSERT_NE(link_at, std::string::npos) << m->text;
  const auto token_at = link_at + std::string("https://dutyflow.phongtho.example/a/").size();
  const auto token = m->text.substr(token_at, m->text.find('\n', token_at) - token_at);
  auto check = signer.verify(token, at("2023-06-05T09:00:00+07:00"));
  ASSERT_EQ(check.result, security::link_check::outcome::ok);
  EXPECT_EQ(check.claims.unit, "xa-ma-li-pho");
  EXPECT_EQ(check.claims.duty, "tham-luan-xa-ma-li-pho");
  EXPECT_EQ(check.claims.expires, at("2023-07-05T08:00:00+07:00"));  // 30 days after it was queued

  std::string text = m->text;
  text.replace(token_at, token.size(), "TOKEN");
  EXPECT_EQ(text,
            "Kính gửi: Xã Ma Li Pho\n"
            "\n"
            "Thực hiện Kế hoạch số 182/KH-UBND ngày 05/6/2023 của UBND huyện Phong Thổ\n"
            "về việc: " + p->title + ",\n"
            "đơn vị được giao thực hiện nhiệm vụ sau:\n"
            "\n"
            "Nhiệm vụ: " + tham_luan_title + "\n"
            "Thời hạn hoàn thành: chưa xác định; hệ thống sẽ thông báo ngay khi có thời hạn.\n"
            "\n"
            "Việc cần làm tiếp theo: xác nhận đơn vị đã nhận nhiệm vụ, triển khai thực hiện và báo cáo kết quả đúng "
            "thời hạn.\n"
            "\n"
            "Xác nhận đã nhận nhiệm vụ (mở liên kết rồi bấm nút \"Xác nhận đã nhận nhiệm vụ\"):\n"
            "https://dutyflow.phongtho.example/a/TOKEN\n"
            "Liên kết dùng được đến 08:00 ngày 05/7/2023.\n"
            "\n"
            "--\n"
            "Thư tự động của hệ thống theo dõi nhiệm vụ dutyflow, xin không trả lời thư này.\n"
            "Mã thông báo: 182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z\n");
  EXPECT_EQ(m->document["id"], "182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z");
  EXPECT_EQ(m->document["unit"]["name"], "Xã Ma Li Pho");
  EXPECT_EQ(m->document["plan"]["number"], "182/KH-UBND");
  EXPECT_TRUE(m->document["link"].is_string());
}

TEST(Compose, EscalationGoesWithoutALinkAndNamesTheLateUnit) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  const security::link_tokens signer(security::hmac_signer(std::string(32, 'k'), security::signing_use::action_link));
  auto m = compose(row("tham-luan-xa-ma-li-pho", "phong-noi-vu", "escalation",
                       {{"title", tham_luan_title}, {"deadline", "2023-06-16T00:00:00+07:00"}}),
                   *p, *templates, &signer, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "[182/KH-UBND] Nhiệm vụ quá hạn chưa hoàn thành: " + tham_luan_title + " (Xã Ma Li Pho)");
  EXPECT_NE(m->text.find("Kính gửi: Phòng Nội vụ\n"), std::string::npos);
  EXPECT_NE(m->text.find("Đơn vị thực hiện: Xã Ma Li Pho\n"), std::string::npos);
  EXPECT_NE(m->text.find("Thời hạn hoàn thành: hết ngày 15/6/2023\n"), std::string::npos) << m->text;
  EXPECT_EQ(m->text.find("/a/"), std::string::npos);
  EXPECT_TRUE(m->document["link"].is_null());
}

TEST(Compose, DeadlineChangeShowsOldAndNewAndReturnShowsTheReason) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto changed = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "deadline_changed",
                             {{"from", "2023-06-15T17:00:00+07:00"}, {"to", "2023-06-20T17:00:00+07:00"}}),
                         *p, *templates, nullptr, {});
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->text.find("Thời hạn cũ: 17:00 ngày 15/6/2023\nThời hạn mới: 17:00 ngày 20/6/2023\n"),
            std::string::npos)
      << changed->text;
  EXPECT_EQ(changed->document["deadline"], "2023-06-20T17:00:00+07:00");

  auto returned = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "returned",
                              {{"note", "Bổ sung số liệu quý II"}, {"deadline", "2023-06-15T17:00:00+07:00"}}),
                          *p, *templates, nullptr, {});
  ASSERT_TRUE(returned);
  EXPECT_NE(returned->text.find("Lý do trả lại: Bổ sung số liệu quý II\n"), std::string::npos) << returned->text;
  EXPECT_NE(returned->text.find("Thời hạn hoàn thành: 17:00 ngày 15/6/2023\n"), std::string::npos);
  EXPECT_NE(returned->text.find("gửi lại kết quả trong thời hạn nêu trên."), std::string::npos);
}

TEST(Compose, ReminderOffersTheAcknowledgeLinkOnlyWhileTheDutyIsAssigned) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  const security::link_tokens signer(security::hmac_signer(std::string(32, 'k'), security::signing_use::action_link));
  for (const char* reason : {"reminder", "due_soon", "overdue"}) {
    auto assigned = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", reason,
                                {{"deadline", "2023-06-16T00:00:00+07:00"}, {"progress", "Assigned"}}),
                            *p, *templates, &signer, {});
    EXPECT_NE(text_of(assigned).find("Đơn vị chưa xác nhận đã nhận nhiệm vụ; đề nghị mở liên kết sau"),
              std::string::npos)
        << reason << "\n" << text_of(assigned);
    EXPECT_NE(text_of(assigned).find("/a/"), std::string::npos) << reason;

    for (const char* progress : {"Acknowledged", "InProgress", "Returned", "Drafting"}) {
      auto later = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", reason,
                               {{"deadline", "2023-06-16T00:00:00+07:00"}, {"progress", progress}}),
                           *p, *templates, &signer, {});
      ASSERT_TRUE(later) << reason;
      EXPECT_EQ(later->text.find("xác nhận"), std::string::npos) << reason << " " << progress << "\n" << later->text;
      EXPECT_EQ(later->text.find("/a/"), std::string::npos) << reason << " " << progress;
      EXPECT_TRUE(later->document["link"].is_null()) << reason << " " << progress;
      EXPECT_NE(later->text.find("Thời hạn hoàn thành: hết ngày 15/6/2023"), std::string::npos) << later->text;
    }
  }
}

TEST(Compose, ReminderSaysHowLongIsLeft) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto m = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "reminder",
                       {{"deadline", "2023-06-16T00:00:00+07:00"}, {"progress", "Acknowledged"}, {"before", "3d"}}),
                   *p, *templates, nullptr, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "[182/KH-UBND] Nhắc việc: " + tham_luan_title + " (hạn hết ngày 15/6/2023)");
  EXPECT_NE(m->text.find("Thời hạn hoàn thành: hết ngày 15/6/2023 (còn 3 ngày)\n"), std::string::npos) << m->text;
}

TEST(Compose, OverdueSaysHowManyDaysAndThatItReplacesTheRemindersOfTheWeekend) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto r = row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "overdue",
               {{"deadline", "2023-06-16T00:00:00+07:00"},
                {"progress", "Acknowledged"},
                {"days_overdue", 3},
                {"coalesced", 3}});
  r.point = at("2023-06-19T07:30:00+07:00");  // Monday's opening after Friday's deadline
  auto m = compose(r, *p, *templates, nullptr, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "[182/KH-UBND] Quá hạn 3 ngày: " + tham_luan_title);
  EXPECT_NE(m->text.find("đã quá thời hạn hoàn thành 3 ngày nhưng hệ thống chưa ghi nhận kết quả"), std::string::npos)
      << m->text;
  EXPECT_NE(m->text.find("Thư này thay cho 3 lần nhắc rơi vào ngoài giờ làm việc"), std::string::npos) << m->text;

  // The first overdue mail (the deadline has just passed, nothing merged) has neither.
  auto first = row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "overdue",
                   {{"deadline", "2023-06-16T00:00:00+07:00"}, {"progress", "Acknowledged"}, {"days_overdue", 0}});
  first.point = at("2023-06-16T00:00:00+07:00");
  auto m0 = compose(first, *p, *templates, nullptr, {});
  ASSERT_TRUE(m0);
  EXPECT_EQ(m0->subject, "[182/KH-UBND] Quá hạn: " + tham_luan_title);
  EXPECT_EQ(m0->text.find("thay cho"), std::string::npos) << m0->text;

  // A row from before the engine counted the days: counted from its point and deadline.
  auto old = row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "overdue", {{"deadline", "2023-06-16T00:00:00+07:00"}});
  old.point = at("2023-06-18T08:00:00+07:00");
  EXPECT_NE(text_of(compose(old, *p, *templates, nullptr, {})).find("đã quá thời hạn hoàn thành 2 ngày"),
            std::string::npos);
}

TEST(Compose, DeadlineOfAMilestoneDutyNamesTheMilestoneAndItsDate) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  const auto& conference = p->milestones.at(0);
  auto set = compose(row("cu-dai-bieu-tham-du.xa-ma-li-pho", "xa-ma-li-pho", "deadline_set",
                         {{"to", "2023-06-20T00:00:00+07:00"},
                          {"progress", "Acknowledged"},
                          {"milestone",
                           {{"id", "conference"}, {"title", conference.title}, {"at", "2023-06-20T08:00:00+07:00"}}}}),
                     *p, *templates, nullptr, {});
  ASSERT_TRUE(set);
  EXPECT_NE(set->text.find("Thời hạn hoàn thành: hết ngày 19/6/2023\n"), std::string::npos) << set->text;
  EXPECT_NE(set->text.find("Thời hạn tính theo mốc: " + conference.title +
                           ", vào 08:00 ngày 20/6/2023 (1 ngày trước mốc này).\n"),
            std::string::npos)
      << set->text;
  EXPECT_EQ(set->document["deadline"], "2023-06-20T00:00:00+07:00");

  auto moved = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "deadline_changed",
                           {{"from", "2023-06-16T00:00:00+07:00"},
                            {"to", "2023-06-21T00:00:00+07:00"},
                            {"milestone",
                             {{"id", "conference"}, {"title", conference.title}, {"at", "2023-06-23T14:00:00+07:00"}}}}),
                       *p, *templates, nullptr, {});
  EXPECT_NE(text_of(moved).find("Thời hạn cũ: hết ngày 15/6/2023\nThời hạn mới: hết ngày 20/6/2023\n"
                                "Thời hạn tính theo mốc: " +
                                conference.title + ", vào 14:00 ngày 23/6/2023 (2 ngày làm việc trước mốc này).\n"),
            std::string::npos)
      << text_of(moved);

  // Without the engine's milestone field the plan still names the milestone.
  auto bare = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "deadline_set", {{"to", "2023-06-16T00:00:00+07:00"}}),
                      *p, *templates, nullptr, {});
  EXPECT_NE(text_of(bare).find("Thời hạn tính theo mốc: " + conference.title + " (2 ngày làm việc trước mốc này).\n"),
            std::string::npos)
      << text_of(bare);
  // A duty with a fixed date names no milestone.
  auto fixed = compose(row("no-such-duty", "xa-ma-li-pho", "deadline_set", {{"to", "2023-06-16T17:00:00+07:00"}}), *p,
                       *templates, nullptr, {});
  EXPECT_EQ(text_of(fixed).find("mốc"), std::string::npos) << text_of(fixed);
  EXPECT_NE(text_of(fixed).find("Thời hạn hoàn thành: 17:00 ngày 16/6/2023\n"), std::string::npos);
}

TEST(Compose, EscalationToTheLeaderNamesTheLateUnitAndTheDaysLate) {
  const auto p = seed_plan_with_leader();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto r = row("tham-luan-xa-ma-li-pho", "lanh-dao-ubnd-huyen", "escalation",
               {{"deadline", "2023-06-16T00:00:00+07:00"}, {"owner", "xa-ma-li-pho"}, {"days_overdue", 1}});
  r.point = at("2023-06-17T08:00:00+07:00");
  auto m = compose(r, *p, *templates, nullptr, {});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "[182/KH-UBND] Nhiệm vụ quá hạn chưa hoàn thành: " + tham_luan_title + " (Xã Ma Li Pho)");
  EXPECT_TRUE(m->text.starts_with("Kính gửi: Chủ tịch, các Phó Chủ tịch UBND huyện\n")) << m->text;
  EXPECT_NE(m->text.find("đã quá thời hạn 1 ngày mà đơn vị thực hiện là Xã Ma Li Pho chưa hoàn thành"),
            std::string::npos)
      << m->text;
  EXPECT_NE(m->text.find("đề nghị chỉ đạo Xã Ma Li Pho khẩn trương hoàn thành"), std::string::npos);
  EXPECT_EQ(m->text.find("/a/"), std::string::npos);
}

TEST(Compose, ReturnedNamesTheNewDeadlineWhenTheReviewTimeWasGivenBack) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto m = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "returned",
                       {{"note", "Bổ sung số liệu quý II"},
                        {"deadline", "2023-06-16T00:00:00+07:00"},
                        {"to", "2023-06-19T00:00:00+07:00"},
                        {"credit_days", 3}}),
                   *p, *templates, nullptr, {});
  ASSERT_TRUE(m);
  EXPECT_NE(m->text.find("Thời hạn mới: hết ngày 18/6/2023 (đã cộng lại thời gian"), std::string::npos) << m->text;
  EXPECT_NE(m->text.find("Thời hạn trước đây: hết ngày 15/6/2023\n"), std::string::npos);
  EXPECT_NE(m->text.find("gửi lại kết quả trong thời hạn mới nêu trên."), std::string::npos);
}

TEST(Compose, CatchUpNamesWhatWasMissedInVietnamese) {
  const auto p = seed_plan();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  auto m = compose(row("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "catch_up",
                       {{"deadline", "2023-06-15T17:00:00+07:00"}, {"missed", {"reminder", "reminder", "due_soon"}}}),
                   *p, *templates, nullptr, {});
  ASSERT_TRUE(m);
  EXPECT_NE(m->text.find("chưa nhận được thông báo (nhắc việc trước hạn, sắp đến hạn) về nhiệm vụ sau"),
            std::string::npos)
      << m->text;
}

TEST(Compose, UnitsWithoutContactsGoToTheLog) {
  const auto p = seed_plan();
  auto c = contacts_of(*p, "xa-ma-li-pho");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].channel, "email");
  EXPECT_EQ(c[0].to, "malipho@phongtho.example");
  auto none = contacts_of(*p, "no-such-unit");
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].channel, "log");
}

// engine.fallback_channel is recorded on the outbox row and the dispatcher passes the row's
// channel here: "file" writes the unit's own file instead of the log.
TEST(Compose, UnitsWithoutContactsTakeTheRowsFallbackChannel) {
  const auto p = seed_plan();
  auto file = contacts_of(*p, "no-such-unit", "file");
  ASSERT_EQ(file.size(), 1u);
  EXPECT_EQ(file[0].channel, "file");
  EXPECT_EQ(file[0].to, "no-such-unit.jsonl");
  auto log = contacts_of(*p, "no-such-unit", "log");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].channel, "log");
  // A unit with contacts keeps them whatever the fallback.
  EXPECT_EQ(contacts_of(*p, "xa-ma-li-pho", "file")[0].channel, "email");
}

TEST(PlanContacts, SecretsStayOutOfPlanFilesAndAddressesAreChecked) {
  std::ifstream in(dutyflow::testing::source_path("config/plans/182-kh-ubnd-2023.json"));
  std::stringstream buf;
  buf << in.rdbuf();
  const auto seed = nlohmann::json::parse(buf.str());
  auto with_contacts = [&](nlohmann::json contacts) {
    auto doc = seed;
    doc["units"][4]["contacts"] = std::move(contacts);  // xa-ma-li-pho
    return load_plan(doc, builtin_kinds());
  };
  auto ok = with_contacts({{{"channel", "webhook"}, {"to", "https://hooks.example/x"}, {"secret_ref", "ma-li-pho"}},
                           {{"channel", "file"}, {"to", "ma-li-pho.jsonl"}},
                           {{"channel", "log"}}});
  ASSERT_TRUE(ok) << ok.err().details.dump();
  EXPECT_TRUE(ok->warnings.empty());

  auto errors_of = [](const result<plan_load>& r) {
    std::string all;
    for (const auto& i : plan_errors(r.err())) all += i.text() + "\n";
    return all;
  };
  auto secret = with_contacts({{{"channel", "webhook"}, {"to", "https://hooks.example/x"}, {"secret", "s3cr3t"}}});
  ASSERT_FALSE(secret);
  EXPECT_NE(errors_of(secret).find("units[4].contacts[0].secret: secrets do not belong in plan files"),
            std::string::npos)
      << errors_of(secret);
  auto bad_url = with_contacts({{{"channel", "webhook"}, {"to", "hooks.example/x"}}});
  ASSERT_FALSE(bad_url);
  EXPECT_NE(errors_of(bad_url).find("units[4].contacts[0].to: a webhook needs an http:// or https:// URL"),
            std::string::npos);
  auto bad_mail = with_contacts({{{"channel", "email"}, {"to", "malipho"}}});
  ASSERT_FALSE(bad_mail);
  EXPECT_NE(errors_of(bad_mail).find("units[4].contacts[0].to: not an e-mail address: \"malipho\""),
            std::string::npos);
  auto misplaced = with_contacts({{{"channel", "email"}, {"to", "a@b.vn"}, {"secret_ref", "x"}}});
  ASSERT_FALSE(misplaced);
  EXPECT_NE(errors_of(misplaced).find("units[4].contacts[0].secret_ref"), std::string::npos);
}

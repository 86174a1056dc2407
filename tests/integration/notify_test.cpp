// Notifications end to end: the real dutyflowd delivers its outbox to real peers started
// here on loopback — an SMTP server (Debian's python3-aiosmtpd, tests/support/smtp_sink.py)
// and a webhook receiver that checks signatures (tests/support/webhook_sink.py) — and the
// one-click link acknowledges a duty through GET then POST. Retry timing follows the
// daemon's manual clock, moved through the admin API; nothing here sleeps to wait for time.
#include "tests/support/daemon_fixture.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

using namespace dutyflow::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string python = "/usr/bin/python3";  // Debian's, which has aiosmtpd
const std::string plan_id = "182-kh-ubnd-2023";
const std::string plan_path = "/api/v1/plans/" + plan_id;
const std::string tham_luan_title =
    "Phát biểu tham luận về một số giải pháp cải thiện, nâng cao chỉ số thuộc lĩnh vực cải cách thủ tục hành chính";

template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = 30s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// Complete JSON lines of a file a peer appends to.
std::vector<json> json_lines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

// A helper program on loopback; stopped by its pid when the object goes away.
struct peer {
  std::unique_ptr<process> proc;
  int port = 0;
  static std::unique_ptr<peer> start(const std::vector<std::string>& argv, const std::string& log) {
    auto p = std::make_unique<peer>();
    p->proc = std::make_unique<process>(argv, log);
    if (!p->proc->wait_for_log("listening on port")) return nullptr;
    std::smatch m;
    const auto text = p->proc->log();
    static const std::regex re(R"(listening on port (\d+))");
    if (!std::regex_search(text, m, re)) return nullptr;
    p->port = std::stoi(m[1]);
    return p;
  }
};

json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str());
}

void write_private(const std::string& path, const std::string& content) {
  write_file(path, content);
  ::chmod(path.c_str(), 0600);
}

class Notifications : public ::testing::Test {
 protected:
  // The shipped config with a notify section pointing at this test's peers.
  void configure(const json& notify) {
    auto config = read_json(source_path("config/dutyflowd.json"));
    config["notify"].merge_patch(notify);
    config["notify"]["poll_interval"] = "50ms";
    config["notify"]["templates"] = source_path("config/templates/vi");
    write_file(work_.file("dutyflowd.json"), config.dump(2));
  }

  // The seed plan, with `edit` applied to the units' contacts.
  void write_plan(const std::function<void(json&)>& edit = nullptr) {
    std::filesystem::create_directories(work_.file("plans"));
    auto plan = read_json(source_path("config/plans/182-kh-ubnd-2023.json"));
    if (edit) edit(plan);
    write_file(work_.file("plans/182-kh-ubnd-2023.json"), plan.dump(2));
  }

  void start_daemon() {
    d_ = std::make_unique<daemon_fixture>("manual:2023-06-05T08:00:00+07:00", work_.file("plans"));
    d_->config = work_.file("dutyflowd.json");
    coordinator_ = d_->add_token("dieu-phoi", "coordinator", "phong-noi-vu");
    ASSERT_TRUE(d_->start()) << d_->log();
  }

  std::vector<json> notifications(const std::string& query) {
    auto r = d_->call("GET", "/api/v1/notifications?" + query, coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.is_object() ? r.body["notifications"].get<std::vector<json>>() : std::vector<json>{};
  }

  void advance(const std::string& step) {
    auto r = d_->call("POST", "/api/v1/admin/clock", coordinator_, json{{"advance", step}}.dump());
    ASSERT_EQ(r.status, 200) << r.raw;
  }

  json duty(const std::string& id) {
    auto r = d_->call("GET", plan_path + "/duties/" + id, coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }

  std::unique_ptr<peer> smtp_sink(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {python, source_path("tests/support/smtp_sink.py"), "--out", mail_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = peer::start(argv, work_.file("smtp-sink.log"));
    // Most likely python3-aiosmtpd is missing (tools/test installs it).
    if (!p) ADD_FAILURE() << "the SMTP sink did not start: " << read_file(work_.file("smtp-sink.log"));
    return p;
  }

  // The message the SMTP sink received with this X-Dutyflow-Id, waiting for it.
  json mail_with_id(const std::string& id) {
    json found;
    eventually([&] {
      for (const auto& m : json_lines(mail_))
        if (m["dutyflow_id"] == id) found = m;
      return !found.is_null();
    });
    return found;
  }

  temp_dir work_;
  std::string mail_ = work_.file("mail.jsonl");
  std::unique_ptr<daemon_fixture> d_;
  std::string coordinator_;
};

// The one-click link of a message body, and the body with the token replaced by TOKEN.
std::pair<std::string, std::string> split_link(const std::string& body) {
  static const std::regex re(R"(http://127\.0\.0\.1:\d+(/a/[A-Za-z0-9_.-]+))");
  std::smatch m;
  if (!std::regex_search(body, m, re)) return {"", body};
  std::string masked = body;
  masked.replace(static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)), "LINK");
  return {m[1], masked};
}

}  // namespace

TEST_F(Notifications, SeedDutyAssignmentAndReminderArriveByEmailInExactVietnamese) {
  auto sink = smtp_sink();
  ASSERT_TRUE(sink);
  configure({{"smtp", {{"host", "127.0.0.1"}, {"port", sink->port}}}});
  write_plan();
  start_daemon();

  const std::string assigned_id = plan_id + "/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z";
  auto mail = mail_with_id(assigned_id);
  ASSERT_FALSE(mail.is_null()) << d_->log();
  EXPECT_EQ(mail["rcpt_tos"], json::array({"malipho@phongtho.example"}));
  EXPECT_EQ(mail["mail_from"], "dutyflow@phongtho.example");
  EXPECT_EQ(mail["from"], "Hệ thống theo dõi nhiệm vụ <dutyflow@phongtho.example>");
  EXPECT_EQ(mail["to"], "Xã Ma Li Pho <malipho@phongtho.example>");
  EXPECT_EQ(mail["subject"], "[182/KH-UBND] Giao nhiệm vụ: " + tham_luan_title);
  EXPECT_EQ(mail["date"], "Mon, 05 Jun 2023 08:00:00 +0700");
  EXPECT_TRUE(std::regex_match(mail["message_id"].get<std::string>(), std::regex(R"(<[0-9a-f]{32}@phongtho\.example>)")));
  EXPECT_EQ(mail["content_type"], "text/plain");
  EXPECT_EQ(mail["charset"], "utf-8");
  EXPECT_EQ(mail["transfer_encoding"], "quoted-printable");
  EXPECT_TRUE(mail["seven_bit"].get<bool>());
  auto [link, body] = split_link(mail["body"].get<std::string>());
  EXPECT_FALSE(link.empty());
  EXPECT_EQ(body,
            "Kính gửi: Xã Ma Li Pho\n"
            "\n"
            "Thực hiện Kế hoạch số 182/KH-UBND ngày 05/6/2023 của UBND huyện Phong Thổ\n"
            "về việc: Tổ chức Hội nghị đánh giá kết quả triển khai thực hiện công tác cải cách hành chính 06 tháng "
            "đầu năm, phương hướng nhiệm vụ 06 tháng cuối năm 2023; phân tích kết quả Chỉ số cải cách hành chính "
            "(PAR INDEX) của huyện Phong Thổ năm 2022 và Công bố Chỉ số cải cách hành chính của UBND các xã, thị "
            "trấn năm 2022,\n"
            "đơn vị được giao thực hiện nhiệm vụ sau:\n"
            "\n"
            "Nhiệm vụ: " + tham_luan_title + "\n"
            "Thời hạn hoàn thành: chưa xác định; hệ thống sẽ thông báo ngay khi có thời hạn.\n"
            "\n"
            "Việc cần làm tiếp theo: xác nhận đơn vị đã nhận nhiệm vụ, triển khai thực hiện và báo cáo kết quả đúng "
            "thời hạn.\n"
            "\n"
            "Xác nhận đã nhận nhiệm vụ (mở liên kết rồi bấm nút \"Xác nhận đã nhận nhiệm vụ\"):\n"
            "LINK\n"
            "Liên kết dùng được đến 08:00 ngày 05/7/2023.\n"
            "\n"
            "--\n"
            "Thư tự động của hệ thống theo dõi nhiệm vụ dutyflow, xin không trả lời thư này.\n"
            "Mã thông báo: " + assigned_id + "\n");

  auto rows = notifications("duty=tham-luan-xa-ma-li-pho&reason=assigned");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(eventually([&] { return notifications("duty=tham-luan-xa-ma-li-pho&reason=assigned")[0]["status"] == "delivered"; }));
  EXPECT_EQ(notifications("duty=tham-luan-xa-ma-li-pho&reason=assigned")[0]["attempts"], 1);

  // The conference is set for 08:00 on Tuesday 20/6/2023; the tham luận is due two
  // working days before, by the end of Friday 16/6 ("hết ngày 16/6/2023"). By 08:00 on
  // 14/6 the 3-day reminder has fired.
  auto set = d_->call("PUT", plan_path + "/milestones/conference", coordinator_,
                      json{{"at", "2023-06-20T08:00:00+07:00"}}.dump());
  ASSERT_EQ(set.status, 200) << set.raw;
  ASSERT_EQ(duty("tham-luan-xa-ma-li-pho")["deadline"], "2023-06-17T00:00:00+07:00");
  auto r = d_->call("POST", "/api/v1/admin/clock", coordinator_, json{{"set", "2023-06-14T08:00:00+07:00"}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw;
  std::vector<json> reminders;
  ASSERT_TRUE(eventually([&] {
    reminders = notifications("duty=tham-luan-xa-ma-li-pho&reason=reminder&status=delivered");
    return !reminders.empty();
  })) << d_->log();
  ASSERT_EQ(reminders.size(), 1u);
  auto reminder = mail_with_id(reminders[0]["key"].get<std::string>());
  ASSERT_FALSE(reminder.is_null());
  EXPECT_EQ(reminder["rcpt_tos"], json::array({"malipho@phongtho.example"}));
  EXPECT_EQ(reminder["subject"], "[182/KH-UBND] Nhắc việc: " + tham_luan_title + " (hạn hết ngày 16/6/2023)");
  auto [reminder_link, reminder_body] = split_link(reminder["body"].get<std::string>());
  EXPECT_FALSE(reminder_link.empty());
  EXPECT_EQ(reminder_body,
            "Kính gửi: Xã Ma Li Pho\n"
            "\n"
            "Hệ thống xin nhắc đơn vị về nhiệm vụ được giao tại Kế hoạch số 182/KH-UBND ngày 05/6/2023 của UBND "
            "huyện Phong Thổ\n"
            "về việc: Tổ chức Hội nghị đánh giá kết quả triển khai thực hiện công tác cải cách hành chính 06 tháng "
            "đầu năm, phương hướng nhiệm vụ 06 tháng cuối năm 2023; phân tích kết quả Chỉ số cải cách hành chính "
            "(PAR INDEX) của huyện Phong Thổ năm 2022 và Công bố Chỉ số cải cách hành chính của UBND các xã, thị "
            "trấn năm 2022.\n"
            "\n"
            "Nhiệm vụ: " + tham_luan_title + "\n"
            "Thời hạn hoàn thành: hết ngày 16/6/2023 (còn 3 ngày)\n"
            "\n"
            "Việc cần làm tiếp theo: khẩn trương hoàn thành nhiệm vụ và báo cáo kết quả trước thời hạn nêu trên. Nếu "
            "đơn vị đã hoàn thành, đề nghị cập nhật kết quả trên hệ thống.\n"
            "\n"
            "Đơn vị chưa xác nhận đã nhận nhiệm vụ; đề nghị mở liên kết sau rồi bấm nút \"Xác nhận đã nhận nhiệm "
            "vụ\":\n"
            "LINK\n"
            "Liên kết dùng được đến 08:00 ngày 14/7/2023.\n"  // queued at 08:00 on 14/6, valid 30 days
            "\n"
            "--\n"
            "Thư tự động của hệ thống theo dõi nhiệm vụ dutyflow, xin không trả lời thư này.\n"
            "Mã thông báo: " + reminders[0]["key"].get<std::string>() + "\n");

  // Each message went out once: one e-mail per outbox row, none twice.
  std::map<std::string, int> seen;
  for (const auto& m : json_lines(mail_)) seen[m["dutyflow_id"].get<std::string>()]++;
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
}

// Issue 14: the texts follow the duty. A unit that acknowledged gets no "open the link to
// acknowledge" block; the deadline mail of a conference-relative duty says when the
// conference is; the overdue mail says how many days late it is.
TEST_F(Notifications, MessagesFollowTheDutysStateAndNameTheConference) {
  auto sink = smtp_sink();
  ASSERT_TRUE(sink);
  configure({{"smtp", {{"host", "127.0.0.1"}, {"port", sink->port}}}});
  write_plan();
  d_ = std::make_unique<daemon_fixture>("manual:2023-06-05T08:00:00+07:00", work_.file("plans"));
  d_->config = work_.file("dutyflowd.json");
  coordinator_ = d_->add_token("dieu-phoi", "coordinator", "phong-noi-vu");
  const auto ma_li_pho = d_->add_token("xa-ma-li-pho", "unit", "xa-ma-li-pho");
  ASSERT_TRUE(d_->start()) << d_->log();
  auto ack = d_->call("POST", plan_path + "/duties/tham-luan-xa-ma-li-pho/events", ma_li_pho,
                      json{{"event", "acknowledge"}}.dump());
  ASSERT_EQ(ack.status, 200) << ack.raw;
  auto set = d_->call("PUT", plan_path + "/milestones/conference", coordinator_,
                      json{{"at", "2023-06-20T08:00:00+07:00"}}.dump());
  ASSERT_EQ(set.status, 200) << set.raw;

  auto body_of = [&](const std::string& duty, const std::string& reason) -> std::pair<std::string, std::string> {
    std::vector<json> rows;
    if (!eventually([&] {
          rows = notifications("duty=" + duty + "&reason=" + reason + "&status=delivered");
          return !rows.empty();
        }))
      return {"", "no delivered " + reason + " for " + duty};
    auto m = mail_with_id(rows[0]["key"].get<std::string>());
    if (m.is_null()) return {"", "no mail for " + rows[0]["key"].get<std::string>()};
    return {m["subject"].get<std::string>(), m["body"].get<std::string>()};
  };
  const auto conference_line = std::string("Thời hạn tính theo mốc: Hội nghị đánh giá kết quả triển khai");
  auto [set_subject, set_body] = body_of("tham-luan-xa-ma-li-pho", "deadline_set");
  EXPECT_NE(set_body.find("Thời hạn hoàn thành: hết ngày 16/6/2023\n"), std::string::npos) << set_body;
  EXPECT_NE(set_body.find(conference_line), std::string::npos) << set_body;
  EXPECT_NE(set_body.find(", vào 08:00 ngày 20/6/2023 (2 ngày làm việc trước mốc này).\n"), std::string::npos)
      << set_body;
  EXPECT_EQ(set_body.find("/a/"), std::string::npos) << "Ma Li Pho acknowledged: no link\n" << set_body;
  EXPECT_EQ(set_body.find("xác nhận"), std::string::npos) << set_body;

  ASSERT_EQ(d_->call("POST", "/api/v1/admin/clock", coordinator_, json{{"set", "2023-06-14T08:00:00+07:00"}}.dump())
                .status,
            200);
  auto [acked_subject, acked] = body_of("tham-luan-xa-ma-li-pho", "reminder");
  EXPECT_NE(acked.find("Thời hạn hoàn thành: hết ngày 16/6/2023 (còn 3 ngày)\n"), std::string::npos) << acked;
  EXPECT_EQ(acked.find("/a/"), std::string::npos) << acked;
  EXPECT_EQ(acked.find("xác nhận"), std::string::npos) << acked;
  auto [waiting_subject, waiting] = body_of("tham-luan-xa-sin-suoi-ho", "reminder");
  EXPECT_NE(waiting.find("Đơn vị chưa xác nhận đã nhận nhiệm vụ; đề nghị mở liên kết sau"), std::string::npos)
      << waiting;
  EXPECT_NE(waiting.find("/a/"), std::string::npos) << waiting;

  // Tuesday 20/6 09:00: Sin Suối Hồ's tham luận was due by the end of Friday 16/6.
  ASSERT_EQ(d_->call("POST", "/api/v1/admin/clock", coordinator_, json{{"set", "2023-06-20T09:00:00+07:00"}}.dump())
                .status,
            200);
  std::vector<json> overdue;
  ASSERT_TRUE(eventually([&] {
    overdue = notifications("duty=tham-luan-xa-sin-suoi-ho&reason=overdue&status=delivered");
    return !overdue.empty();
  }));
  for (const auto& row : overdue) {
    auto m = mail_with_id(row["key"].get<std::string>());
    ASSERT_FALSE(m.is_null());
    const auto body = m["body"].get<std::string>();
    EXPECT_NE(body.find("Thời hạn hoàn thành: hết ngày 16/6/2023\n"), std::string::npos) << body;
    EXPECT_TRUE(std::regex_search(body, std::regex("đã quá thời hạn hoàn thành( [0-9]+ ngày)? nhưng"))) << body;
  }
  // The newest overdue mail, on Tuesday, counts the days since the end of Friday.
  auto newest = mail_with_id(overdue[0]["key"].get<std::string>());
  EXPECT_TRUE(std::regex_search(newest["subject"].get<std::string>(), std::regex("^\\[182/KH-UBND\\] Quá hạn [1-4] ngày: ")))
      << newest["subject"];
}

TEST_F(Notifications, OneClickLinkShowsAConfirmPageThenAcknowledgesAsTheUnit) {
  auto sink = smtp_sink();
  ASSERT_TRUE(sink);
  configure({{"smtp", {{"host", "127.0.0.1"}, {"port", sink->port}}}, {"link_ttl", "30d"}});
  write_plan();
  start_daemon();
  auto mail = mail_with_id(plan_id + "/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z");
  ASSERT_FALSE(mail.is_null()) << d_->log();
  const auto link = split_link(mail["body"].get<std::string>()).first;
  ASSERT_FALSE(link.empty());
  const auto before = duty("tham-luan-xa-ma-li-pho");
  ASSERT_EQ(before["state"]["progress"], "Assigned");

  // GET (a person, or a mail scanner prefetching) only shows what the link would do.
  auto page = d_->call("GET", link);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["cache-control"], "no-store");
  EXPECT_NE(page.raw.find("Xác nhận đã nhận nhiệm vụ"), std::string::npos) << page.raw;
  EXPECT_NE(page.raw.find("<form method=\"post\">"), std::string::npos) << page.raw;
  EXPECT_NE(page.raw.find(tham_luan_title), std::string::npos);
  EXPECT_NE(page.raw.find("Xã Ma Li Pho"), std::string::npos);
  EXPECT_EQ(duty("tham-luan-xa-ma-li-pho"), before) << "a GET changed the duty";

  // POST acknowledges, as the unit.
  auto done = d_->call("POST", link);
  EXPECT_EQ(done.status, 200) << done.raw;
  EXPECT_NE(done.raw.find("Đã xác nhận nhận nhiệm vụ"), std::string::npos) << done.raw;
  auto after = duty("tham-luan-xa-ma-li-pho");
  EXPECT_EQ(after["state"]["progress"], "Acknowledged");
  EXPECT_EQ(after["version"], before["version"].get<int>() + 1);
  const auto& last = after["history"].back();
  EXPECT_EQ(last["event"], "acknowledge");
  EXPECT_EQ(last["actor"], "xa-ma-li-pho (liên kết)");

  // The same link again: already done, nothing fired twice.
  auto again = d_->call("POST", link);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.raw.find("đã được xác nhận trước đó"), std::string::npos) << again.raw;
  auto get_again = d_->call("GET", link);
  EXPECT_NE(get_again.raw.find("đã được xác nhận trước đó"), std::string::npos) << get_again.raw;
  EXPECT_EQ(duty("tham-luan-xa-ma-li-pho")["version"], after["version"]);

  // A forged token (one signature character changed) is refused with a page, changing nothing.
  auto other = mail_with_id(plan_id + "/tham-luan-xa-sin-suoi-ho/assigned/2023-06-05T01:00:00Z");
  ASSERT_FALSE(other.is_null());
  const auto other_link = split_link(other["body"].get<std::string>()).first;
  auto forged = other_link;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  const auto sin_suoi_ho = duty("tham-luan-xa-sin-suoi-ho");
  for (const char* method : {"GET", "POST"}) {
    auto refused = d_->call(method, forged);
    EXPECT_EQ(refused.status, 403) << method;
    EXPECT_NE(refused.raw.find("Liên kết không hợp lệ"), std::string::npos) << refused.raw;
  }
  // The token names its unit; rewriting it to another duty breaks the signature.
  auto swapped = link.substr(0, link.find('.')) + other_link.substr(other_link.find('.'));
  EXPECT_EQ(d_->call("POST", swapped).status, 403);
  EXPECT_EQ(duty("tham-luan-xa-sin-suoi-ho"), sin_suoi_ho);

  // Past its 30 days the link is refused as expired.
  advance("31d");
  for (const char* method : {"GET", "POST"}) {
    auto expired = d_->call(method, other_link);
    EXPECT_EQ(expired.status, 410) << method;
    EXPECT_NE(expired.raw.find("Liên kết đã hết hạn"), std::string::npos) << expired.raw;
  }
  EXPECT_EQ(duty("tham-luan-xa-sin-suoi-ho")["state"]["progress"], "Assigned");
}

TEST_F(Notifications, WebhookDownForAWhileThenUpGetsEveryMessageOnceSignedAndDeadOnesFail) {
  const std::string secret = "bi-mat-webhook-cua-xa-sin-suoi-ho";
  const auto hooks = work_.file("hooks.jsonl");
  std::vector<std::string> argv = {python, source_path("tests/support/webhook_sink.py"), "--secret", secret,
                                   "--out", hooks};
  // Learn a free port, then take the receiver down before dutyflowd starts.
  auto receiver = peer::start(argv, work_.file("hook-1.log"));
  ASSERT_TRUE(receiver);
  const int port = receiver->port;
  receiver->proc->stop(SIGKILL);
  receiver.reset();
  // A port nothing listens on, for a destination that never comes back.
  auto gone = peer::start({python, source_path("tests/support/webhook_sink.py"), "--secret", secret, "--out",
                           work_.file("gone.jsonl")},
                          work_.file("gone.log"));
  ASSERT_TRUE(gone);
  const int dead_port = gone->port;
  gone->proc->stop(SIGKILL);
  gone.reset();

  write_private(work_.file("webhook-secrets.json"),
                json{{"sin-suoi-ho", secret}, {"thi-tran", "bi-mat-webhook-cua-thi-tran-phong-tho"}}.dump());
  // Both sinks are on loopback, which only an address rule of the daemon's config lets through.
  configure({{"webhook",
              {{"secrets_file", work_.file("webhook-secrets.json")}, {"timeout", "5s"}, {"allow", {"127.0.0.1"}}}},
             {"retry", {{"max_attempts", 4}, {"initial_backoff", "1m"}, {"max_backoff", "10m"}, {"jitter", 0.2}}}});
  write_plan([&](json& plan) {
    for (auto& u : plan["units"]) {
      if (u["id"] == "xa-sin-suoi-ho")
        u["contacts"] = json::array({{{"channel", "webhook"},
                                      {"to", "http://127.0.0.1:" + std::to_string(port) + "/dutyflow"},
                                      {"secret_ref", "sin-suoi-ho"}}});
      if (u["id"] == "thi-tran-phong-tho")
        u["contacts"] = json::array({{{"channel", "webhook"},
                                      {"to", "http://127.0.0.1:" + std::to_string(dead_port) + "/x"},
                                      {"secret_ref", "thi-tran"}}});
    }
  });
  start_daemon();

  // Down: every row for the unit fails its first attempt and waits for the clock.
  auto rows = notifications("unit=xa-sin-suoi-ho");
  ASSERT_EQ(rows.size(), 2u);  // the tham luận and the delegates
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : notifications("unit=xa-sin-suoi-ho"))
      if (r["attempts"] < 1) return false;
    return true;
  })) << d_->log();
  for (const auto& r : notifications("unit=xa-sin-suoi-ho")) {
    EXPECT_EQ(r["status"], "pending");
    EXPECT_NE(r["last_error"].get<std::string>().find("cannot connect"), std::string::npos) << r;
    EXPECT_EQ(r["channel"], "webhook");
  }
  advance("2m");
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : notifications("unit=xa-sin-suoi-ho"))
      if (r["attempts"] < 2) return false;
    return true;
  })) << d_->log();

  // Up again on the same port: the next attempts get through, once each.
  receiver = peer::start({python, source_path("tests/support/webhook_sink.py"), "--secret", secret, "--out", hooks,
                          "--port", std::to_string(port)},
                         work_.file("hook-2.log"));
  ASSERT_TRUE(receiver);
  advance("5m");
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : notifications("unit=xa-sin-suoi-ho"))
      if (r["status"] != "delivered") return false;
    return true;
  })) << d_->log();
  for (const auto& r : notifications("unit=xa-sin-suoi-ho")) EXPECT_EQ(r["attempts"], 3) << r;

  // More rows later (the conference date sets deadlines) show the dispatcher kept going;
  // by then every message has arrived exactly once, signed.
  auto set = d_->call("PUT", plan_path + "/milestones/conference", coordinator_,
                      json{{"at", "2023-06-20T08:00:00+07:00"}}.dump());
  ASSERT_EQ(set.status, 200) << set.raw;
  ASSERT_TRUE(eventually([&] {
    auto all = notifications("unit=xa-sin-suoi-ho");
    if (all.size() != 4u) return false;
    for (const auto& r : all)
      if (r["status"] != "delivered") return false;
    return true;
  })) << d_->log();
  const auto all = notifications("unit=xa-sin-suoi-ho");
  std::map<std::string, int> received;
  for (const auto& h : json_lines(hooks)) {
    EXPECT_TRUE(h["verified"].get<bool>()) << h;
    EXPECT_EQ(h["path"], "/dutyflow");
    EXPECT_EQ(h["content_type"], "application/json; charset=utf-8");
    EXPECT_EQ(h["body"]["id"], h["id"]);
    EXPECT_EQ(h["body"]["unit"]["name"], "Xã Sin Suối Hồ");
    EXPECT_EQ(h["body"]["plan"]["number"], "182/KH-UBND");
    received[h["id"].get<std::string>()]++;
  }
  ASSERT_EQ(received.size(), all.size());
  for (const auto& r : all) EXPECT_EQ(received[r["key"].get<std::string>()], 1) << r["key"];
  for (const auto& h : json_lines(hooks)) {
    if (h["reason"] != "assigned" || h["body"]["duty"]["id"] != "tham-luan-xa-sin-suoi-ho") continue;
    EXPECT_EQ(h["body"]["subject"], "[182/KH-UBND] Giao nhiệm vụ: Phát biểu tham luận về tình hình triển khai thực "
                                    "hiện nhiệm vụ cải cách hành chính trên địa bàn xã, nêu rõ những khó khăn, vướng "
                                    "mắc, đề xuất kiến nghị nhằm cải thiện, nâng cao chỉ số trong thời gian tới và "
                                    "các năm tiếp theo");
  }

  // The receiver refuses a body whose signature does not match (what a forger would send).
  auto forged = dutyflow::http_call("http://127.0.0.1:" + std::to_string(port), "POST", "/dutyflow", "",
                                    R"({"id":"forged"})",
                                    {{"Content-Type", "application/json"},
                                     {"X-Dutyflow-Signature", "t=1685926800,sha256=" + std::string(64, '0')}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);

  // The destination that never came back: failed after the last attempt, with the error.
  advance("1d");
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : notifications("unit=thi-tran-phong-tho&reason=assigned"))
      if (r["status"] != "failed") return false;
    return true;
  })) << d_->log();
  for (const auto& r : notifications("unit=thi-tran-phong-tho&reason=assigned")) {
    EXPECT_EQ(r["attempts"], 4);
    EXPECT_NE(r["last_error"].get<std::string>().find("cannot connect to 127.0.0.1:" + std::to_string(dead_port)),
              std::string::npos)
        << r;
  }
  EXPECT_NE(d_->log().find("failed after 4 attempt(s)"), std::string::npos);
  EXPECT_EQ(d_->log().find(secret), std::string::npos) << "a webhook secret reached the log";
}

// Issue 16, finding 6 (SSRF): a plan file could point webhooks at loopback (or any
// private or metadata address) and dutyflowd posted there, showing the answer in
// /api/v1/notifications. Now only notify.webhook.allow lets a host through, a loopback
// address only by an address rule, and the API says no more than "destination not allowed".
// The receiver runs on loopback: nothing here connects anywhere else.
TEST_F(Notifications, HostileInputSsrfWebhookToLoopbackIsRefusedUnlessTheConfigAllowsIt) {
  const std::string secret = "bi-mat-webhook-cua-xa-sin-suoi-ho";
  const auto hooks = work_.file("hooks.jsonl");
  auto receiver = peer::start({python, source_path("tests/support/webhook_sink.py"), "--secret", secret, "--out",
                               hooks},
                              work_.file("hook.log"));
  ASSERT_TRUE(receiver);
  const auto port = std::to_string(receiver->port);
  write_private(work_.file("webhook-secrets.json"), json{{"sin-suoi-ho", secret}, {"thi-tran", secret}}.dump());
  // "localhost" is allowed by name, but it resolves to loopback, which no address rule lists.
  configure({{"webhook", {{"secrets_file", work_.file("webhook-secrets.json")}, {"allow", {"localhost"}}}}});
  write_plan([&](json& plan) {
    for (auto& u : plan["units"]) {
      if (u["id"] == "xa-sin-suoi-ho")
        u["contacts"] = json::array(
            {{{"channel", "webhook"}, {"to", "http://127.0.0.1:" + port + "/dutyflow"}, {"secret_ref", "sin-suoi-ho"}}});
      if (u["id"] == "thi-tran-phong-tho")
        u["contacts"] = json::array(
            {{{"channel", "webhook"}, {"to", "http://localhost:" + port + "/dutyflow"}, {"secret_ref", "thi-tran"}}});
    }
  });
  start_daemon();
  for (const char* unit : {"xa-sin-suoi-ho", "thi-tran-phong-tho"}) {
    ASSERT_TRUE(eventually([&] {
      auto rows = notifications(std::string("unit=") + unit);
      if (rows.empty()) return false;
      for (const auto& r : rows)
        if (r["status"] != "failed") return false;
      return true;
    })) << unit << "\n" << d_->log();
    for (const auto& r : notifications(std::string("unit=") + unit)) {
      const auto error = r["last_error"].get<std::string>();
      EXPECT_NE(error.find("destination not allowed"), std::string::npos) << r;
      EXPECT_EQ(r["attempts"], 1) << "a refusal is not retried: " << r;
      for (const char* detail : {"loopback", "notify.webhook.allow", "answered", "connect"})
        EXPECT_EQ(error.find(detail), std::string::npos) << "the API caller learns nothing more: " << r;
    }
  }
  EXPECT_TRUE(json_lines(hooks).empty()) << "nothing reached the loopback receiver";
  // The operator reads why in the log.
  EXPECT_NE(d_->log().find("webhook to 127.0.0.1:" + port + " refused: not in notify.webhook.allow"),
            std::string::npos)
      << d_->log();
  EXPECT_NE(d_->log().find("is a loopback address, which notify.webhook.allow does not list"), std::string::npos)
      << d_->log();
}

TEST_F(Notifications, MailGoesThroughStartTlsWithAuthWhenTheRelayAsksForIt) {
  // A self-signed certificate for "localhost", trusted through ca_file.
  const auto cert = work_.file("relay.pem"), key = work_.file("relay.key");
  auto made = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                   "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto sink = smtp_sink({"--tls-cert", cert, "--tls-key", key, "--require-tls", "--auth", "dutyflow:mat-khau-thu"});
  ASSERT_TRUE(sink);
  write_private(work_.file("smtp-password"), "mat-khau-thu\n");
  configure({{"smtp",
              {{"host", "localhost"},
               {"port", sink->port},
               {"security", "starttls"},
               {"ca_file", cert},
               {"username", "dutyflow"},
               {"password_file", work_.file("smtp-password")},
               {"body_encoding", "base64"}}}});
  write_plan();
  start_daemon();
  auto mail = mail_with_id(plan_id + "/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z");
  ASSERT_FALSE(mail.is_null()) << d_->log();
  EXPECT_TRUE(mail["tls"].get<bool>());
  EXPECT_EQ(mail["auth"], "dutyflow");
  EXPECT_EQ(mail["transfer_encoding"], "base64");
  EXPECT_EQ(mail["subject"], "[182/KH-UBND] Giao nhiệm vụ: " + tham_luan_title);
  EXPECT_NE(mail["body"].get<std::string>().find("Kính gửi: Xã Ma Li Pho\n"), std::string::npos);
  EXPECT_EQ(d_->log().find("mat-khau-thu"), std::string::npos) << "the SMTP password reached the log";
}

// A scheduler commit that holds reminders only (no event: nothing changes state) wakes
// the dispatcher as any other commit does: with a poll interval of an hour, the reminder
// still goes out at once (issue 17: the dispatcher used to be poked by journaled events
// only, so such a reminder waited for the next poll).
TEST_F(Notifications, AReminderAloneGoesOutAtOnceNotAtTheNextPoll) {
  configure({});
  auto config = read_json(work_.file("dutyflowd.json"));
  config["notify"]["poll_interval"] = "1h";
  // No due-soon point: the only point before the deadline is the reminder.
  config["engine"] = {{"due_soon_working_days", 0}};
  write_file(work_.file("dutyflowd.json"), config.dump(2));
  write_plan([](json& plan) {
    plan["duties"].push_back({{"id", "bao-cao-rieng"},
                              {"kind", "report"},
                              {"title", "Báo cáo riêng có thời hạn cố định"},
                              {"owner", "phong-noi-vu"},
                              {"due", {{"at", "2023-06-09T17:00:00+07:00"}}},
                              {"reminders", {{"before", {"3d"}}}}});
  });
  start_daemon();
  // What the start queued went out with the dispatcher's first poll.
  ASSERT_TRUE(eventually([&] {
    for (const auto& n : notifications("status=pending"))
      if (n["duty"] == "bao-cao-rieng") return false;
    return true;
  }));
  advance("3d");  // past 17:00 on 6 June, the reminder's point (3 days before the deadline)
  auto rows = notifications("duty=bao-cao-rieng&reason=reminder");
  ASSERT_EQ(rows.size(), 1u) << d_->log();
  EXPECT_TRUE(eventually([&] { return notifications("duty=bao-cao-rieng&reason=reminder")[0]["status"] != "pending"; },
                         10s))
      << "the reminder waited for the next poll";
  // It was a reminder alone: no event of the duty was journaled by that commit.
  auto history = duty("bao-cao-rieng")["history"];
  for (const auto& h : history) EXPECT_NE(h["event"], "due_soon") << h.dump();
}

// adapters/notify/smtp.cpp: the email channel against a real SMTP server on loopback
// (Debian's python3-aiosmtpd, tests/support/smtp_sink.py, as the notify integration tests
// use). deliver() returns after the relay's answer to DATA, and the sink writes the
// message before it answers: nothing here waits for time.
#include "adapters/notify/smtp.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>

using namespace dutyflow;
using namespace dutyflow::notify;
using namespace dutyflow::testing;
using nlohmann::json;

namespace {

// The sink on a free loopback port; nullptr (and a test failure) when it cannot start.
struct sink {
  std::unique_ptr<process> proc;
  unsigned short port = 0;
};

std::unique_ptr<sink> start_sink(const temp_dir& dir, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"/usr/bin/python3", source_path("tests/support/smtp_sink.py"), "--out",
                                   dir.file("mail.jsonl")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto s = std::make_unique<sink>();
  s->proc = std::make_unique<process>(argv, dir.file("sink.log"));
  std::smatch m;
  const std::regex re(R"(listening on port (\d+))");
  const bool up = s->proc->wait_for_log("listening on port");
  const auto log = s->proc->log();
  if (!up || !std::regex_search(log, m, re)) {
    ADD_FAILURE() << "the SMTP sink did not start (python3-aiosmtpd missing?): " << log;
    return nullptr;
  }
  s->port = static_cast<unsigned short>(std::stoi(m[1]));
  return s;
}

std::vector<json> received(const temp_dir& dir) {
  std::vector<json> out;
  std::ifstream in(dir.file("mail.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

message sample() {
  message m;
  m.id = "182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z";
  m.plan = "182-kh-ubnd-2023";
  m.duty = "tham-luan-xa-ma-li-pho";
  m.unit = "xa-ma-li-pho";
  m.reason = "assigned";
  m.unit_name = "Xã Ma Li Pho";
  m.subject = "[182/KH-UBND] Giao nhiệm vụ: Phát biểu tham luận";
  m.text = "Kính gửi Xã Ma Li Pho,\n.\nMột dòng chỉ có dấu chấm ở trên.\n";
  return m;
}

smtp_options loopback(unsigned short port) {
  smtp_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.security = smtp_security::none;
  o.from_address = "dutyflow@phongtho.example";
  o.helo = "dutyflow.test";
  o.timeout = std::chrono::seconds(10);
  return o;
}

const instant now = *parse_instant("2023-06-05T08:00:00+07:00");
const contact to_ma_li_pho{"email", "malipho@phongtho.example", ""};

}  // namespace

TEST(Smtp, AMessageGoesToTheRelayWithItsEnvelopeHeadersAndBody) {
  temp_dir dir;
  auto s = start_sink(dir);
  ASSERT_TRUE(s);
  smtp_channel ch(loopback(s->port));
  ASSERT_EQ(ch.config_error(), "");
  std::atomic<bool> cancel{false};
  auto d = ch.deliver(sample(), to_ma_li_pho, now, cancel);
  ASSERT_TRUE(d.ok) << d.error;
  const auto mail = received(dir);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["mail_from"], "dutyflow@phongtho.example");
  EXPECT_EQ(mail[0]["rcpt_tos"], json::array({"malipho@phongtho.example"}));
  EXPECT_EQ(mail[0]["from"], "Hệ thống theo dõi nhiệm vụ <dutyflow@phongtho.example>");
  EXPECT_EQ(mail[0]["subject"], "[182/KH-UBND] Giao nhiệm vụ: Phát biểu tham luận");
  EXPECT_EQ(mail[0]["dutyflow_id"], sample().id);
  EXPECT_EQ(mail[0]["date"], "Mon, 05 Jun 2023 08:00:00 +0700");
  EXPECT_EQ(mail[0]["body"], sample().text) << "the lone dot survives dot-stuffing";
  EXPECT_EQ(mail[0]["seven_bit"], true) << "quoted-printable by default";
  EXPECT_EQ(mail[0]["tls"], false);
}

TEST(Smtp, ARelayThatIsNotThereIsRetriedLater) {
  temp_dir dir;
  auto s = start_sink(dir);
  ASSERT_TRUE(s);
  const auto port = s->port;
  s->proc->stop(SIGTERM);
  smtp_channel ch(loopback(port));
  std::atomic<bool> cancel{false};
  auto d = ch.deliver(sample(), to_ma_li_pho, now, cancel);
  EXPECT_FALSE(d.ok);
  EXPECT_FALSE(d.permanent) << d.error;
  EXPECT_FALSE(d.error.empty());
}

TEST(Smtp, RequiredStartTlsIsNotSkippedWhenTheRelayDoesNotOfferIt) {
  temp_dir dir;
  auto s = start_sink(dir);
  ASSERT_TRUE(s);
  auto o = loopback(s->port);
  o.security = smtp_security::starttls;
  smtp_channel ch(o);
  std::atomic<bool> cancel{false};
  auto d = ch.deliver(sample(), to_ma_li_pho, now, cancel);
  EXPECT_FALSE(d.ok);
  EXPECT_FALSE(d.error.empty());
  EXPECT_TRUE(received(dir).empty()) << "nothing sent in the clear";
}

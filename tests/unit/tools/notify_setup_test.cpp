#include "tools/notify_setup.h"

#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

using namespace dutyflow;
using namespace std::chrono_literals;

TEST(NotifySettings, TheShippedConfigReadsAndKeepsLinksOnTheListenAddress) {
  notify_settings s;
  auto r = read_notify_settings(dutyflow::testing::source_path("config/dutyflowd.json"), s);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.dispatcher.compose.base_url, "");
  EXPECT_EQ(s.dispatcher.compose.link_ttl, std::chrono::hours(24 * 30));
  EXPECT_EQ(s.dispatcher.retry.max_attempts, 8);
  EXPECT_EQ(s.dispatcher.retry.initial_backoff, 60s);
  EXPECT_EQ(s.dispatcher.retry.max_backoff, 6h);
  EXPECT_EQ(s.smtp.host, "");
  EXPECT_EQ(s.smtp.from_name, "Hệ thống theo dõi nhiệm vụ");
  EXPECT_EQ(s.templates, "config/templates/vi");
  EXPECT_TRUE(s.webhook.allow.empty()) << "no webhook host is allowed unless the operator lists it";
}

TEST(NotifySettings, EverySettingIsRead) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("c.json");
  dutyflow::testing::write_file(path, R"({"listen": "127.0.0.1:1", "notify": {
    "enabled": false, "base_url": "https://x.vn", "link_ttl": "14d", "poll_interval": "250ms", "batch": 7,
    "retry": {"max_attempts": 3, "initial_backoff": "30s", "max_backoff": "1h", "jitter": 0},
    "smtp": {"host": "mail.x.vn", "port": 465, "security": "tls", "verify_certificate": false, "ca_file": "ca.pem",
             "username": "u", "password_file": "pw", "allow_plaintext_auth": true, "from_address": "a@x.vn",
             "from_name": "A", "helo": "h.x.vn", "timeout": "5s", "body_encoding": "base64"},
    "webhook": {"secrets_file": "s.json", "timeout": "3s", "verify_certificate": false, "ca_file": "w.pem",
                "allow": ["hooks.x.vn", "127.0.0.1:8099"]},
    "file": {"dir": "out"}}})");
  notify_settings s;
  auto r = read_notify_settings(path, s);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.dispatcher.compose.base_url, "https://x.vn");
  EXPECT_EQ(s.dispatcher.compose.link_ttl, std::chrono::hours(24 * 14));
  EXPECT_EQ(s.dispatcher.poll_interval, 250ms);
  EXPECT_EQ(s.dispatcher.batch, 7);
  EXPECT_EQ(s.dispatcher.retry.max_attempts, 3);
  EXPECT_EQ(s.dispatcher.retry.initial_backoff, 30s);
  EXPECT_EQ(s.dispatcher.retry.max_backoff, 1h);
  EXPECT_EQ(s.dispatcher.retry.jitter, 0.0);
  EXPECT_EQ(s.smtp.host, "mail.x.vn");
  EXPECT_EQ(s.smtp.port, 465);
  EXPECT_EQ(s.smtp.security, notify::smtp_security::tls);
  EXPECT_FALSE(s.smtp.verify_certificate);
  EXPECT_EQ(s.smtp.ca_file, "ca.pem");
  EXPECT_EQ(s.smtp.username, "u");
  EXPECT_EQ(s.smtp_password_file, "pw");
  EXPECT_TRUE(s.smtp.allow_plaintext_auth);
  EXPECT_EQ(s.smtp.from_address, "a@x.vn");
  EXPECT_EQ(s.smtp.helo, "h.x.vn");
  EXPECT_EQ(s.smtp.timeout, 5s);
  EXPECT_EQ(s.smtp.encoding, notify::body_encoding::base64);
  EXPECT_EQ(s.webhook_secrets, "s.json");
  EXPECT_EQ(s.webhook.timeout, 3s);
  EXPECT_FALSE(s.webhook.verify_certificate);
  ASSERT_EQ(s.webhook.allow.size(), 2u);
  EXPECT_EQ(s.webhook.allow[0].host, "hooks.x.vn");
  EXPECT_EQ(s.webhook.allow[1].port, "8099");
  EXPECT_EQ(s.file.dir, "out");
}

TEST(NotifySettings, MistakesNameTheKey) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("c.json");
  const std::pair<const char*, const char*> cases[] = {
      {R"({"notify": {"smtp": {"hots": "x"}}})", "notify.smtp.hots"},
      {R"({"notify": {"smtp": {"port": 70000}}})", "notify.smtp.port"},
      {R"({"notify": {"smtp": {"security": "maybe"}}})", "notify.smtp.security"},
      {R"({"notify": {"retry": {"initial_backoff": "soon"}}})", "notify.retry.initial_backoff"},
      {R"({"notify": {"link_ttl": "0s"}})", "notify.link_ttl"},
      {R"({"notify": {"webhook": []}})", "notify.webhook"},
      {R"({"notify": {"webhook": {"allow": "*"}}})", "notify.webhook.allow"},
      {R"({"notify": {"webhook": {"allow": ["hooks.x.vn", "http://10.0.0.1/"]}}})", "notify.webhook.allow[1]"},
      {R"({"notify": 3})", "\"notify\""},
  };
  for (const auto& [text, key] : cases) {
    dutyflow::testing::write_file(path, text);
    notify_settings s;
    auto r = read_notify_settings(path, s);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.err().message.find(key), std::string::npos) << r.err().message;
  }
}

TEST(NotifySettings, DurationsHaveUnits) {
  EXPECT_EQ(*parse_setting_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_setting_duration("30s"), 30s);
  EXPECT_EQ(*parse_setting_duration("5m"), 5min);
  EXPECT_EQ(*parse_setting_duration("6h"), 6h);
  EXPECT_EQ(*parse_setting_duration("14d"), std::chrono::hours(24 * 14));
  EXPECT_FALSE(parse_setting_duration("5"));
  EXPECT_FALSE(parse_setting_duration("m"));
  EXPECT_FALSE(parse_setting_duration("-5m"));
  EXPECT_FALSE(parse_setting_duration("5w"));
}

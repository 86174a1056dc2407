#include "adapters/notify/webhook.h"

#include <gtest/gtest.h>

#include "adapters/notify/codec.h"
#include "adapters/security/codec.h"

using namespace dutyflow::notify;
using namespace dutyflow::security;

TEST(WebhookSignature, IsHmacSha256OfTimestampDotBody) {
  const std::string body = R"({"id":"p/d/assigned/2023-06-05T01:00:00Z"})";
  const auto sig = webhook_signature("bi-mat-cua-xa-ma-li-pho", 1685926800, body);
  EXPECT_EQ(sig, "t=1685926800,sha256=" + hex_encode(hmac_sha256("bi-mat-cua-xa-ma-li-pho", "1685926800." + body)));
  EXPECT_NE(sig, webhook_signature("another-secret-entirely", 1685926800, body));
  EXPECT_NE(sig, webhook_signature("bi-mat-cua-xa-ma-li-pho", 1685926801, body));
}

TEST(WebhookUrl, ParsesHostPortAndTarget) {
  auto u = parse_url("https://hooks.phongtho.example/dutyflow?unit=xa");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "hooks.phongtho.example");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/dutyflow?unit=xa");
  u = parse_url("http://127.0.0.1:8099");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "8099");
  EXPECT_EQ(u->target, "/");
  u = parse_url("http://[::1]:81/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "81");
}

TEST(WebhookUrl, RefusesWhatItCannotSendSafely) {
  EXPECT_FALSE(parse_url("ftp://x"));
  EXPECT_FALSE(parse_url("http://user:pw@host/"));
  EXPECT_FALSE(parse_url("http://host/a b"));
  EXPECT_FALSE(parse_url("http://host/\r\nX: y"));
  EXPECT_FALSE(parse_url("http://host:0/"));
  EXPECT_FALSE(parse_url("http://host:99999/"));
  EXPECT_FALSE(parse_url("http://:80/"));
}

// Issue 16, finding 6 (SSRF): plan files could send webhooks to loopback, private,
// link-local and metadata addresses. The ranges are judged on address strings here;
// nothing in these tests connects anywhere.
TEST(HostileInputSsrf, SpecialAddressRangesAreRecognised) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "loopback"},         {"127.255.255.254", "loopback"},  {"::1", "loopback"},
      {"10.0.0.1", "private"},           {"172.16.0.1", "private"},        {"172.31.255.255", "private"},
      {"192.168.1.10", "private"},       {"fc00::1", "private"},           {"fd12:3456::1", "private"},
      {"169.254.1.1", "link-local"},     {"fe80::1", "link-local"},        {"169.254.169.254", "metadata"},
      {"fd00:ec2::254", "metadata"},     {"100.64.0.1", "shared"},         {"100.127.255.255", "shared"},
      {"224.0.0.1", "multicast"},        {"239.255.255.250", "multicast"}, {"ff02::1", "multicast"},
      {"0.0.0.0", "unspecified"},        {"::", "unspecified"},            {"255.255.255.255", "reserved"},
      {"::ffff:127.0.0.1", "loopback"},  {"::ffff:169.254.169.254", "metadata"},
      {"64:ff9b::a00:1", "private"},     {"2002:7f00:1::", "loopback"},    {"not an address", "invalid"},
      {"8.8.8.8", ""},                   {"172.32.0.1", ""},               {"100.128.0.1", ""},
      {"2001:4860:4860::8888", ""},      {"::ffff:8.8.8.8", ""},           {"169.255.0.1", ""},
  };
  for (const auto& [address, range] : cases) EXPECT_EQ(webhook_address_range(address), range) << address;
}

TEST(HostileInputSsrf, AllowPatternsParse) {
  auto name = parse_webhook_allow("Hooks.PhongTho.example:8443");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "hooks.phongtho.example");
  EXPECT_EQ(name->port, "8443");
  EXPECT_EQ(name->prefix, -1);
  auto net = parse_webhook_allow("10.0.0.0/8");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->host.empty());
  EXPECT_EQ(net->prefix, 96 + 8);
  EXPECT_EQ(net->port, "");
  for (const char* ok : {"*", "*:443", "*.phongtho.example", "127.0.0.1", "127.0.0.1:8099", "[::1]", "[::1]:81",
                         "fd00::/8", "[fd00::/8]:443", "192.168.0.0/16:80"})
    EXPECT_TRUE(parse_webhook_allow(ok)) << ok;
  for (const char* bad : {"", ":80", "host:", "host:0", "host:70000", "host:x", "10.0.0.0/33", "[::1", "[::1]x",
                          "a b", "ho/st", "*.", "http://host", "user@host", "a..b"})
    EXPECT_FALSE(parse_webhook_allow(bad)) << bad;
}

TEST(HostileInputSsrf, OnlyTheDaemonConfigAllowsAHost) {
  std::vector<webhook_allow_rule> allow;
  EXPECT_NE(webhook_host_refusal(allow, "hooks.phongtho.example", "443"), "") << "nothing is allowed by default";
  for (const char* p : {"hooks.phongtho.example", "*.tinh.example", "127.0.0.1:8099", "10.1.0.0/16"})
    allow.push_back(*parse_webhook_allow(p));
  EXPECT_EQ(webhook_host_refusal(allow, "hooks.phongtho.example", "443"), "");
  EXPECT_EQ(webhook_host_refusal(allow, "HOOKS.phongtho.example", "80"), "");
  EXPECT_EQ(webhook_host_refusal(allow, "a.b.tinh.example", "443"), "");
  EXPECT_EQ(webhook_host_refusal(allow, "127.0.0.1", "8099"), "");
  EXPECT_EQ(webhook_host_refusal(allow, "10.1.2.3", "80"), "");
  EXPECT_NE(webhook_host_refusal(allow, "tinh.example", "443"), "") << "*.x is below x, not x";
  EXPECT_NE(webhook_host_refusal(allow, "eviltinh.example", "443"), "");
  EXPECT_NE(webhook_host_refusal(allow, "hooks.phongtho.example.evil.example", "443"), "");
  EXPECT_NE(webhook_host_refusal(allow, "127.0.0.1", "8080"), "") << "the port is part of the rule";
  EXPECT_NE(webhook_host_refusal(allow, "127.0.0.2", "8099"), "");
  EXPECT_NE(webhook_host_refusal(allow, "169.254.169.254", "80"), "");
  EXPECT_NE(webhook_host_refusal(allow, "10.2.0.1", "80"), "");
  // "*" is any name, and any public address literal; never a special address by itself.
  std::vector<webhook_allow_rule> any{*parse_webhook_allow("*")};
  EXPECT_EQ(webhook_host_refusal(any, "hooks.example.vn", "443"), "");
  EXPECT_EQ(webhook_host_refusal(any, "169.254.169.254", "80"), "") << "the name is allowed...";
  EXPECT_NE(webhook_address_refusal(any, "169.254.169.254", "80"), "") << "...but not the address it is";
}

TEST(HostileInputSsrf, ResolvedSpecialAddressesNeedAnAddressRule) {
  std::vector<webhook_allow_rule> allow{*parse_webhook_allow("hooks.phongtho.example"),
                                        *parse_webhook_allow("127.0.0.1:8099"), *parse_webhook_allow("[fd12::/16]")};
  // An allowed name that resolves to a public address: fine.
  EXPECT_EQ(webhook_address_refusal(allow, "203.0.113.7", "443"), "");
  EXPECT_EQ(webhook_address_refusal(allow, "2001:db8::7", "443"), "");
  // ... to loopback, metadata, a private or link-local address (DNS rebinding): refused,
  // unless an address rule names it, port included.
  for (const char* special : {"127.0.0.1", "169.254.169.254", "10.0.0.5", "192.168.1.1", "fe80::1", "100.64.1.1",
                              "::ffff:127.0.0.1", "fd00:ec2::254", "0.0.0.0", "224.0.0.1"}) {
    const auto why = webhook_address_refusal(allow, special, "443");
    EXPECT_NE(why, "") << special;
    EXPECT_NE(why.find("notify.webhook.allow"), std::string::npos) << why;
  }
  EXPECT_EQ(webhook_address_refusal(allow, "127.0.0.1", "8099"), "");
  EXPECT_EQ(webhook_address_refusal(allow, "::ffff:127.0.0.1", "8099"), "");
  EXPECT_EQ(webhook_address_refusal(allow, "fd12::1", "443"), "");
}

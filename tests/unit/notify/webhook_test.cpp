#include "adapters/notify/webhook.h"

#include <gtest/gtest.h>

#include "adapters/notify/codec.h"

using namespace dutyflow::notify;

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

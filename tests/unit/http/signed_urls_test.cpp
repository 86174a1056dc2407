// adapters/http/signed_urls.cpp: signed calendar links; the calendar key's secret file.
#include "adapters/http/signed_urls.h"
#include "adapters/security/codec.h"
#include "adapters/security/secret_file.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace dutyflow;
using namespace dutyflow::http;

namespace {
signed_urls urls(std::string_view secret, security::signing_use use = security::signing_use::calendar_link) {
  return signed_urls(security::hmac_signer(secret, use));
}
instant at_unix(std::int64_t s) {
  return instant{std::chrono::seconds{s}};
}
}  // namespace

TEST(SignedUrls, AcceptsItsOwnSignatureUntilItExpires) {
  const auto signer = urls("0123456789abcdef0123456789abcdef");
  const std::string path = "/api/v1/units/xa-ma-li-pho/calendar.ics";
  const auto sig = signer.sign(path, 2000);
  EXPECT_EQ(sig.size(), 43u) << "base64url of 32 bytes, no padding";
  EXPECT_TRUE(signer.verify(path, "2000", sig, at_unix(1999)));
  EXPECT_TRUE(signer.verify(path, "2000", sig, at_unix(2000)));
  EXPECT_FALSE(signer.verify(path, "2000", sig, at_unix(2001))) << "expired";
  EXPECT_FALSE(signer.verify("/api/v1/units/xa-khac/calendar.ics", "2000", sig, at_unix(1))) << "another unit";
  EXPECT_FALSE(signer.verify(path, "2001", sig, at_unix(1))) << "a longer expiry";
  EXPECT_FALSE(signer.verify(path, "2000x", sig, at_unix(1)));
  EXPECT_FALSE(signer.verify(path, "", sig, at_unix(1)));
  EXPECT_FALSE(signer.verify(path, "2000", sig.substr(1), at_unix(1)));
  EXPECT_EQ(signer.query(path, 2000), "exp=2000&sig=" + sig);
}

TEST(SignedUrls, KeysDifferByPurposeAndSecret) {
  const auto a = urls("0123456789abcdef0123456789abcdef");
  const auto b = urls("0123456789abcdef0123456789abcdef", security::signing_use::action_link);
  const auto c = urls("fedcba9876543210fedcba9876543210");
  EXPECT_NE(a.sign("/x", 1), b.sign("/x", 1));
  EXPECT_NE(a.sign("/x", 1), c.sign("/x", 1));
}

TEST(SignedUrls, SecretFileIsCreatedPrivateOnceAndThenReused) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("var/calendar.key");
  auto first = security::load_or_create_secret(path, "calendar link key");
  ASSERT_TRUE(first) << first.err().message;
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto again = security::load_or_create_secret(path, "calendar link key");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
}

TEST(SignedUrls, ASecretFileOthersCanReadIsRefused) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("calendar.key");
  dutyflow::testing::write_file(path, "0123456789abcdef0123456789abcdef\n");
  ::chmod(path.c_str(), 0644);
  auto r = security::load_or_create_secret(path, "calendar link key");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
}

// Calendar links already handed out keep working: the signature is the one dutyflow made
// before the security module (HMAC under HMAC(secret, "dutyflow link key: calendar") of
// "GET\n" + path + "\n" + expiry, base64url).
TEST(SignedUrls, SignaturesAreMadeAsBeforeTheSecurityModule) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const auto key = security::hmac_sha256(secret, "dutyflow link key: calendar");
  EXPECT_EQ(urls(secret).sign("/api/v1/units/xa-ma-li-pho/calendar.ics", 2000),
            security::base64url_encode(security::hmac_sha256(key, "GET\n/api/v1/units/xa-ma-li-pho/calendar.ics\n2000")));
}

// adapters/http/link_signing.cpp: signed calendar links and the secret file.
#include "adapters/http/link_signing.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace dutyflow;
using namespace dutyflow::http;

namespace {
instant at_unix(std::int64_t s) {
  return instant{std::chrono::seconds{s}};
}
}  // namespace

TEST(LinkSigning, AcceptsItsOwnSignatureUntilItExpires) {
  link_signer signer("0123456789abcdef0123456789abcdef", "calendar");
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

TEST(LinkSigning, KeysDifferByPurposeAndSecret) {
  link_signer a("0123456789abcdef0123456789abcdef", "calendar");
  link_signer b("0123456789abcdef0123456789abcdef", "ack");
  link_signer c("fedcba9876543210fedcba9876543210", "calendar");
  EXPECT_NE(a.sign("/x", 1), b.sign("/x", 1));
  EXPECT_NE(a.sign("/x", 1), c.sign("/x", 1));
}

TEST(LinkSigning, SecretFileIsCreatedPrivateOnceAndThenReused) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("var/calendar.key");
  auto first = load_or_create_secret(path);
  ASSERT_TRUE(first) << first.err().message;
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto again = load_or_create_secret(path);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
}

TEST(LinkSigning, ASecretFileOthersCanReadIsRefused) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("calendar.key");
  dutyflow::testing::write_file(path, "0123456789abcdef0123456789abcdef\n");
  ::chmod(path.c_str(), 0644);
  auto r = load_or_create_secret(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
}

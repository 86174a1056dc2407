// adapters/security/link_token: the one-click links' tokens.
#include "adapters/security/link_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapters/security/codec.h"
#include "adapters/security/signer.h"
#include "tests/support/temp_dir.h"

using namespace dutyflow;
using namespace dutyflow::security;

namespace {

instant at(const char* iso) {
  return *parse_instant(iso);
}

link_tokens tokens(std::string key) { return link_tokens(hmac_signer(key, signing_use::action_link)); }

link_claims claims() {
  return link_claims{"182-kh-ubnd-2023", "tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "acknowledge",
                     at("2023-07-05T08:00:00+07:00")};
}

}  // namespace

TEST(LinkToken, SignedTokenVerifiesUntilItExpires) {
  const auto signer = tokens(std::string(32, 'k'));
  const auto token = signer.sign(claims());
  for (char c : token)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') << token;

  auto ok = signer.verify(token, at("2023-07-05T07:59:59+07:00"));
  ASSERT_EQ(ok.result, link_check::outcome::ok);
  EXPECT_EQ(ok.claims.plan, "182-kh-ubnd-2023");
  EXPECT_EQ(ok.claims.duty, "tham-luan-xa-ma-li-pho");
  EXPECT_EQ(ok.claims.unit, "xa-ma-li-pho");
  EXPECT_EQ(ok.claims.event, "acknowledge");
  EXPECT_EQ(ok.claims.expires, at("2023-07-05T08:00:00+07:00"));

  EXPECT_EQ(signer.verify(token, at("2023-07-05T08:00:00+07:00")).result, link_check::outcome::expired);
}

TEST(LinkToken, ForgedOrAlteredTokensAreRefused) {
  const auto signer = tokens(std::string(32, 'k'));
  const auto now = at("2023-06-05T08:00:00+07:00");
  const auto token = signer.sign(claims());

  // Another key.
  EXPECT_EQ(tokens(std::string(32, 'x')).verify(token, now).result, link_check::outcome::forged);
  // The claims changed to another unit, signature kept.
  auto other = claims();
  other.unit = "xa-sin-suoi-ho";
  const auto other_payload = tokens(std::string(32, 'x')).sign(other);
  const auto forged = other_payload.substr(0, other_payload.find('.')) + token.substr(token.find('.'));
  EXPECT_EQ(signer.verify(forged, now).result, link_check::outcome::forged);
  // A later expiry written in by hand.
  auto later = claims();
  later.expires = at("2030-01-01T00:00:00Z");
  const auto relabelled = signer.sign(later).substr(0, signer.sign(later).find('.')) + token.substr(token.find('.'));
  EXPECT_EQ(signer.verify(relabelled, now).result, link_check::outcome::forged);
  // Garbage.
  EXPECT_EQ(signer.verify("", now).result, link_check::outcome::malformed);
  EXPECT_EQ(signer.verify("abc", now).result, link_check::outcome::malformed);
  EXPECT_EQ(signer.verify("abc.!!!", now).result, link_check::outcome::malformed);
  EXPECT_NE(signer.verify(token + "x", now).result, link_check::outcome::ok);
}

TEST(LinkToken, KeyFileIsCreatedPrivateOnceAndReadBack) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("var/link.key");
  bool created = false;
  auto first = load_signer(path, signing_use::action_link, &created);
  ASSERT_TRUE(first) << first.err().message;
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The file holds 64 hex characters; their 32 bytes are the key.
  auto text = dutyflow::testing::read_file(path);
  ASSERT_EQ(text.size(), 65u) << text;
  const auto key = *hex_decode(text.substr(0, 64));
  EXPECT_EQ(first->mac("x"), hmac_signer(key, signing_use::action_link).mac("x"));

  auto second = load_signer(path, signing_use::action_link, &created);
  ASSERT_TRUE(second);
  EXPECT_FALSE(created);
  EXPECT_EQ(second->mac("x"), first->mac("x"));

  ::chmod(path.c_str(), 0644);
  EXPECT_FALSE(load_signer(path, signing_use::action_link));
  ::chmod(path.c_str(), 0600);
  dutyflow::testing::write_file(path, "not hex, but long enough\n");
  EXPECT_FALSE(load_signer(path, signing_use::action_link));
}

// Links already sent keep working: a token is the one the notifier signed before the
// security module existed (claims in base64url, "." , HMAC over "dutyflow-link-v1." +
// claims under the raw key).
TEST(LinkToken, TokensAreSignedAsBeforeTheSecurityModule) {
  const std::string key(32, 'k');
  const auto token = tokens(key).sign(claims());
  const auto dot = token.find('.');
  ASSERT_NE(dot, std::string::npos);
  const auto payload = token.substr(0, dot);
  EXPECT_EQ(token.substr(dot + 1), base64url_encode(hmac_sha256(key, "dutyflow-link-v1." + payload)));
}

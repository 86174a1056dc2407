// adapters/security/codec: the encodings and digests against their RFC vectors.
#include "adapters/security/codec.h"

#include <gtest/gtest.h>

using namespace dutyflow::security;

TEST(Codec, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Codec, MalformedBase64IsRefused) {
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9v!A=="));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero leftover bits
}

TEST(Codec, HexRoundTrips) {
  EXPECT_EQ(hex_encode("\x01\xab\xff"), "01abff");
  EXPECT_EQ(hex_decode("01ABff"), "\x01\xab\xff");
  EXPECT_FALSE(hex_decode("0"));
  EXPECT_FALSE(hex_decode("zz"));
}

TEST(Codec, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Codec, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Codec, Sha256HexIsLowerCaseHexOfTheDigest) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Codec, RandomBytesAreFreshEachTime) {
  auto a = random_bytes(32), b = random_bytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

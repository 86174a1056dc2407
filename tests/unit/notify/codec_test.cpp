#include "adapters/notify/codec.h"

#include <gtest/gtest.h>

using namespace dutyflow::notify;

namespace {

// Decodes quoted-printable the way a mail reader does (RFC 2045 §6.7), to check round trips.
std::string qp_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;
      continue;
    }
    if (in[i] == '=' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
      continue;
    }
    if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
      out.push_back('\n');
      ++i;
      continue;
    }
    out.push_back(in[i]);
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto end = text.find("\r\n", start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

}  // namespace

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

TEST(QuotedPrintable, EncodesVietnameseAndKeepsAsciiReadable) {
  EXPECT_EQ(quoted_printable_encode("Xã Ma Li Pho"), "X=C3=A3 Ma Li Pho");
  EXPECT_EQ(quoted_printable_encode("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable_encode("dòng 1\ndòng 2\n"), "d=C3=B2ng 1\r\nd=C3=B2ng 2\r\n");
}

TEST(QuotedPrintable, EncodesWhitespaceAtTheEndOfALine) {
  EXPECT_EQ(quoted_printable_encode("cuối dòng \nx\t"), "cu=E1=BB=91i d=C3=B2ng=20\r\nx=09");
}

TEST(QuotedPrintable, LongLinesAreSoftBrokenWithinSeventySixCharactersWithoutSplittingCharacters) {
  const std::string text =
      "Phát biểu tham luận về một số giải pháp cải thiện, nâng cao chỉ số thuộc lĩnh vực cải cách thủ tục hành "
      "chính; Công bố Chỉ số cải cách hành chính của UBND các xã, thị trấn năm 2022\n";
  const auto encoded = quoted_printable_encode(text);
  for (const auto& line : lines_of(encoded)) {
    EXPECT_LE(line.size(), 76u) << line;
    // A soft break never falls inside an =XX triplet.
    if (line.size() >= 2) {
      EXPECT_NE(line[line.size() - 2], '=') << line;
    }
    // Each line on its own decodes to whole UTF-8 characters: no character is split.
    auto body = line.ends_with("=") ? line.substr(0, line.size() - 1) : line;
    EXPECT_TRUE(valid_utf8(qp_decode(body))) << line;
  }
  EXPECT_EQ(qp_decode(encoded), text);
}

TEST(Rfc2047, AsciiSubjectsStayAsTheyAre) {
  EXPECT_EQ(rfc2047_encode("Plain subject"), "Plain subject");
  EXPECT_NE(rfc2047_encode("looks =?like?= a word"), "looks =?like?= a word");
}

TEST(Rfc2047, VietnameseSubjectBecomesFoldedEncodedWordsOfWholeCharacters) {
  const std::string subject =
      "[182/KH-UBND] Giao nhiệm vụ: Phát biểu tham luận về một số giải pháp cải thiện, nâng cao chỉ số thuộc lĩnh "
      "vực cải cách thủ tục hành chính";
  const auto encoded = rfc2047_encode(subject, 9);
  std::string decoded;
  bool first = true;
  for (auto line : lines_of(encoded)) {
    if (!first) {
      ASSERT_TRUE(line.starts_with(" ")) << "a folded line starts with white space";
      line = line.substr(1);
    }
    EXPECT_LE(line.size(), 75u);
    if (first) {
      EXPECT_LE(line.size() + 9, 78u);
    }
    first = false;
    ASSERT_TRUE(line.starts_with("=?UTF-8?B?") && line.ends_with("?=")) << line;
    auto word = base64_decode(line.substr(10, line.size() - 12));
    ASSERT_TRUE(word);
    EXPECT_TRUE(valid_utf8(*word)) << "an encoded-word splits a character";
    decoded += *word;
  }
  EXPECT_EQ(decoded, subject);
}

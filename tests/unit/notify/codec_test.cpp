#include "adapters/notify/codec.h"
#include "adapters/security/codec.h"

#include <gtest/gtest.h>

using namespace dutyflow::notify;
using dutyflow::security::base64_decode;

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

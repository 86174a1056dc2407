// adapters/http/message.cpp: the request target as routes see it, and what reaches a log.
#include "adapters/http/message.h"

#include <gtest/gtest.h>

using namespace dutyflow::http;

namespace {

bool target_ok(const std::string& target) {
  std::string path;
  std::map<std::string, std::string> query;
  return parse_target(target, path, query);
}

}  // namespace

TEST(Target, DecodesVietnameseAndKeepsPlusInThePath) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(parse_target("/api/v1/duties/a+b?unit=x%C3%A3&state=Acknowledged+x", path, query));
  EXPECT_EQ(path, "/api/v1/duties/a+b");
  EXPECT_EQ(query["unit"], "xã");
  EXPECT_EQ(query["state"], "Acknowledged x");
}

TEST(Target, BytesThatAreNotUtf8TextNeverReachARoute) {
  EXPECT_FALSE(target_ok("/api/v1/plans/%FF"));
  EXPECT_FALSE(target_ok("/api/v1/plans/%C0%AF"));     // overlong "/"
  EXPECT_FALSE(target_ok("/api/v1/plans/%ED%A0%80"));  // a UTF-16 surrogate
  EXPECT_FALSE(target_ok("/api/v1/plans/x%0D%0AInjected: 1"));
  EXPECT_FALSE(target_ok("/api/v1/duties?unit=%1B%5B31m"));  // a terminal escape
  EXPECT_FALSE(target_ok("/api/v1/duties?%FE=1"));
  EXPECT_FALSE(target_ok("/api/v1/plans/%00"));
  EXPECT_FALSE(target_ok("/api/v1/plans/%4"));
  EXPECT_TRUE(target_ok("/api/v1/plans/%27%3B%20DROP%20TABLE%20events%3B--"));  // text: the route refuses it
}

TEST(Utf8, TheFirstBadByteIsFound) {
  EXPECT_EQ(invalid_utf8_at("Phòng Nội vụ"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("\xF0\x9F\x93\x85 ok"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("ab\xFF"), 2u);
  EXPECT_EQ(invalid_utf8_at("ab\xC3"), 2u) << "cut short";
  EXPECT_EQ(invalid_utf8_at("\xE0\x80\xAF"), 0u) << "overlong";
  EXPECT_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u) << "above U+10FFFF";
  EXPECT_EQ(invalid_utf8_at("x\x80"), 1u) << "a lone continuation byte";
}

TEST(LogSafe, OneLineOfTextWhateverWasSent) {
  EXPECT_EQ(log_safe("/api/v1/plans/182-kh-ubnd-2023"), "/api/v1/plans/182-kh-ubnd-2023");
  EXPECT_EQ(log_safe("Nội vụ"), "Nội vụ");
  EXPECT_EQ(log_safe("a\r\nFAKE LOG LINE"), "a\\x0d\\x0aFAKE LOG LINE");
  EXPECT_EQ(log_safe("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(log_safe("\xFF\xFE"), "\\xff\\xfe");
  EXPECT_EQ(log_safe("back\\slash"), "back\\x5cslash") << "so that an escape in the log is always ours";
  EXPECT_EQ(log_safe(std::string(300, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_EQ(log_safe("\xe2\x80\xaetxt.exe"), "\\u202etxt.exe") << "a right-to-left override";
  const std::string csi = "\xc2\x9b", line_separator = "\xe2\x80\xa8";
  EXPECT_EQ(log_safe(csi + "31m"), "\\u009b31m") << "a C1 control sequence introducer";
  EXPECT_EQ(log_safe("a" + line_separator + "b"), "a\\u2028b") << "a line separator";
}

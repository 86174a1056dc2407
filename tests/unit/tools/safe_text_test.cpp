// tools/safe_text.cpp: what a log line or the CLI shows of text from plans and requests.
#include "tools/safe_text.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using namespace dutyflow;

TEST(SafeText, KeepsVietnameseAndEscapesControlsAndBidi) {
  EXPECT_EQ(escape_control("Phát biểu tham luận về cải cách hành chính"), "Phát biểu tham luận về cải cách hành chính");
  EXPECT_FALSE(has_control("Xã Sin Suối Hồ"));
  EXPECT_EQ(escape_control("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(escape_control("\x1b[2J\x07\x7f"), "\\x1b[2J\\x07\\x7f");
  EXPECT_EQ(escape_control("x\u202Eevil\u202C y \u2066z\u2069"), "x\\u202eevil\\u202c y \\u2066z\\u2069");
  EXPECT_EQ(escape_control("\u0085\u009B"), "\\u0085\\u009b");  // NEL and the one-byte CSI as code points
  EXPECT_EQ(escape_control("\u2028"), "\\u2028");
  EXPECT_EQ(escape_control("bad \xff\xc3"), "bad \\xff\\xc3");
  EXPECT_EQ(escape_control("\xc0\xaf"), "\\xc0\\xaf") << "an overlong '/' is not UTF-8";
  EXPECT_TRUE(has_control("a\u202Eb"));
}

// Issue 16, finding 9: control characters from plans and requests forged log lines.
TEST(SafeText, HostileInputLogLinesCannotBeForged) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("[%l] %v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  escape_logged_messages();
  escape_logged_messages();  // twice wraps once
  spdlog::info("plans: duty title \"{}\"", "x\r\n[error] dutyflowd stopped\x1b[8m\u202Egnp.exe");
  spdlog::set_default_logger(previous);
  EXPECT_EQ(out.str(), "[info] plans: duty title \"x\\r\\n[error] dutyflowd stopped\\x1b[8m\\u202egnp.exe\"\n");
}

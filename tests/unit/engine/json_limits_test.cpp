#include "engine/json_limits.h"

#include <gtest/gtest.h>

#include <string>

using namespace dutyflow;

namespace {

std::string nested(std::size_t levels, const std::string& inner = "1") {
  std::string out;
  out.reserve(levels * 7 + inner.size());
  for (std::size_t i = 0; i < levels; ++i) out += "{\"a\":";
  out += inner;
  out.append(levels, '}');
  return out;
}

}  // namespace

// Issue 16, finding 1: a comment whose data was nested 140,000 levels deep killed dutyflowd
// (the value was built, then copied recursively). The parser stops at the limit instead.
TEST(JsonLimits, NestingPastTheLimitIsRefusedWhileParsing) {
  auto r = parse_json(nested(140000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
  EXPECT_NE(r.err().message.find("nested deeper than 64 levels"), std::string::npos) << r.err().message;
  EXPECT_EQ(r.err().details["limit"], 64);

  std::string arrays(200000, '[');
  arrays += std::string(200000, ']');
  EXPECT_FALSE(parse_json(arrays));
  EXPECT_FALSE(parse_ordered_json(arrays));
}

TEST(JsonLimits, SixtyFourLevelsAreFineAndSixtyFiveAreNot) {
  auto ok = parse_json(nested(64));
  ASSERT_TRUE(ok) << ok.err().message;
  EXPECT_TRUE(ok->is_object());
  auto deep = parse_json(nested(65));
  ASSERT_FALSE(deep);
  std::string where = "a";
  for (int i = 1; i < 64; ++i) where += ".a";
  EXPECT_EQ(deep.err().details["path"], where);
  EXPECT_TRUE(parse_json(nested(3), json_limits{3}));
  EXPECT_FALSE(parse_json(nested(4), json_limits{3}));
}

// Issue 16, finding 9: {"event": "comment", "event": "cancel"} meant whichever came last.
TEST(JsonLimits, DuplicateKeysAreRefusedWithTheirPath) {
  auto r = parse_json(R"({"event": "comment", "event": "cancel"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "has the key \"event\" twice (at event)");
  auto inner = parse_json(R"({"duties": [{"id": "a"}, {"id": "b", "owner": "x", "owner": "y"}]})");
  ASSERT_FALSE(inner);
  EXPECT_EQ(inner.err().details["path"], "duties[1].owner");
  EXPECT_EQ(inner.err().details["key"], "owner");
  // The same key in different objects is fine, and so are many keys in one object.
  EXPECT_TRUE(parse_json(R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 1}, {"k": 2}]})"));
  std::string wide = "{";
  for (int i = 0; i < 50000; ++i) wide += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  EXPECT_TRUE(parse_json(wide + "}"));
  EXPECT_FALSE(parse_json(wide + ",\"k49999\":2}"));
}

TEST(JsonLimits, SyntaxErrorsNameTheByte) {
  auto r = parse_json(R"({"a": tru})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("not valid JSON (at byte"), std::string::npos) << r.err().message;
  EXPECT_TRUE(r.err().details.contains("offset"));
  EXPECT_FALSE(parse_json(""));
  EXPECT_EQ(*parse_json(R"([1, "x", null, {"b": [true]}])"), nlohmann::json::parse(R"([1, "x", null, {"b": [true]}])"));
}

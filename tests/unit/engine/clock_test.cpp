#include "engine/clock.h"

#include <gtest/gtest.h>

using namespace dutyflow;

TEST(Clock, ManualClockMovesOnlyForwardWhenTold) {
  auto start = *parse_instant("2023-06-05T08:00:00+07:00");
  manual_clock c(start);
  EXPECT_EQ(c.now(), start);
  ASSERT_TRUE(c.advance(std::chrono::hours(6)));
  EXPECT_EQ(format_instant(c.now(), std::chrono::minutes(420)), "2023-06-05T14:00:00+07:00");
  EXPECT_FALSE(c.set(start));
  EXPECT_FALSE(c.advance(std::chrono::microseconds(-1)));
  ASSERT_TRUE(c.set(*parse_instant("2023-06-20T08:00:00+07:00")));
  EXPECT_EQ(format_instant(c.now(), std::chrono::minutes(420)), "2023-06-20T08:00:00+07:00");
}

TEST(Clock, MakeClockParsesEveryMode) {
  auto sys = make_clock("system");
  ASSERT_TRUE(sys);
  EXPECT_EQ((*sys)->mode(), "system");
  auto manual = make_clock("manual:2023-06-05T08:00:00+07:00");
  ASSERT_TRUE(manual);
  EXPECT_EQ((*manual)->mode(), "manual");
  EXPECT_EQ(format_instant((*manual)->now(), std::chrono::minutes(420)), "2023-06-05T08:00:00+07:00");
  auto scaled = make_clock("scaled:2023-06-05T08:00:00+07:00:60");
  ASSERT_TRUE(scaled);
  EXPECT_EQ((*scaled)->mode(), "scaled");
  EXPECT_GE((*scaled)->now(), *parse_instant("2023-06-05T08:00:00+07:00"));
  for (const char* bad : {"sundial", "manual:", "manual:yesterday", "scaled:2023-06-05T08:00:00+07:00",
                          "scaled:2023-06-05T08:00:00+07:00:-2", "scaled:2023-06-05T08:00:00+07:00:fast"})
    EXPECT_FALSE(make_clock(bad)) << bad;
}

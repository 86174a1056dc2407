#include "engine/time.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace std::chrono;

TEST(Time, ParsesInstantWithOffsetAndFormatsItBack) {
  auto t = parse_instant("2023-06-15T17:00:00+07:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_instant(*t, minutes{0}), "2023-06-15T10:00:00Z");
  EXPECT_EQ(format_instant(*t, minutes{420}), "2023-06-15T17:00:00+07:00");
}

TEST(Time, ParsesZuluFractionsAndNoSeconds) {
  auto a = parse_instant("2023-06-15T10:00:00.250Z");
  ASSERT_TRUE(a);
  EXPECT_EQ(format_instant(*a, minutes{420}), "2023-06-15T17:00:00.250+07:00");
  auto b = parse_instant("2023-06-15T17:00+07:00");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, *parse_instant("2023-06-15T10:00:00Z"));
}

TEST(Time, RefusesInstantsWithoutOffsetOrOutOfRange) {
  for (const char* bad : {"2023-06-15T17:00:00", "2023-06-15", "2023-02-30T10:00:00Z", "2023-06-15T24:00:00Z",
                          "2023-06-15T10:00:00+07:00x", "", "yesterday", "2023-06-15T10:60:00Z"}) {
    auto t = parse_instant(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.err().code, errc::invalid);
    }
  }
}

TEST(Time, ParsesDatesStrictly) {
  ASSERT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2023-6-5"));
  EXPECT_EQ(format_date(*parse_date("2023-06-05")), "2023-06-05");
}

TEST(Time, LocalDateAndStartOfDayUseTheOffset) {
  auto t = *parse_instant("2023-06-15T18:30:00Z");  // 01:30 on the 16th in Hà Nội
  EXPECT_EQ(format_date(local_date(t, minutes{420})), "2023-06-16");
  EXPECT_EQ(format_instant(start_of_day(*parse_date("2023-06-16"), minutes{420}), minutes{420}),
            "2023-06-16T00:00:00+07:00");
}

TEST(Time, ParsesDurations) {
  auto check = [](const char* text, std::int64_t amount, duration_spec::unit u) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(d->amount, amount) << text;
    EXPECT_EQ(d->unit_, u) << text;
  };
  check("30m", 30, duration_spec::unit::minutes);
  check("12h", 12, duration_spec::unit::hours);
  check("3d", 3, duration_spec::unit::days);
  check("2wd", 2, duration_spec::unit::working_days);
  check("-3wd", -3, duration_spec::unit::working_days);
  check("+1d", 1, duration_spec::unit::days);
  EXPECT_EQ(parse_duration("-3wd")->text(), "-3wd");
  EXPECT_EQ(parse_duration("12h")->fixed(), hours{12});
}

TEST(Time, RefusesBadDurations) {
  for (const char* bad : {"", "d", "3", "3x", "3 d", "--3d", "1.5d", "99999d", "3dd", "wd"}) EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Time, KnowsFixedOffsetZonesOnly) {
  EXPECT_EQ(*parse_timezone("Asia/Ho_Chi_Minh"), minutes{420});
  EXPECT_EQ(*parse_timezone("UTC"), minutes{0});
  EXPECT_EQ(*parse_timezone("+05:30"), minutes{330});
  EXPECT_FALSE(parse_timezone("Europe/Paris"));
  EXPECT_FALSE(parse_timezone("Mars/Olympus"));
}

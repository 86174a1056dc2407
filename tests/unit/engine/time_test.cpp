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

// Found by tests/fuzz (time): the UTC form of this instant is in year 10000, which no
// four-digit ISO-8601 text can hold, so a milestone set to it was journaled as text that
// replay could not parse back, and vanished at the next restart.
TEST(Time, RefusesInstantsWhoseTextCannotBeWrittenBack) {
  for (const char* bad : {"9999-12-31T17:57-14:00", "9000-01-01T00:00:00Z", "0000-01-01T00:00:00+14:00",
                          "0999-12-31T23:59:59Z"}) {
    auto t = parse_instant(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.err().code, errc::invalid);
    }
  }
  for (const char* good : {"1000-01-01T00:00:00Z", "8999-12-31T23:59:59Z", "8999-12-31T09:59:59-14:00"}) {
    auto t = parse_instant(good);
    ASSERT_TRUE(t) << good;
    for (int offset : {0, 420, -(14 * 60 + 59), 14 * 60 + 59})
      EXPECT_EQ(parse_instant(format_instant(*t, std::chrono::minutes{offset})).value(), *t) << good;
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

// Issue 14: one rendering of a deadline for every channel. A day deadline (stored as the
// next local midnight, Civil Code art. 148) reads as the day it ends.
TEST(Time, ADeadlineReadsAsTheDayItEnds) {
  const std::chrono::minutes vn{420};
  const auto day = *parse_instant("2023-06-17T00:00:00+07:00");
  EXPECT_TRUE(is_day_deadline(day, vn));
  EXPECT_EQ(format_date(deadline_date(day, vn)), "2023-06-16");
  EXPECT_EQ(vietnamese_deadline(day, vn), "hết ngày 16/6/2023");
  const auto timed = *parse_instant("2023-06-15T17:00:00+07:00");
  EXPECT_FALSE(is_day_deadline(timed, vn));
  EXPECT_EQ(format_date(deadline_date(timed, vn)), "2023-06-15");
  EXPECT_EQ(vietnamese_deadline(timed, vn), "17:00 ngày 15/6/2023");
  // Nghị định 30/2020: days below 10 and the months 1 and 2 take a leading zero.
  EXPECT_EQ(vietnamese_deadline(*parse_instant("2024-02-06T00:00:00+07:00"), vn), "hết ngày 05/02/2024");
  // The same instant read in UTC is another day: the plan's zone decides.
  EXPECT_FALSE(is_day_deadline(day, std::chrono::minutes{0}));
}

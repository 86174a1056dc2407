#include "engine/lunar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace dutyflow {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

date day_of(const std::string& text) {
  return parse_date(text).value();
}

std::string solar_of(const lunar_date& l) {
  const auto d = from_lunar(l);
  return d ? format_date(*d) : "none";
}

std::string text_of(const lunar_date& l) {
  return std::to_string(l.day) + "/" + std::to_string(l.month) + "/" + std::to_string(l.year) +
         (l.leap ? " nhuận" : "");
}

TEST(Lunar, TetDates2020To2030) {
  // Mùng 1 tháng Giêng as Vietnamese calendars print it. 2030 is one of the years where UTC+7
  // matters: the new moon is at 23:07 on 2 February in Hà Nội, already 3 February in Beijing.
  const std::pair<int, const char*> tet[] = {
      {2020, "2020-01-25"}, {2021, "2021-02-12"}, {2022, "2022-02-01"}, {2023, "2023-01-22"},
      {2024, "2024-02-10"}, {2025, "2025-01-29"}, {2026, "2026-02-17"}, {2027, "2027-02-06"},
      {2028, "2028-01-26"}, {2029, "2029-02-13"}, {2030, "2030-02-02"},
  };
  for (const auto& [year, solar] : tet) {
    EXPECT_EQ(solar_of({1, 1, year, false}), solar) << year;
    EXPECT_EQ(to_lunar(day_of(solar)), (lunar_date{1, 1, year, false})) << solar;
  }
}

TEST(Lunar, TetWhereVietnamDiffersFromChina) {
  EXPECT_EQ(solar_of({1, 1, 1985, false}), "1985-01-21");  // China: 1985-02-20
  EXPECT_EQ(solar_of({1, 1, 2007, false}), "2007-02-17");  // China: 2007-02-18
}

TEST(Lunar, DayBeforeTetIsTheLastOfTheYear) {
  EXPECT_EQ(text_of(to_lunar(day_of("2023-01-21"))), "30/12/2022");  // 30 Tết Nhâm Dần
  EXPECT_EQ(text_of(to_lunar(day_of("2025-01-28"))), "29/12/2024");  // tháng Chạp Giáp Thìn has 29 days
  EXPECT_EQ(text_of(to_lunar(day_of("2025-01-25"))), "26/12/2024");  // first day of the 2025 Tết break
  EXPECT_EQ(text_of(to_lunar(day_of("2026-02-14"))), "27/12/2025");  // first day of the 2026 Tết break
  EXPECT_EQ(text_of(to_lunar(day_of("2026-02-22"))), "6/1/2026");    // its last day
}

TEST(Lunar, GioToHungVuong) {
  EXPECT_EQ(solar_of({10, 3, 2023, false}), "2023-04-29");
  EXPECT_EQ(solar_of({10, 3, 2024, false}), "2024-04-18");
  EXPECT_EQ(solar_of({10, 3, 2025, false}), "2025-04-07");
  EXPECT_EQ(solar_of({10, 3, 2026, false}), "2026-04-26");
}

TEST(Lunar, LeapMonths) {
  EXPECT_EQ(leap_month(2017), 6);
  EXPECT_EQ(leap_month(2020), 4);
  EXPECT_EQ(leap_month(2023), 2);
  EXPECT_EQ(leap_month(2025), 6);
  EXPECT_EQ(leap_month(2028), 5);
  EXPECT_EQ(leap_month(2033), 11);  // the leap tháng 11 that comes after tháng 11 of 2033
  for (int y : {2021, 2022, 2024, 2026, 2027}) EXPECT_EQ(leap_month(y), 0) << y;

  EXPECT_EQ(solar_of({1, 2, 2023, true}), "2023-03-22");  // tháng 2 nhuận Quý Mão
  EXPECT_EQ(solar_of({1, 3, 2023, false}), "2023-04-20");
  EXPECT_EQ(solar_of({1, 4, 2020, true}), "2020-05-23");
  EXPECT_EQ(solar_of({1, 6, 2025, true}), "2025-07-25");
  EXPECT_EQ(to_lunar(day_of("2023-03-22")), (lunar_date{1, 2, 2023, true}));
  EXPECT_EQ(to_lunar(day_of("2025-08-22")), (lunar_date{29, 6, 2025, true}));
  EXPECT_EQ(to_lunar(day_of("2025-08-23")), (lunar_date{1, 7, 2025, false}));
}

TEST(Lunar, DatesThatDoNotExist) {
  EXPECT_FALSE(from_lunar({1, 3, 2023, true}));     // 2023's leap month is the second
  EXPECT_FALSE(from_lunar({1, 1, 2024, true}));     // 2024 has no leap month
  EXPECT_FALSE(from_lunar({30, 12, 2024, false}));  // tháng Chạp Giáp Thìn has 29 days
  EXPECT_FALSE(from_lunar({0, 1, 2024, false}));
  EXPECT_FALSE(from_lunar({31, 1, 2024, false}));
  EXPECT_FALSE(from_lunar({1, 13, 2024, false}));
  EXPECT_FALSE(from_lunar({1, 0, 2024, false}));
  EXPECT_EQ(to_lunar(date{}), lunar_date{});
}

TEST(Lunar, MidAutumn) {
  EXPECT_EQ(solar_of({15, 8, 2024, false}), "2024-09-17");
  EXPECT_EQ(solar_of({15, 8, 2025, false}), "2025-10-06");
}

// The published code takes at most one step back from the mean lunation and so gives
// "day 0" on the few days where the true new moon comes more than that late.
TEST(Lunar, NoDayZeroWhereTheNewMoonComesLate) {
  const lunar_date l = to_lunar(day_of("2054-05-07"));
  EXPECT_EQ(text_of(l), "30/3/2054");
  EXPECT_EQ(solar_of(l), "2054-05-07");
  EXPECT_EQ(text_of(to_lunar(day_of("2062-04-09"))), "30/2/2062");
}

TEST(Lunar, RoundTripsEveryDay1900To2100) {
  const sys_days first{std::chrono::year{1900} / 1 / 1};
  const sys_days last{std::chrono::year{2100} / 12 / 31};
  lunar_date previous = to_lunar(date{first - days{1}});
  int failures = 0;
  for (sys_days d = first; d <= last && failures < 10; d += days{1}) {
    const date solar{d};
    const lunar_date l = to_lunar(solar);
    const auto back = from_lunar(l);
    if (!back || *back != solar) {
      ADD_FAILURE() << format_date(solar) << " -> " << text_of(l) << " -> " << (back ? format_date(*back) : "none");
      ++failures;
    }
    // Each day is the next lunar day, or day 1 of the next month after a 29- or 30-day month.
    const bool next_day = l.day == previous.day + 1 && l.month == previous.month && l.leap == previous.leap;
    const bool new_month = l.day == 1 && (previous.day == 29 || previous.day == 30);
    if (!next_day && !new_month) {
      ADD_FAILURE() << format_date(solar) << ": " << text_of(previous) << " then " << text_of(l);
      ++failures;
    }
    if (l.month == 1 && l.day == 1 && !l.leap) {
      EXPECT_EQ(l.year, previous.year + 1) << format_date(solar);
    }
    previous = l;
  }
}

}  // namespace
}  // namespace dutyflow

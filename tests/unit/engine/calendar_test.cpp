#include "engine/calendar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace dutyflow {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using testing::temp_dir;
using testing::write_file;

date day_of(const std::string& text) {
  return parse_date(text).value();
}

// "2025-01-27 Tết Nguyên Đán", one line per holiday.
std::vector<std::string> listed(const working_calendar& cal, int year) {
  std::vector<std::string> out;
  for (const auto& h : cal.holidays(year)) out.push_back(format_date(h.day) + " " + h.name);
  return out;
}

std::string add(const working_calendar& cal, const std::string& start, int n) {
  return format_date(cal.add_working_days(day_of(start), n));
}

// The calendar with the override files shipped in config/calendar.
const working_calendar& shipped() {
  static const working_calendar cal = [] {
    auto loaded = working_calendar::load(std::string(DUTYFLOW_SOURCE_DIR) + "/config/calendar");
    if (!loaded) ADD_FAILURE() << loaded.err().message;
    return loaded ? *loaded : working_calendar();
  }();
  return cal;
}

std::string source_of(const working_calendar& cal, const std::string& day) {
  const date d = day_of(day);
  for (const auto& h : cal.holidays(static_cast<int>(d.year()))) {
    if (h.day == d) return h.source;
  }
  return "(not a holiday)";
}

// ---- The rules alone ----

TEST(WorkingCalendarRules, Holidays2026) {
  const working_calendar cal;
  EXPECT_EQ(listed(cal, 2026), (std::vector<std::string>{
                                   "2026-01-01 Tết Dương lịch",
                                   "2026-02-16 Tết Nguyên Đán",  // 29 tháng Chạp Ất Tỵ
                                   "2026-02-17 Tết Nguyên Đán",  // mùng 1
                                   "2026-02-18 Tết Nguyên Đán",
                                   "2026-02-19 Tết Nguyên Đán",
                                   "2026-02-20 Tết Nguyên Đán",
                                   "2026-04-26 Giỗ Tổ Hùng Vương",  // a Sunday
                                   "2026-04-27 Nghỉ bù Giỗ Tổ Hùng Vương",
                                   "2026-04-30 Ngày Chiến thắng",
                                   "2026-05-01 Ngày Quốc tế Lao động",
                                   "2026-09-01 Quốc khánh (ngày liền kề)",
                                   "2026-09-02 Quốc khánh",
                               }));
  for (const auto& h : cal.holidays(2026)) EXPECT_EQ(h.source, "rule");
}

TEST(WorkingCalendarRules, Tet2026IsNineDaysWithTheWeekends) {
  // The 2026 decision (14/2 to 22/2) is exactly the rule plus the two weekends around it.
  const working_calendar cal;
  EXPECT_TRUE(cal.is_working_day(day_of("2026-02-13")));
  for (sys_days d{day_of("2026-02-14")}; d <= sys_days{day_of("2026-02-22")}; d += days{1}) {
    EXPECT_FALSE(cal.is_working_day(date{d})) << format_date(date{d});
  }
  EXPECT_TRUE(cal.is_working_day(day_of("2026-02-23")));
}

TEST(WorkingCalendarRules, HolidaysOnTheWeekendAreCompensated2023) {
  const working_calendar cal;
  EXPECT_EQ(listed(cal, 2023), (std::vector<std::string>{
                                   "2023-01-01 Tết Dương lịch",  // Sunday
                                   "2023-01-02 Nghỉ bù Tết Dương lịch",
                                   "2023-01-21 Tết Nguyên Đán",  // 30 Tết, Saturday
                                   "2023-01-22 Tết Nguyên Đán",  // mùng 1, Sunday
                                   "2023-01-23 Tết Nguyên Đán",
                                   "2023-01-24 Tết Nguyên Đán",
                                   "2023-01-25 Tết Nguyên Đán",
                                   "2023-01-26 Nghỉ bù Tết Nguyên Đán",
                                   "2023-01-27 Nghỉ bù Tết Nguyên Đán",
                                   "2023-04-29 Giỗ Tổ Hùng Vương",  // Saturday
                                   "2023-04-30 Ngày Chiến thắng",   // Sunday
                                   "2023-05-01 Ngày Quốc tế Lao động",
                                   "2023-05-02 Nghỉ bù Giỗ Tổ Hùng Vương",
                                   "2023-05-03 Nghỉ bù Ngày Chiến thắng",
                                   "2023-09-01 Quốc khánh (ngày liền kề)",
                                   "2023-09-02 Quốc khánh",  // Saturday
                                   "2023-09-04 Nghỉ bù Quốc khánh",
                               }));
}

TEST(WorkingCalendarRules, NationalDayAdjacentDayJoinsTheWeekend) {
  const working_calendar cal;
  const auto adjacent = [&](int year) {
    for (const auto& h : cal.holidays(year)) {
      if (h.name == "Quốc khánh (ngày liền kề)") return format_date(h.day);
    }
    return std::string("none");
  };
  EXPECT_EQ(adjacent(2021), "2021-09-03");  // 2/9 Thursday → Friday
  EXPECT_EQ(adjacent(2022), "2022-09-01");  // Friday → Thursday
  EXPECT_EQ(adjacent(2023), "2023-09-01");  // Saturday → Friday
  EXPECT_EQ(adjacent(2024), "2024-09-03");  // Monday → Tuesday
  EXPECT_EQ(adjacent(2025), "2025-09-01");  // Tuesday → Monday
  EXPECT_EQ(adjacent(2026), "2026-09-01");  // Wednesday: no neighbour touches a weekend
  EXPECT_EQ(adjacent(2029), "2029-09-03");  // Sunday → Monday, and 2/9 itself is made up
  EXPECT_FALSE(cal.is_working_day(day_of("2029-09-04")));
  EXPECT_TRUE(cal.is_working_day(day_of("2029-09-05")));
}

TEST(WorkingCalendarRules, WeekendsAndOrdinaryDays) {
  const working_calendar cal;
  EXPECT_TRUE(cal.is_working_day(day_of("2025-03-14")));   // Friday
  EXPECT_FALSE(cal.is_working_day(day_of("2025-03-15")));  // Saturday
  EXPECT_FALSE(cal.is_working_day(day_of("2025-03-16")));  // Sunday
  EXPECT_FALSE(cal.is_working_day(date{}));
  // Outside 1900–2100 only weekends are off.
  EXPECT_TRUE(cal.is_working_day(day_of("2101-01-03")));  // a Monday, and 1/1 is not computed there
  EXPECT_TRUE(cal.holidays(1899).empty());
  EXPECT_TRUE(cal.holidays(2101).empty());
  EXPECT_EQ(cal.holidays(1900).front().name, "Tết Dương lịch");
  EXPECT_EQ(format_date(cal.holidays(2100).back().day), "2100-09-03");  // 2/9/2100 is a Thursday
}

// ---- The shipped overrides ----

TEST(WorkingCalendarShipped, Holidays2023) {
  EXPECT_EQ(listed(shipped(), 2023), (std::vector<std::string>{
                                         "2023-01-01 Tết Dương lịch",
                                         "2023-01-02 Nghỉ bù Tết Dương lịch",
                                         "2023-01-20 Tết Nguyên Đán",
                                         "2023-01-21 Tết Nguyên Đán",
                                         "2023-01-22 Tết Nguyên Đán",
                                         "2023-01-23 Tết Nguyên Đán",
                                         "2023-01-24 Tết Nguyên Đán",
                                         "2023-01-25 Tết Nguyên Đán",
                                         "2023-01-26 Tết Nguyên Đán",
                                         "2023-04-29 Giỗ Tổ Hùng Vương",
                                         "2023-04-30 Ngày Chiến thắng",
                                         "2023-05-01 Ngày Quốc tế Lao động",
                                         "2023-05-02 Nghỉ bù Giỗ Tổ Hùng Vương",
                                         "2023-05-03 Nghỉ bù Ngày Chiến thắng",
                                         "2023-09-01 Quốc khánh (ngày liền kề)",
                                         "2023-09-02 Quốc khánh",
                                         "2023-09-04 Nghỉ bù Quốc khánh",
                                     }));
  EXPECT_TRUE(shipped().is_working_day(day_of("2023-01-27")));  // back to work, unlike the rule
  EXPECT_EQ(source_of(shipped(), "2023-01-20"), "Công văn 8056/VPCP-KGVX ngày 01/12/2022");
  EXPECT_EQ(source_of(shipped(), "2023-05-02"), "rule");
}

TEST(WorkingCalendarShipped, Holidays2024) {
  EXPECT_EQ(listed(shipped(), 2024), (std::vector<std::string>{
                                         "2024-01-01 Tết Dương lịch",
                                         "2024-02-08 Tết Nguyên Đán",
                                         "2024-02-09 Tết Nguyên Đán",
                                         "2024-02-10 Tết Nguyên Đán",
                                         "2024-02-11 Tết Nguyên Đán",
                                         "2024-02-12 Tết Nguyên Đán",
                                         "2024-02-13 Tết Nguyên Đán",
                                         "2024-02-14 Tết Nguyên Đán",
                                         "2024-04-18 Giỗ Tổ Hùng Vương",
                                         "2024-04-29 Nghỉ hoán đổi dịp 30/4 – 1/5",
                                         "2024-04-30 Ngày Chiến thắng",
                                         "2024-05-01 Ngày Quốc tế Lao động",
                                         "2024-09-02 Quốc khánh",
                                         "2024-09-03 Quốc khánh (ngày liền kề)",
                                     }));
  EXPECT_TRUE(shipped().is_working_day(day_of("2024-02-15")));  // the rule alone would make it nghỉ bù
  EXPECT_TRUE(shipped().is_working_day(day_of("2024-05-04")));  // Saturday, làm bù for 29/4
  EXPECT_EQ(source_of(shipped(), "2024-04-29"), "Công văn 2450/VPCP-KGVX ngày 12/4/2024");
}

TEST(WorkingCalendarShipped, Holidays2025) {
  EXPECT_EQ(listed(shipped(), 2025), (std::vector<std::string>{
                                         "2025-01-01 Tết Dương lịch",
                                         "2025-01-27 Tết Nguyên Đán",
                                         "2025-01-28 Tết Nguyên Đán",
                                         "2025-01-29 Tết Nguyên Đán",
                                         "2025-01-30 Tết Nguyên Đán",
                                         "2025-01-31 Tết Nguyên Đán",
                                         "2025-04-07 Giỗ Tổ Hùng Vương",
                                         "2025-04-30 Ngày Chiến thắng",
                                         "2025-05-01 Ngày Quốc tế Lao động",
                                         "2025-05-02 Nghỉ hoán đổi dịp 30/4 – 1/5",
                                         "2025-09-01 Quốc khánh (ngày liền kề)",
                                         "2025-09-02 Quốc khánh",
                                     }));
  EXPECT_TRUE(shipped().is_working_day(day_of("2025-04-26")));  // Saturday, làm bù for 2/5
  EXPECT_TRUE(shipped().is_working_day(day_of("2025-02-03")));
}

TEST(WorkingCalendarShipped, YearsWithoutAFileFollowTheRules) {
  EXPECT_EQ(listed(shipped(), 2026), listed(working_calendar(), 2026));
}

// ---- Working-day arithmetic ----

TEST(WorkingDays, AcrossTet2025) {
  EXPECT_EQ(add(shipped(), "2025-01-24", 1), "2025-02-03");  // Friday before the break → Monday after
  EXPECT_EQ(add(shipped(), "2025-01-24", 2), "2025-02-04");
  EXPECT_EQ(add(shipped(), "2025-02-03", -1), "2025-01-24");
  EXPECT_EQ(add(shipped(), "2025-01-29", 0), "2025-02-03");  // mùng 1 → first working day
  // The rules alone: Tết 28/1–1/2, with 1/2 (Saturday) made up on Monday 3/2.
  EXPECT_EQ(add(working_calendar(), "2025-01-24", 1), "2025-01-27");
  EXPECT_EQ(add(working_calendar(), "2025-01-27", 1), "2025-02-04");
}

TEST(WorkingDays, AcrossTet2024And2023) {
  EXPECT_EQ(add(shipped(), "2024-02-07", 1), "2024-02-15");
  EXPECT_EQ(add(shipped(), "2024-02-07", 3), "2024-02-19");
  EXPECT_EQ(add(shipped(), "2023-01-19", 1), "2023-01-27");
  EXPECT_EQ(add(working_calendar(), "2023-01-20", 1), "2023-01-30");
}

TEST(WorkingDays, AcrossThirtiethOfAprilAndFirstOfMay) {
  EXPECT_EQ(add(shipped(), "2025-04-25", 1), "2025-04-26");  // the làm bù Saturday counts
  EXPECT_EQ(add(shipped(), "2025-04-29", 1), "2025-05-05");
  EXPECT_EQ(add(shipped(), "2025-05-05", -2), "2025-04-28");
  EXPECT_EQ(add(shipped(), "2024-04-26", 1), "2024-05-02");
  EXPECT_EQ(add(shipped(), "2024-05-03", 1), "2024-05-04");
  EXPECT_EQ(add(shipped(), "2023-04-28", 1), "2023-05-04");  // Giỗ Tổ, 30/4, 1/5 and two nghỉ bù
  EXPECT_EQ(add(shipped(), "2023-05-04", -1), "2023-04-28");
}

TEST(WorkingDays, CompensatoryDays) {
  const working_calendar cal;
  EXPECT_FALSE(cal.is_working_day(day_of("2023-01-02")));  // 1/1 was a Sunday
  EXPECT_FALSE(cal.is_working_day(day_of("2026-04-27")));  // Giỗ Tổ on Sunday 26/4
  EXPECT_EQ(add(cal, "2026-04-24", 1), "2026-04-28");
  EXPECT_EQ(add(cal, "2022-12-30", 1), "2023-01-03");
}

TEST(WorkingDays, StartDayIsNotCounted) {
  const working_calendar cal;
  EXPECT_EQ(add(cal, "2025-03-12", 1), "2025-03-13");   // Wednesday → Thursday
  EXPECT_EQ(add(cal, "2025-03-15", 1), "2025-03-17");   // Saturday → Monday
  EXPECT_EQ(add(cal, "2025-03-15", -1), "2025-03-14");  // Saturday → Friday
  EXPECT_EQ(add(cal, "2025-03-12", 5), "2025-03-19");
  EXPECT_EQ(add(cal, "2025-03-12", -5), "2025-03-05");
  EXPECT_EQ(add(cal, "2025-03-12", 0), "2025-03-12");
  EXPECT_EQ(add(cal, "2025-03-15", 0), "2025-03-17");
  EXPECT_EQ(format_date(cal.next_working_day(day_of("2025-03-15"))), "2025-03-17");
  EXPECT_EQ(format_date(cal.next_working_day(day_of("2025-03-17"))), "2025-03-17");
  EXPECT_EQ(format_date(shipped().next_working_day(day_of("2023-01-20"))), "2023-01-27");
}

// Counting one day at a time, with is_working_day, must agree with the year-skipping count.
TEST(WorkingDays, AgreesWithCountingDayByDay) {
  const working_calendar& cal = shipped();
  const auto slow = [&](date start, int n) {
    sys_days d{start};
    if (n == 0) {
      while (!cal.is_working_day(date{d})) d += days{1};
      return date{d};
    }
    const days step{n > 0 ? 1 : -1};
    for (int left = n > 0 ? n : -n; left > 0;) {
      d += step;
      if (cal.is_working_day(date{d})) --left;
    }
    return date{d};
  };
  for (sys_days d{day_of("2022-12-01")}; d <= sys_days{day_of("2026-01-31")}; d += days{3}) {
    for (int n : {-400, -23, -6, -1, 0, 1, 2, 7, 31, 260, 700}) {
      ASSERT_EQ(format_date(cal.add_working_days(date{d}, n)), format_date(slow(date{d}, n)))
          << format_date(date{d}) << " " << n;
    }
  }
  // Out of the computed years, and back into them.
  for (const char* start : {"1899-12-20", "1900-01-02", "2100-12-20", "2101-01-05"}) {
    for (int n : {-30, -3, 3, 30, 3000}) {
      ASSERT_EQ(format_date(cal.add_working_days(day_of(start), n)), format_date(slow(day_of(start), n)))
          << start << " " << n;
    }
  }
}

TEST(WorkingDays, LargeCountsAndInvalidDates) {
  const working_calendar cal;
  const date far = cal.add_working_days(day_of("2025-01-02"), 1'000'000);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(format_date(cal.add_working_days(far, -1'000'000)), "2025-01-02");
  EXPECT_FALSE(cal.add_working_days(day_of("2025-01-02"), 2'000'000'000).ok());  // past year 32767
  EXPECT_FALSE(cal.add_working_days(date{}, 1).ok());
  EXPECT_FALSE(cal.next_working_day(date{}).ok());
}

// ---- Override files ----

class OverrideFiles : public ::testing::Test {
 protected:
  void file(const std::string& name, const std::string& content) { write_file(dir_.file(name), content); }
  std::string load_error() {
    auto loaded = working_calendar::load(dir_.path());
    if (loaded) return "(loaded)";
    return loaded.err().message;
  }
  std::vector<std::string> all_errors() {
    auto loaded = working_calendar::load(dir_.path());
    if (loaded) return {};
    return loaded.err().details.at("errors").get<std::vector<std::string>>();
  }
  std::string name(const std::string& file_name) { return dir_.file(file_name); }
  temp_dir dir_;
};

TEST_F(OverrideFiles, MissingDirectoryMeansRulesOnly) {
  auto loaded = working_calendar::load(dir_.path() / "nothing-here");
  ASSERT_TRUE(loaded) << loaded.err().message;
  EXPECT_EQ(listed(*loaded, 2025), listed(working_calendar(), 2025));
}

TEST_F(OverrideFiles, AFileIsNotADirectory) {
  file("plain", "x");
  auto loaded = working_calendar::load(dir_.path() / "plain");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.err().code, errc::invalid);
  EXPECT_NE(loaded.err().message.find("not a directory"), std::string::npos);
}

TEST_F(OverrideFiles, ExtraDayOffAndLamBu) {
  file("README.md", "ignored");
  file("2027.json", R"({
    "year": 2027,
    "days_off": [{"date": "2027-04-30", "name": "Ngày Chiến thắng", "source": "Thông báo thử"},
                 {"from": "2027-05-03", "to": "2027-05-04", "name": "Nghỉ thêm", "source": "Thông báo thử"}],
    "working_days": [{"date": "2027-05-08", "name": "Làm bù", "source": "Thông báo thử", "note": "thứ Bảy"}]
  })");
  auto loaded = working_calendar::load(dir_.path());
  ASSERT_TRUE(loaded) << loaded.err().message;
  EXPECT_FALSE(loaded->is_working_day(day_of("2027-05-03")));
  EXPECT_FALSE(loaded->is_working_day(day_of("2027-05-04")));
  EXPECT_TRUE(loaded->is_working_day(day_of("2027-05-08")));
  EXPECT_EQ(source_of(*loaded, "2027-04-30"), "Thông báo thử");  // the decision names a rule day
  EXPECT_EQ(source_of(*loaded, "2027-05-01"), "rule");           // a Saturday, made up on Monday 3/5...
  EXPECT_EQ(source_of(*loaded, "2027-05-03"), "Thông báo thử");  // ...which the decision lists itself
  EXPECT_EQ(add(*loaded, "2027-04-29", 1), "2027-05-05");
}

TEST_F(OverrideFiles, ReplacingARuleDropsItsCompensatoryDays) {
  // 2/9/2029 is a Sunday: the rule takes 3/9 as the adjacent day and makes up 2/9 on 4/9.
  file("2029.json", R"json({"year": 2029, "replace_rules": ["quoc_khanh"],
    "days_off": [{"date": "2029-08-31", "name": "Quốc khánh (ngày liền kề)", "source": "Quyết định thử"},
                 {"date": "2029-09-03", "name": "Nghỉ bù Quốc khánh", "source": "Quyết định thử"}]})json");
  auto loaded = working_calendar::load(dir_.path());
  ASSERT_TRUE(loaded) << loaded.err().message;
  EXPECT_FALSE(loaded->is_working_day(day_of("2029-08-31")));
  EXPECT_FALSE(loaded->is_working_day(day_of("2029-09-03")));
  EXPECT_TRUE(loaded->is_working_day(day_of("2029-09-04")));
  EXPECT_EQ(source_of(*loaded, "2029-09-02"), "(not a holiday)");  // listed by the decision only
}

TEST_F(OverrideFiles, BadDateNamesFileAndPath) {
  file("2025.json", R"({"year": 2025, "days_off": [{"date": "2025-13-01", "name": "x", "source": "y"}]})");
  EXPECT_EQ(load_error(), name("2025.json") + ": days_off[0].date: \"2025-13-01\" is not a date (expected YYYY-MM-DD)");
}

TEST_F(OverrideFiles, DateOutsideTheFilesYear) {
  file("2025.json", R"({"year": 2025, "working_days": [{"date": "2024-12-28", "name": "x", "source": "y"}]})");
  EXPECT_EQ(load_error(), name("2025.json") +
                              ": working_days[0].date: \"2024-12-28\" is not in 2025 (each file covers its own year)");
}

TEST_F(OverrideFiles, YearMustMatchTheFileName) {
  file("2025.json", R"({"year": 2024})");
  EXPECT_EQ(load_error(), name("2025.json") + ": year: 2024 does not match the file name 2025.json");
  file("2025.json", R"({"days_off": []})");
  EXPECT_EQ(load_error(), name("2025.json") + ": year: missing (expected 2025)");
}

TEST_F(OverrideFiles, BadFileName) {
  file("tet.json", R"({"year": 2025})");
  EXPECT_EQ(load_error(), name("tet.json") + ": file name must be YYYY.json, the year it covers");
  std::filesystem::remove(name("tet.json"));
  file("2101.json", R"({"year": 2101})");
  EXPECT_EQ(load_error(), name("2101.json") + ": year outside 1900–2100");
}

TEST_F(OverrideFiles, NotJson) {
  file("2025.json", R"({"year": 2025,})");
  const std::string message = load_error();
  EXPECT_EQ(message.rfind(name("2025.json") + ": not valid JSON: line 1, column ", 0), 0u) << message;
}

TEST_F(OverrideFiles, UnknownRuleListsTheKnownOnes) {
  file("2025.json", R"({"year": 2025, "replace_rules": ["tets"]})");
  EXPECT_EQ(load_error(), name("2025.json") +
                              ": replace_rules[0]: unknown rule \"tets\" (expected one of tet_duong_lich, tet, gio_to, "
                              "chien_thang, quoc_te_lao_dong, quoc_khanh)");
}

TEST_F(OverrideFiles, MissingFieldsAndTypos) {
  file("2025.json", R"({"year": 2025, "day_off": [], "days_off": [{"dat": "2025-02-03", "name": "x"}]})");
  EXPECT_EQ(all_errors(), (std::vector<std::string>{
                              name("2025.json") + ": day_off: unknown field (expected year, days_off, working_days, "
                                                  "replace_rules, note)",
                              name("2025.json") + ": days_off[0].dat: unknown field (expected date, or from and to; "
                                                  "name, source, note)",
                              name("2025.json") + ": days_off[0]: missing \"source\"",
                              name("2025.json") + ": days_off[0]: missing \"date\" (or \"from\" and \"to\")",
                          }));
}

TEST_F(OverrideFiles, SameDayOffAndWorking) {
  file("2025.json", R"({"year": 2025,
    "days_off": [{"date": "2025-04-26", "name": "x", "source": "y"}],
    "working_days": [{"date": "2025-04-26", "name": "Làm bù", "source": "y"}]})");
  EXPECT_EQ(load_error(), name("2025.json") + ": working_days[0]: 2025-04-26 is already listed at days_off[0]");
}

TEST_F(OverrideFiles, RangeBackwards) {
  file("2025.json",
       R"({"year": 2025, "days_off": [{"from": "2025-02-03", "to": "2025-02-01", "name": "x", "source": "y"}]})");
  EXPECT_EQ(load_error(), name("2025.json") + ": days_off[0].to: \"2025-02-01\" is before \"from\" \"2025-02-03\"");
}

TEST_F(OverrideFiles, EveryErrorInEveryFileIsReported) {
  file("2024.json", R"({"year": 2024, "days_off": [{"date": "2024-02-30", "name": "x", "source": "y"}]})");
  file("2025.json", R"([1, 2])");
  const auto errors = all_errors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], name("2024.json") + ": days_off[0].date: \"2024-02-30\" is not a date (expected YYYY-MM-DD)");
  EXPECT_EQ(errors[1].rfind(name("2025.json") + ": must be a JSON object", 0), 0u) << errors[1];
  EXPECT_NE(load_error().find("(and 1 more)"), std::string::npos);
}

TEST(WorkingCalendarOverrides, CheckedWithoutFiles) {
  auto bad = working_calendar::with_overrides({year_overrides{2200, {}, {}, {}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.err().message, "2200: year outside 1900–2100");

  const holiday off{day_of("2030-01-02"), "Nghỉ thêm", "Quyết định thử"};
  auto good = working_calendar::with_overrides({year_overrides{2030, {off}, {}, {holiday_rule::tet_duong_lich}}});
  ASSERT_TRUE(good) << good.err().message;
  EXPECT_TRUE(good->is_working_day(day_of("2030-01-01")));
  EXPECT_FALSE(good->is_working_day(day_of("2030-01-02")));
  EXPECT_EQ(good->holidays(2030).front(), off);

  auto both = working_calendar::with_overrides({year_overrides{2030, {off}, {off}, {}}});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.err().message, "2030: 2030-01-02 is both a day off and a working day");
}

TEST(WorkingCalendarOverrides, RuleIds) {
  EXPECT_EQ(parse_holiday_rule("gio_to"), holiday_rule::gio_to);
  EXPECT_EQ(holiday_rule_name(holiday_rule::quoc_khanh), "quoc_khanh");
  EXPECT_FALSE(parse_holiday_rule("Tet"));
}

}  // namespace
}  // namespace dutyflow

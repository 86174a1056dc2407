#include "adapters/import/deadline.h"

#include <gtest/gtest.h>

#include <string>

namespace dutyflow::importer {
namespace {

const date plan_date{std::chrono::year{2023}, std::chrono::July, std::chrono::day{5}};

nlohmann::ordered_json due_of(std::string_view text) {
  auto d = find_deadline(text, plan_date);
  if (!d) return "none";
  if (d->kind == stated_deadline::type::recurring) return "recurring";
  return d->due("conference");
}

nlohmann::ordered_json at(const char* iso) {
  return {{"at", iso}};
}

TEST(Deadline, BeforeADayEndsWhenTheDayBegins) {
  EXPECT_EQ(due_of("Gửi báo cáo về Phòng Nội vụ trước ngày 18/7/2023."), at("2023-07-18T00:00:00+07:00"));
  EXPECT_EQ(due_of("gửi trước ngày 20 tháng 7 năm 2023"), at("2023-07-20T00:00:00+07:00"));
  auto d = find_deadline("Hoàn thành trước ngày 18/7/2023;", plan_date);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->phrase, "trước ngày 18/7/2023");
  EXPECT_NE(d->meaning.find("by the end of 17/7/2023"), std::string::npos) << d->meaning;
  EXPECT_TRUE(d->assumption.empty());
}

TEST(Deadline, AtTheLatestOnADayEndsAtMidnight) {
  EXPECT_EQ(due_of("chậm nhất ngày 20/7/2023"), at("2023-07-21T00:00:00+07:00"));
  EXPECT_EQ(due_of("Chậm nhất là ngày 31/7/2023"), at("2023-08-01T00:00:00+07:00"));
  EXPECT_EQ(due_of("hạn chót ngày 15/8/2023"), at("2023-08-16T00:00:00+07:00"));
  EXPECT_EQ(due_of("thực hiện từ ngày 10/7 đến ngày 20/7/2023"), at("2023-07-21T00:00:00+07:00"));
  EXPECT_EQ(due_of("báo cáo số liệu tính đến ngày 30/6/2023"), "none");
}

TEST(Deadline, AnHourOnADay) {
  EXPECT_EQ(due_of("trước 10 giờ ngày 15/7/2023"), at("2023-07-15T10:00:00+07:00"));
  EXPECT_EQ(due_of("trước 16 giờ 30 phút, ngày 15/7/2023"), at("2023-07-15T16:30:00+07:00"));
  EXPECT_EQ(due_of("chậm nhất 17h00 ngày 20/7/2023"), at("2023-07-20T17:00:00+07:00"));
}

TEST(Deadline, ADayWithoutAYearIsInThePlansYear) {
  EXPECT_EQ(due_of("trước ngày 25/7"), at("2023-07-25T00:00:00+07:00"));
  auto d = find_deadline("chậm nhất ngày 10/8", plan_date);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->due("conference"), at("2023-08-11T00:00:00+07:00"));
  EXPECT_NE(d->assumption.find("the plan's year"), std::string::npos);
}

TEST(Deadline, WorkingDaysCountFromTheAssignment) {
  EXPECT_EQ(due_of("Bố trí kinh phí tổ chức Hội nghị trong 05 ngày làm việc"),
            (nlohmann::ordered_json{{"after", "assigned"}, {"working_days", 5}}));
  EXPECT_EQ(due_of("trong vòng 07 ngày làm việc kể từ ngày nhận được Kế hoạch"),
            (nlohmann::ordered_json{{"after", "assigned"}, {"working_days", 7}}));
  EXPECT_EQ(due_of("trong năm (05) ngày làm việc kể từ ngày nhận được văn bản"),
            (nlohmann::ordered_json{{"after", "assigned"}, {"working_days", 5}}));
}

TEST(Deadline, CalendarDaysFromTheIssueDate) {
  // Issued 5/7/2023; 10 days -> by the end of 15/7/2023.
  EXPECT_EQ(due_of("trong thời hạn 10 ngày kể từ ngày ban hành Kế hoạch"), at("2023-07-16T00:00:00+07:00"));
  // "trong 02 ngày" alone is a duration, not a deadline.
  EXPECT_EQ(due_of("Tổ chức tập huấn trong 02 ngày tại Hội trường"), "none");
}

TEST(Deadline, RelativeToTheEvent) {
  EXPECT_EQ(due_of("xong trước Hội nghị 03 ngày"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "-3d"}}));
  EXPECT_EQ(due_of("gửi trước Hội nghị ít nhất 02 ngày làm việc"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "-2wd"}}));
  EXPECT_EQ(due_of("hoàn thành trước 05 ngày tổ chức Hội thi"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "-5d"}}));
  EXPECT_EQ(due_of("báo cáo UBND huyện trong 10 ngày làm việc sau khi kết thúc đợt kiểm tra"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "+10wd"}}));
  EXPECT_EQ(due_of("báo cáo UBND huyện sau Lễ ra quân 30 ngày"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "+30d"}}));
  EXPECT_EQ(due_of("báo cáo kết quả sau khi kết thúc Hội nghị 02 ngày"),
            (nlohmann::ordered_json{{"milestone", "conference"}, {"offset", "+2d"}}));
}

TEST(Deadline, RecurringIsRecognisedAndNotGuessed) {
  EXPECT_EQ(due_of("Báo cáo kết quả hằng tháng trước ngày 15"), "recurring");
  EXPECT_EQ(due_of("định kỳ hàng quý gửi báo cáo trước ngày 20 tháng cuối quý"), "recurring");
  auto d = find_deadline("báo cáo hằng tháng trước ngày 15", plan_date);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->phrase, "hằng tháng trước ngày 15");
  EXPECT_TRUE(d->due("conference").is_null());
}

TEST(Deadline, MonthWindows) {
  EXPECT_EQ(due_of("hoàn thành trong tháng 8/2023"), at("2023-09-01T00:00:00+07:00"));
  EXPECT_EQ(due_of("triển khai trong Tháng 9"), at("2023-10-01T00:00:00+07:00"));
  EXPECT_EQ(due_of("trước tháng 10 năm 2023"), at("2023-10-01T00:00:00+07:00"));
}

TEST(Deadline, NoDeadlineInOrdinaryWording) {
  EXPECT_EQ(due_of("Cử phóng viên dự và đưa tin tại Hội nghị."), "none");
  EXPECT_EQ(due_of("Đánh giá kết quả 06 tháng đầu năm 2023"), "none");
  EXPECT_EQ(due_of("Thực hiện Kế hoạch số 45/KH-HĐPH ngày 10/01/2023 của Hội đồng"), "none");
  EXPECT_EQ(due_of("trước ngày 31/2/2023"), "none");  // no such day
  EXPECT_EQ(due_of(""), "none");
}

// Hostile input: long runs of digits, cue words and separators are scanned in one pass.
TEST(ImportRegressions, DeadlineScanOfAVeryLongLineDoesNotOverflowOrStall) {
  std::string line;
  for (int i = 0; i < 20000; ++i) line += "trước ngày 1/ trong 9 ngày ";
  EXPECT_EQ(due_of(line), "none");
  std::string digits(200000, '7');
  EXPECT_EQ(due_of("trước ngày " + digits), "none");
}

TEST(FindDay, FindsTheFirstDayWithItsRange) {
  auto m = find_day("du kien ngay 17/11/2023 (thu sau)", 2023);
  ASSERT_TRUE(m);
  EXPECT_EQ(format_date(m->day), "2023-11-17");
  EXPECT_TRUE(m->year_given);
  EXPECT_FALSE(find_day("06 thang dau nam", 2023));
  auto c = find_clock("07 gio 30 phut, ngay 17/11/2023");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->hour, 7);
  EXPECT_EQ(c->minute, 30);
  auto mo = find_month("trong thang 6 (thoi gian cu the)");
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->month, 6u);
  EXPECT_FALSE(mo->year);
}

}  // namespace
}  // namespace dutyflow::importer

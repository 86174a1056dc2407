// adapters/http/csv.cpp and the plan report of report.cpp.
#include "adapters/http/csv.h"
#include "adapters/http/report.h"

#include <gtest/gtest.h>

using namespace dutyflow::http;
using nlohmann::json;

TEST(Csv, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("Phòng Nội vụ"), "Phòng Nội vụ");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("Báo cáo, tài liệu"), "\"Báo cáo, tài liệu\"");
  EXPECT_EQ(csv_field("Giấy mời \"cụ thể\""), "\"Giấy mời \"\"cụ thể\"\"\"");
  EXPECT_EQ(csv_field("dòng 1\ndòng 2"), "\"dòng 1\ndòng 2\"");
  EXPECT_EQ(csv_field("a\rb"), "\"a\rb\"");
  EXPECT_EQ(csv_field(" lề"), "\" lề\"");
}

// Issue 16, finding 7: titles and names starting with = + - @ went into report.csv as they
// were, and a spreadsheet ran them as formulas.
TEST(Csv, HostileInputFormulaCellsAreNeutralised) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://evil.example\",\"Mở\")"), "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Mở\"\")\"");
  EXPECT_EQ(csv_field("=1+2"), "'=1+2");
  EXPECT_EQ(csv_field("+84 912 345 678"), "'+84 912 345 678");
  EXPECT_EQ(csv_field("-2+3"), "'-2+3");
  EXPECT_EQ(csv_field("@SUM(A1:A9)"), "'@SUM(A1:A9)");
  EXPECT_EQ(csv_field("\t=1"), "'\t=1");
  EXPECT_EQ(csv_field("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(csv_field("Báo cáo = kết quả"), "Báo cáo = kết quả") << "only the first character counts";
  EXPECT_EQ(csv_field("2023-06-17T00:00:00+07:00"), "2023-06-17T00:00:00+07:00");
  json plan{{"units", {{{"id", "xa-ma-li-pho"}, {"name", "@Xã Ma Li Pho"}}}}};
  json duty{{"owner", "xa-ma-li-pho"}, {"id", "tham-luan"}, {"title", "=cmd|' /C calc'!A0"}};
  const auto text = csv_plan_report(plan, {duty});
  EXPECT_NE(text.find("\r\n'@Xã Ma Li Pho,xa-ma-li-pho,'=cmd|' /C calc'!A0,tham-luan,"), std::string::npos) << text;
}

TEST(Csv, RowsEndWithCrlf) {
  EXPECT_EQ(csv_row({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(Csv, ReportHasBomHeaderAndOneRowPerDuty) {
  json plan{{"timezone", "Asia/Ho_Chi_Minh"}, {"units", {{{"id", "xa-ma-li-pho"}, {"name", "Xã Ma Li Pho"}}}}};
  json duty{{"owner", "xa-ma-li-pho"},
            {"id", "tham-luan"},
            {"title", "Tham luận \"giải pháp\", cải cách"},
            {"kind_label", "Tham luận"},
            {"state", {{"progress_label", "Đã nhận"}, {"timeliness_label", "Trong hạn"}}},
            {"status_label", "Chưa hoàn thành trong hạn"},
            {"deadline", "2023-06-17T00:00:00+07:00"}};
  json unknown_unit = duty;
  unknown_unit["owner"] = "xa-khac";
  unknown_unit["deadline"] = nullptr;
  const auto text = csv_plan_report(plan, {duty, unknown_unit});
  ASSERT_TRUE(text.starts_with("\xEF\xBB\xBF"));
  const auto body = text.substr(3);
  EXPECT_EQ(body,
            "Đơn vị,Mã đơn vị,Nhiệm vụ,Mã nhiệm vụ,Loại,Tiến độ,Theo dõi hạn,Tình trạng (QĐ 42/2014),Ngày hạn,Hạn "
            "hoàn thành,Hạn (ISO 8601),Đơn vị giao nộp lúc,Chờ cơ quan chủ trì,Hoàn thành lúc\r\n"
            "Xã Ma Li Pho,xa-ma-li-pho,\"Tham luận \"\"giải pháp\"\", cải cách\",tham-luan,Tham luận,Đã nhận,Trong "
            "hạn,Chưa hoàn thành trong hạn,2023-06-16,Hết ngày 16/6/2023,2023-06-17T00:00:00+07:00,,,\r\n"
            "xa-khac,xa-khac,\"Tham luận \"\"giải pháp\"\", cải cách\",tham-luan,Tham luận,Đã nhận,Trong hạn,Chưa "
            "hoàn thành trong hạn,,,,,,\r\n");
}

TEST(Csv, TheDayColumnIsTheDayTheDeadlineFallsOn) {
  json plan{{"timezone", "Asia/Ho_Chi_Minh"}};
  auto row_of = [&](json duty) {
    const auto text = csv_plan_report(plan, {duty});
    const auto second = text.find("\r\n") + 2;
    return text.substr(second, text.size() - second - 2);
  };
  // A day deadline (the next local midnight) is that day; a timed one is the day of its time.
  EXPECT_NE(row_of({{"id", "a"}, {"deadline", "2023-06-17T00:00:00+07:00"}})
                .find(",2023-06-16,Hết ngày 16/6/2023,2023-06-17T00:00:00+07:00,"),
            std::string::npos);
  EXPECT_NE(row_of({{"id", "b"}, {"deadline", "2023-06-15T10:00:00Z"}})
                .find(",2023-06-15,17:00 ngày 15/6/2023,2023-06-15T10:00:00Z,"),
            std::string::npos);
  // What the API says wins: the day and the words are the ones the dashboard shows.
  EXPECT_NE(row_of({{"id", "c"},
                    {"deadline", "2023-06-17T00:00:00+07:00"},
                    {"deadline_date", "2023-06-16"},
                    {"deadline_text", "hết ngày 16/6/2023"}})
                .find(",2023-06-16,Hết ngày 16/6/2023,"),
            std::string::npos);
}

TEST(Csv, ADeliveredDutyShowsWhenTheUnitDeliveredAndWhatTheCoordinatorOwes) {
  json duty{{"id", "tham-luan"},
            {"state", {{"progress_label", "Đã nộp"}, {"timeliness_label", "Quá hạn"}}},
            {"status_label", "Hoàn thành đúng hạn"},
            {"deadline", "2023-06-17T00:00:00+07:00"},
            {"unit_part_open", false},
            {"delivery", {{"event", "submit"}, {"delivered_at", "2023-06-06T09:00:00+07:00"}, {"late", false}}},
            {"follow_up", {{"label", "Chờ cơ quan chủ trì: Phê duyệt"}}}};
  const auto text = csv_plan_report(json::object(), {duty});
  EXPECT_NE(text.find(",Đã nộp,,Hoàn thành đúng hạn,2023-06-16,Hết ngày 16/6/2023,2023-06-17T00:00:00+07:00,"
                      "2023-06-06T09:00:00+07:00,Chờ cơ quan chủ trì: Phê duyệt,\r\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Quá hạn"), std::string::npos) << "the unit delivered: no timeliness badge of the unit's";
}

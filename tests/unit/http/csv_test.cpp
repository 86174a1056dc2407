// adapters/http/csv.cpp and the plan report of views.cpp.
#include "adapters/http/csv.h"
#include "adapters/http/views.h"

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

TEST(Csv, RowsEndWithCrlf) {
  EXPECT_EQ(csv_row({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(Csv, ReportHasBomHeaderAndOneRowPerDuty) {
  json plan{{"units", {{{"id", "xa-ma-li-pho"}, {"name", "Xã Ma Li Pho"}}}}};
  json duty{{"owner", "xa-ma-li-pho"},
            {"id", "tham-luan"},
            {"title", "Tham luận \"giải pháp\", cải cách"},
            {"kind_label", "Tham luận"},
            {"state", {{"progress_label", "Đã nhận"}, {"timeliness_label", "Trong hạn"}}},
            {"status_label", "Chưa hoàn thành trong hạn"},
            {"deadline", "2023-06-16T00:00:00+07:00"}};
  json unknown_unit = duty;
  unknown_unit["owner"] = "xa-khac";
  unknown_unit["deadline"] = nullptr;
  const auto text = plan_report(plan, {duty, unknown_unit});
  ASSERT_TRUE(text.starts_with("\xEF\xBB\xBF"));
  const auto body = text.substr(3);
  EXPECT_EQ(body,
            "Đơn vị,Mã đơn vị,Nhiệm vụ,Mã nhiệm vụ,Loại,Tiến độ,Theo dõi hạn,Tình trạng (QĐ 42/2014),Hạn hoàn "
            "thành,Hoàn thành lúc\r\n"
            "Xã Ma Li Pho,xa-ma-li-pho,\"Tham luận \"\"giải pháp\"\", cải cách\",tham-luan,Tham luận,Đã nhận,Trong "
            "hạn,Chưa hoàn thành trong hạn,2023-06-16 00:00,\r\n"
            "xa-khac,xa-khac,\"Tham luận \"\"giải pháp\"\", cải cách\",tham-luan,Tham luận,Đã nhận,Trong hạn,Chưa "
            "hoàn thành trong hạn,,\r\n");
}

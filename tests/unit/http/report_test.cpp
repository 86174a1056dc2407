// adapters/http/report.cpp: a plan's CSV report, through the router (CSV quoting: csv_test.cpp).
#include "tests/unit/http/views_fixture.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

TEST_F(Views, ReportIsCsvOfThePlan) {
  auto r = view(get("/api/v1/plans/182-kh-ubnd-2023/report.csv"), viewer());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(r.body.starts_with("\xEF\xBB\xBF\xC4\x90\xC6\xA1n v\xE1\xBB\x8B,"));  // BOM, "Đơn vị,"
  EXPECT_NE(header(r, "Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(view(get("/api/v1/plans/khong-co/report.csv"), viewer()).status, 404);
}

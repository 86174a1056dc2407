// adapters/http/dashboard.cpp: the assets and the dashboard's helpers, through the router.
#include "tests/unit/http/views_fixture.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

TEST_F(Views, TheDashboardIsServedWithoutAToken) {
  auto index = public_route(get("/", false));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<html lang=\"vi\">"), std::string::npos);
  EXPECT_NE(index->body.find("Đăng nhập"), std::string::npos);
  EXPECT_NE(header(*index, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  auto js = public_route(get("/assets/app.js", false));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("/api/v1/stream"), std::string::npos);
  EXPECT_EQ(public_route(get("/assets/style.css"))->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(public_route(get("/assets/nothing.js"))->status, 404);
  auto post = get("/");
  post.method = "POST";
  EXPECT_EQ(public_route(post)->status, 405);
  EXPECT_FALSE(public_route(get("/api/v1/plans"))) << "the API is not public";
}

TEST_F(Views, MeKindsAndNowHelpTheDashboard) {
  auto me = json::parse(view(get("/api/v1/me"), unit("xa-ma-li-pho")).body);
  EXPECT_EQ(me, (json{{"name", "ubnd-xa-ma-li-pho"}, {"role", "unit"}, {"unit", "xa-ma-li-pho"}}));
  auto kinds = json::parse(view(get("/api/v1/kinds"), viewer()).body)["kinds"];
  ASSERT_EQ(kinds.size(), 7u);
  bool found = false;
  for (const auto& k : kinds)
    for (const auto& e : k["events"])
      if (e["name"] == "acknowledge") found = e["label"] == "Xác nhận đã nhận" && e["needs"] == "none";
  EXPECT_TRUE(found);
  auto now = json::parse(view(get("/api/v1/now"), viewer()).body);
  EXPECT_EQ(now, (json{{"now", "2023-06-06T08:00:00+07:00"}, {"clock", "manual"}}));
}

// The view handlers (dashboard.cpp, metrics.cpp, calendar_feed.cpp, report.cpp,
// stream.cpp) through the router and its route table, without a socket.
#include "tests/unit/http/views_env.h"

#include <gtest/gtest.h>

#include "adapters/http/router.h"
#include "adapters/security/codec.h"

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

namespace {

request get(const std::string& target, bool loopback = true, const std::string& token = "") {
  request r;
  r.method = "GET";
  r.target = target;
  EXPECT_TRUE(parse_target(target, r.path, r.query));
  r.from_loopback = loopback;
  if (!token.empty()) r.authorization = "Bearer " + token;
  return r;
}

std::string header(const response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// A token store with one token per role (two units); the token text of each actor is its
// name backwards, so view() can present the token of the actor it is given.
std::string token_of(const std::string& name) { return {name.rbegin(), name.rend()}; }
token_store tokens() {
  return token_store({{"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex("coord")},
                      {"lanh-dao", role::viewer, "", security::sha256_hex("view")},
                      {"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex(token_of("phong-noi-vu"))},
                      {"lanh-dao", role::viewer, "", security::sha256_hex(token_of("lanh-dao"))},
                      {"ubnd-xa-ma-li-pho", role::unit, "xa-ma-li-pho", security::sha256_hex(token_of("ubnd-xa-ma-li-pho"))},
                      {"ubnd-xa-sin-suoi-ho", role::unit, "xa-sin-suoi-ho",
                       security::sha256_hex(token_of("ubnd-xa-sin-suoi-ho"))}});
}

}  // namespace

class Views : public ::testing::Test {
 protected:
  views_env env;
  router routes{*env.ctx, std::make_shared<const token_store>(tokens())};

  // Through the router as it comes; nullopt when the router asks for a bearer token (its
  // own 401): the route is not one that answers without a token.
  std::optional<response> public_route(const request& req) {
    auto r = env.call([&](respond_fn respond) { routes.handle(req, respond); });
    if (r.status == 401 && r.body.find("a bearer token is required") != std::string::npos) return std::nullopt;
    return r;
  }
  // Through the router with the token of `caller`.
  response view(request req, const actor& caller) {
    req.authorization = "Bearer " + token_of(caller.name);
    return env.call([&](respond_fn respond) { routes.handle(req, respond); });
  }
};

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

// Issue 16, finding 9: /metrics trusted every loopback peer, and behind a reverse proxy on
// the same machine every client is one. Now it takes a coordinator token unless the config
// sets metrics.allow_loopback.
TEST_F(Views, HostileInputMetricsFromLoopbackNeedACoordinatorTokenUnlessAllowed) {
  EXPECT_FALSE(env.ctx->metrics_allow_loopback) << "the default";
  EXPECT_EQ(public_route(get("/metrics", true))->status, 401);
  EXPECT_EQ(public_route(get("/metrics", true, "view"))->status, 403);
  EXPECT_EQ(public_route(get("/metrics", true, "coord"))->status, 200);
  env.ctx->metrics_allow_loopback = true;
  EXPECT_EQ(public_route(get("/metrics", true))->status, 200);
  EXPECT_EQ(public_route(get("/metrics", false))->status, 401) << "only loopback peers";
}

TEST_F(Views, MetricsNeedACoordinatorOrAnAllowedLoopback) {
  env.ctx->metrics_allow_loopback = true;
  auto local = public_route(get("/metrics", true));
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
  EXPECT_EQ(local->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(local->body.find("dutyflow_duties{plan=\"182-kh-ubnd-2023\",progress=\"Assigned\"}"), std::string::npos);
  EXPECT_NE(local->body.find("dutyflow_events_total "), std::string::npos);
  EXPECT_EQ(public_route(get("/metrics", false))->status, 401);
  EXPECT_EQ(public_route(get("/metrics", false, "nope"))->status, 401);
  EXPECT_EQ(public_route(get("/metrics", false, "view"))->status, 403);
  EXPECT_EQ(public_route(get("/metrics", false, "coord"))->status, 200);
}

TEST_F(Views, ACalendarLinkIsSignedForItsUnitAndWorksWithoutAToken) {
  auto none = view(get("/api/v1/units/xa-ma-li-pho/calendar-link"), viewer());
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(view(get("/api/v1/units/xa-ma-li-pho/calendar-link"), unit("xa-sin-suoi-ho")).status, 403);
  EXPECT_EQ(view(get("/api/v1/units/xa-khong-co/calendar-link"), coordinator()).status, 404);
  auto own = view(get("/api/v1/units/xa-ma-li-pho/calendar-link"), unit("xa-ma-li-pho"));
  ASSERT_EQ(own.status, 200) << own.body;
  const auto url = json::parse(own.body)["url"].get<std::string>();
  ASSERT_TRUE(url.starts_with("/api/v1/units/xa-ma-li-pho/calendar.ics?exp="));

  auto feed = public_route(get(url, false));
  ASSERT_TRUE(feed);
  EXPECT_EQ(feed->status, 200);
  EXPECT_EQ(feed->content_type, "text/calendar; charset=utf-8");
  EXPECT_TRUE(feed->body.starts_with("BEGIN:VCALENDAR\r\n"));

  auto tampered = url;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(public_route(get(tampered, false))->status, 403);
  auto other_unit = url;
  other_unit.replace(other_unit.find("xa-ma-li-pho"), 12, "xa-sin-suoi-");
  EXPECT_EQ(public_route(get(other_unit, false))->status, 403);
  EXPECT_FALSE(public_route(get("/api/v1/units/xa-ma-li-pho/calendar.ics")))
      << "no signature: the router asks for a token";

  // The link expires with the daemon's clock.
  ASSERT_TRUE(env.clock.advance(std::chrono::hours(24 * 366)));
  EXPECT_EQ(public_route(get(url, false))->status, 403);
}

TEST_F(Views, ACalendarHasTheUnitsDutiesAndUnknownUnitsAreNotFound) {
  auto r = view(get("/api/v1/units/xa-ma-li-pho/calendar.ics"), viewer());
  ASSERT_EQ(r.status, 200);
  std::size_t todos = 0;
  for (auto p = r.body.find("BEGIN:VTODO"); p != std::string::npos; p = r.body.find("BEGIN:VTODO", p + 1)) ++todos;
  EXPECT_EQ(todos, 2u) << "the fan-out of cu-dai-bieu-tham-du and its tham luận";
  EXPECT_EQ(view(get("/api/v1/units/xa-khong-co/calendar.ics"), viewer()).status, 404);
}

TEST_F(Views, ReportIsCsvOfThePlan) {
  auto r = view(get("/api/v1/plans/182-kh-ubnd-2023/report.csv"), viewer());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(r.body.starts_with("\xEF\xBB\xBF\xC4\x90\xC6\xA1n v\xE1\xBB\x8B,"));  // BOM, "Đơn vị,"
  EXPECT_NE(header(r, "Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(view(get("/api/v1/plans/khong-co/report.csv"), viewer()).status, 404);
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

TEST_F(Views, StreamRefusesABadLastEventId) {
  auto req = get("/api/v1/stream");
  req.last_event_id = "abc";
  EXPECT_EQ(view(req, viewer()).status, 400);
  auto ok = view(get("/api/v1/stream"), viewer());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "text/event-stream; charset=utf-8");
  EXPECT_TRUE(static_cast<bool>(ok.stream));
}

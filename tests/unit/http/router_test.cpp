// adapters/http/router.cpp: authentication by a route's access, 404 and 405 with Allow,
// the order of those checks, the failed-token limiter, and the upload pre-check, through
// router::handle on the handlers' services (no socket).
#include "adapters/http/router.h"
#include "adapters/http/routes.h"
#include "adapters/security/codec.h"
#include "tests/unit/http/views_env.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

namespace {

std::string header(const response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

std::string error_code(const response& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

std::string sample_path(std::string_view pattern) {
  std::string out;
  for (const auto& s : path_segments(pattern)) out += "/" + (s.starts_with('{') ? std::string("x") : s);
  return out.empty() ? "/" : out;
}

}  // namespace

class Router : public ::testing::Test {
 protected:
  views_env env;
  router r{*env.ctx,
           std::make_shared<const token_store>(
               token_store({{"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex("coord")},
                            {"lanh-dao", role::viewer, "", security::sha256_hex("view")}})),
           auth_limit_options{3, std::chrono::minutes(1), 100}};

  response call(const std::string& method, const std::string& target, const std::string& token = "",
                const std::string& remote = "192.0.2.1") {
    request req;
    req.method = method;
    req.target = target;
    EXPECT_TRUE(parse_target(target, req.path, req.query));
    if (!token.empty()) req.authorization = "Bearer " + token;
    req.remote = remote;
    return env.call([&](respond_fn respond) { r.handle(req, respond); });
  }
};

// Every path answers a method it lacks with 405 and the methods it has, from the table.
TEST_F(Router, EveryRouteAnswersAnotherMethodWith405AndItsAllowSet) {
  for (const auto& rt : route_table()) {
    const auto path = sample_path(rt.pattern);
    const auto m = match_routes(path_segments(path));
    for (const char* method : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}) {
      bool answered = false;
      for (const auto* other : m.routes) answered = answered || answers(other->method, method);
      if (answered) continue;
      const auto out = call(method, path, "coord");
      EXPECT_EQ(out.status, 405) << method << " " << path;
      EXPECT_EQ(error_code(out), "method_not_allowed") << method << " " << path;
      EXPECT_EQ(header(out, "Allow"), allow_header(m)) << method << " " << path;
    }
  }
}

TEST_F(Router, UnknownPathsAre404OutsideTheApiAndAskForATokenInsideIt) {
  auto outside = call("GET", "/nothing-here");
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(error_code(outside), "not_found");
  EXPECT_EQ(call("GET", "/api/v2/plans").status, 404);
  auto inside = call("GET", "/api/v1/nothing-here");
  EXPECT_EQ(inside.status, 401) << "the token comes before the path under /api";
  EXPECT_EQ(header(inside, "WWW-Authenticate"), "Bearer realm=\"dutyflow\"");
  EXPECT_EQ(call("GET", "/api/v1/nothing-here", "view").status, 404);
  EXPECT_EQ(call("GET", "/api/v1", "view").status, 404);
}

TEST_F(Router, UnderTheApiATokenComesBeforeTheMethod) {
  EXPECT_EQ(call("DELETE", "/api/v1/plans").status, 401);
  EXPECT_EQ(call("DELETE", "/api/v1/plans", "nope").status, 401);
  auto known = call("DELETE", "/api/v1/plans", "view");
  EXPECT_EQ(known.status, 405);
  EXPECT_EQ(header(known, "Allow"), "GET, POST");
  auto unknown = call("GET", "/api/v1/plans", "nope");
  EXPECT_EQ(json::parse(unknown.body)["error"]["message"], "unknown token");
  EXPECT_EQ(json::parse(call("GET", "/api/v1/plans").body)["error"]["message"], "a bearer token is required");
}

TEST_F(Router, HealthzAndOneClickLinksNeedNoBearerToken) {
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("HEAD", "/healthz", "nope").status, 200);
  auto bad_link = call("GET", "/a/not-a-token");
  EXPECT_EQ(bad_link.status, 403);
  EXPECT_EQ(bad_link.content_type, "text/html; charset=utf-8");
}

// Three failed checks within the minute (this fixture's limit): the client is refused
// before its token is looked at, on every route that looks at one.
TEST_F(Router, AClientThatFailedTooManyTokenChecksGets429WhereATokenIsChecked) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/api/v1/plans", "wrong").status, 401);
  auto refused = call("GET", "/api/v1/plans", "coord");
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(header(refused, "Retry-After").empty());
  EXPECT_EQ(call("GET", "/", "coord").status, 429) << "the dashboard checks a presented token too";
  EXPECT_EQ(call("GET", "/healthz", "coord").status, 200) << "no token is looked at";
  EXPECT_EQ(call("GET", "/", "").status, 200) << "no token presented: nothing to refuse";
  EXPECT_EQ(call("GET", "/api/v1/plans", "coord", "192.0.2.2").status, 200) << "another client";
  EXPECT_EQ(r.auth_stats().failures, 3u);
}

TEST_F(Router, ASignedCalendarLinkStandsInForATokenAfterTheMethodIsChecked) {
  const std::string path = "/api/v1/units/xa-ma-li-pho/calendar.ics";
  const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                       (env.clock.now() + std::chrono::hours(1)).time_since_epoch())
                       .count();
  const auto target = path + "?" + env.links.query(path, exp);
  EXPECT_EQ(call("GET", target).status, 200);
  EXPECT_EQ(call("HEAD", target).status, 200);
  auto post = call("POST", target);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET");
  EXPECT_EQ(call("GET", path + "?sig=abc").status, 403) << "no expiry";
  EXPECT_EQ(call("GET", path + "?exp=1&sig=abc").status, 403);
  EXPECT_EQ(call("GET", path).status, 401) << "no signature: a token is needed";
  EXPECT_EQ(call("GET", target, "nope").status, 401) << "a presented token is judged as a token";
}

TEST_F(Router, AnUploadIsRefusedBeforeItsBodyUnlessACoordinatorSendsIt) {
  auto none = r.refuse_upload("", "192.0.2.1");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto viewer = r.refuse_upload("Bearer view", "192.0.2.1");
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->status, 403);
  EXPECT_FALSE(r.refuse_upload("Bearer coord", "192.0.2.1"));
}

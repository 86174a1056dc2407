// adapters/http/routes.cpp: the route table as data (its patterns, methods, access) and
// path matching; the router's use of it is router_test.cpp's.
#include "adapters/http/routes.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace dutyflow::http;

namespace {

// A concrete path for a pattern: each "{name}" becomes "x".
std::string sample_path(std::string_view pattern) {
  std::string out;
  for (const auto& s : path_segments(pattern)) out += "/" + (s.starts_with('{') ? std::string("x") : s);
  return out.empty() ? "/" : out;
}

// The kind of check the router makes before it looks at the method (router.cpp): every
// method of one path must need the same.
int stage(route_access a) {
  switch (a) {
    case route_access::open:
    case route_access::action_link:
      return 0;
    case route_access::anyone:
    case route_access::metrics:
      return 1;
    case route_access::token_or_signed_link:
      return 2;
    case route_access::token:
    case route_access::coordinator:
      return 3;
  }
  return -1;
}

}  // namespace

// The API as the README documents it: every path with the methods it answers (its Allow
// header) and who may call each.
TEST(Routes, TheTableIsTheDocumentedApi) {
  const std::map<std::string, std::string> allow{
      {"/healthz", "GET"},
      {"/a/{token}", "GET, POST"},
      {"/", "GET"},
      {"/index.html", "GET"},
      {"/assets/{name}", "GET"},
      {"/metrics", "GET"},
      {"/api/v1/plans", "GET, POST"},
      {"/api/v1/plans/{plan}", "GET"},
      {"/api/v1/plans/{plan}/milestones/{milestone}", "PUT"},
      {"/api/v1/plans/{plan}/duties/{duty}", "GET"},
      {"/api/v1/plans/{plan}/duties/{duty}/events", "POST"},
      {"/api/v1/plans/{plan}/report.csv", "GET"},
      {"/api/v1/imports", "POST"},
      {"/api/v1/duties", "GET"},
      {"/api/v1/notifications", "GET"},
      {"/api/v1/stream", "GET"},
      {"/api/v1/kinds", "GET"},
      {"/api/v1/now", "GET"},
      {"/api/v1/me", "GET"},
      {"/api/v1/units/{unit}/calendar.ics", "GET"},
      {"/api/v1/units/{unit}/calendar-link", "GET"},
      {"/api/v1/admin/clock", "POST"},
  };
  std::set<std::string> patterns;
  for (const auto& r : route_table()) patterns.insert(std::string(r.pattern));
  EXPECT_EQ(patterns.size(), allow.size());
  for (const auto& [pattern, methods] : allow) {
    const auto m = match_routes(path_segments(sample_path(pattern)));
    ASSERT_FALSE(m.routes.empty()) << pattern;
    EXPECT_EQ(m.routes.front()->pattern, pattern);
    EXPECT_EQ(allow_header(m), methods) << pattern;
  }
}

TEST(Routes, WhoMayCallEachRoute) {
  std::map<std::string, std::string> who;
  for (const auto& r : route_table())
    who[std::string(verb_name(r.method)) + " " + std::string(r.pattern)] = std::string(access_name(r.who));
  EXPECT_EQ(who["GET /healthz"], "open");
  EXPECT_EQ(who["GET /a/{token}"], "action_link");
  EXPECT_EQ(who["POST /a/{token}"], "action_link");
  EXPECT_EQ(who["GET /"], "anyone");
  EXPECT_EQ(who["GET /assets/{name}"], "anyone");
  EXPECT_EQ(who["GET /metrics"], "metrics");
  EXPECT_EQ(who["GET /api/v1/units/{unit}/calendar.ics"], "token_or_signed_link");
  EXPECT_EQ(who["GET /api/v1/plans"], "token");
  EXPECT_EQ(who["POST /api/v1/plans"], "coordinator");
  EXPECT_EQ(who["PUT /api/v1/plans/{plan}/milestones/{milestone}"], "coordinator");
  EXPECT_EQ(who["POST /api/v1/imports"], "coordinator");
  EXPECT_EQ(who["GET /api/v1/notifications"], "coordinator");
  EXPECT_EQ(who["POST /api/v1/admin/clock"], "coordinator");
  EXPECT_EQ(who["POST /api/v1/plans/{plan}/duties/{duty}/events"], "token");
  EXPECT_EQ(who["GET /api/v1/stream"], "token");
}

TEST(Routes, EveryRouteHasAHandlerAndOneEntryPerMethodAndPattern) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : route_table()) {
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    EXPECT_TRUE(r.pattern.starts_with('/')) << r.pattern;
    EXPECT_TRUE(seen.emplace(std::string(verb_name(r.method)), std::string(r.pattern)).second)
        << verb_name(r.method) << " " << r.pattern << " twice";
  }
}

// The router judges access before the method only by the first route of a path.
TEST(Routes, EveryMethodOfAPathNeedsTheSameKindOfCheck) {
  for (const auto& r : route_table()) {
    const auto m = match_routes(path_segments(sample_path(r.pattern)));
    for (const auto* other : m.routes) EXPECT_EQ(stage(other->who), stage(r.who)) << r.pattern;
  }
}

// A path matches one pattern at most: two patterns of one length differ in a literal.
TEST(Routes, NoTwoPatternsMatchOnePath) {
  const auto table = route_table();
  for (const auto& a : table)
    for (const auto& b : table) {
      if (a.pattern == b.pattern) continue;
      const auto sa = path_segments(a.pattern), sb = path_segments(b.pattern);
      if (sa.size() != sb.size()) continue;
      bool differ = false;
      for (std::size_t i = 0; i < sa.size(); ++i)
        differ = differ || (!sa[i].starts_with('{') && !sb[i].starts_with('{') && sa[i] != sb[i]);
      EXPECT_TRUE(differ) << a.pattern << " and " << b.pattern;
    }
}

TEST(Routes, PathsMatchSegmentBySegmentWithTheirParameters) {
  EXPECT_EQ(path_segments("/"), std::vector<std::string>{});
  EXPECT_EQ(path_segments("//api///v1/plans/"), (std::vector<std::string>{"api", "v1", "plans"}));
  auto m = match_routes(path_segments("/api/v1/plans/182-kh/duties/tham-luan.xa/events"));
  ASSERT_EQ(m.routes.size(), 1u);
  EXPECT_EQ(m.params, (std::vector<std::string>{"182-kh", "tham-luan.xa"}));
  EXPECT_TRUE(match_routes(path_segments("/api/v1/plans/x/y")).routes.empty());
  EXPECT_TRUE(match_routes(path_segments("/api/v1")).routes.empty());
  EXPECT_TRUE(match_routes(path_segments("/a")).routes.empty());
  EXPECT_TRUE(match_routes(path_segments("/assets/x/y")).routes.empty());
  EXPECT_EQ(match_routes(path_segments("")).routes.front()->pattern, "/");
}

TEST(Routes, HeadIsAnsweredOnlyWhereGetIsAndTheStreamHasNone) {
  EXPECT_TRUE(answers(verb::get_or_head, "HEAD"));
  EXPECT_TRUE(answers(verb::get_or_head, "GET"));
  EXPECT_FALSE(answers(verb::get, "HEAD"));
  EXPECT_FALSE(answers(verb::post, "post")) << "methods are case-sensitive";
  const auto stream = match_routes(path_segments("/api/v1/stream"));
  EXPECT_FALSE(answers(stream.routes.front()->method, "HEAD"));
  const auto plans = match_routes(path_segments("/api/v1/plans"));
  EXPECT_FALSE(answers(plans.routes.front()->method, "HEAD")) << "as before the table: GET only";
}

// adapters/http/metrics.cpp: who may read /metrics and what it shows, through the router
// (the body's text: prometheus_test.cpp).
#include "tests/unit/http/views_fixture.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

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

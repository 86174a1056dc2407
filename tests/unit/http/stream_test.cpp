// adapters/http/stream.cpp: the stream handler, through the router (the stream on a real
// socket: stream_session_test.cpp).
#include "tests/unit/http/views_fixture.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

TEST_F(Views, StreamRefusesABadLastEventId) {
  auto req = get("/api/v1/stream");
  req.last_event_id = "abc";
  EXPECT_EQ(view(req, viewer()).status, 400);
  auto ok = view(get("/api/v1/stream"), viewer());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "text/event-stream; charset=utf-8");
  EXPECT_TRUE(static_cast<bool>(ok.stream));
}

// adapters/http/session.cpp: read_request, a session's reading of raw bytes without a
// socket (the HTTP fuzz target relies on it being the session's own parser, limits and
// conversion). The session on a real socket: stream_session_test.cpp.
#include "adapters/http/session.h"

#include <gtest/gtest.h>

namespace dutyflow::http {
namespace {

TEST(ReadRequest, ConvertsWhatTheHandlersSee) {
  const std::string bytes =
      "POST /api/v1/plans/p%2D1/duties/d/events?unit=xa+a&x=%41 HTTP/1.1\r\nHost: h\r\n"
      "Authorization: Bearer t\r\nIf-Match: \"3\"\r\nIdempotency-Key: k\r\nLast-Event-ID: 9\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  auto r = read_request(bytes, server_options{});
  ASSERT_TRUE(r.req);
  EXPECT_FALSE(r.answer);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_TRUE(r.rest.empty());
  EXPECT_EQ(r.req->method, "POST");
  EXPECT_EQ(r.req->path, "/api/v1/plans/p-1/duties/d/events");
  EXPECT_EQ(r.req->query.at("unit"), "xa a");
  EXPECT_EQ(r.req->query.at("x"), "A");
  EXPECT_EQ(r.req->authorization, "Bearer t");
  EXPECT_EQ(r.req->if_match, "\"3\"");
  EXPECT_EQ(r.req->idempotency_key, "k");
  EXPECT_EQ(r.req->last_event_id, "9");
  EXPECT_EQ(r.req->body, "{}");
}

TEST(ReadRequest, LeavesPipelinedRequestsForLater) {
  const std::string bytes = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\nGET /metrics HTTP/1.0\r\n\r\n";
  auto first = read_request(bytes, server_options{});
  ASSERT_TRUE(first.req);
  EXPECT_EQ(first.req->path, "/healthz");
  auto second = read_request(first.rest, server_options{});
  ASSERT_TRUE(second.req);
  EXPECT_EQ(second.req->path, "/metrics");
  EXPECT_FALSE(second.keep_alive);  // HTTP/1.0 without keep-alive: the session closes
}

TEST(ReadRequest, AnswersWhatASessionRefusesItself) {
  server_options small;
  small.body_limit = 4;
  small.header_limit = 64;
  EXPECT_EQ(read_request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", small).answer->status, 413);
  EXPECT_EQ(read_request("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", small).answer->status, 431);
  EXPECT_EQ(read_request("GET / HTTP/1.1\r\nHost x\r\n\r\n", small).answer->status, 400);
  EXPECT_EQ(read_request("GET /%zz HTTP/1.1\r\n\r\n", small).answer->status, 400);
  // Cut off mid-request: the session's read meets the end of the stream.
  EXPECT_EQ(read_request("GET / HTTP/1.1\r\nHo", small).answer->status, 400);
  // A plan document for POST /api/v1/imports may be larger than body_limit, up to
  // upload_limit; any other route keeps body_limit, declared or chunked.
  small.upload_limit = 16;
  EXPECT_FALSE(read_request("POST /api/v1/imports HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", small).answer);
  EXPECT_EQ(read_request("POST /api/v1/imports HTTP/1.1\r\nContent-Length: 17\r\n\r\n", small).answer->status, 413);
  EXPECT_EQ(read_request("POST /api/v1/plans HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", small).answer->status,
            413);
  EXPECT_EQ(read_request("POST /api/v1/plans HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n",
                         small)
                .answer->status,
            413);
  auto upload = read_request("POST /api/v1/imports?x=1 HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", small);
  ASSERT_TRUE(upload.req);
  EXPECT_EQ(upload.req->body, "0123456789");
  // Nothing sent: nothing to answer.
  auto none = read_request("", small);
  EXPECT_FALSE(none.req);
  EXPECT_FALSE(none.answer);
}

}  // namespace
}  // namespace dutyflow::http

// adapters/http/ack_link.cpp: one-click links from notifications, called as handlers on
// the handlers' services (no socket): the confirm page, the acknowledgement, and links
// that were tampered with or expired.
#include "adapters/http/ack_link.h"
#include "tests/unit/http/views_env.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;

namespace {

bool has(const response& r, const std::string& text) { return r.body.find(text) != std::string::npos; }

}  // namespace

class AckLink : public ::testing::Test {
 protected:
  views_env env;

  std::string link(std::chrono::hours valid = std::chrono::hours(24)) {
    security::link_claims c;
    c.plan = "182-kh-ubnd-2023";
    c.duty = "tham-luan-xa-ma-li-pho";
    c.unit = "xa-ma-li-pho";
    c.event = "acknowledge";
    c.expires = std::chrono::time_point_cast<std::chrono::seconds>(env.clock.now() + valid);
    return env.acks.sign(c);
  }
  response get(const std::string& token) {
    return env.call([&](respond_fn respond) { get_ack_link(*env.ctx, token, respond); });
  }
  response post(const std::string& token) {
    return env.call([&](respond_fn respond) { post_ack_link(*env.ctx, token, respond); });
  }
  std::string progress() {
    std::string out;
    env.call([&](respond_fn respond) {
      env.runner->post([&out, respond](engine& e) {
        auto d = e.duty_json("182-kh-ubnd-2023", "tham-luan-xa-ma-li-pho", nullptr, false);
        out = d ? (*d)["state"]["progress"].get<std::string>() : "";
        respond(response{});
      });
    });
    return out;
  }
};

TEST_F(AckLink, ASignedLinkShowsAConfirmPageThenAcknowledgesOnce) {
  const auto token = link();
  auto page = get(token);
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(has(page, "<form method=\"post\">"));
  EXPECT_EQ(progress(), "Assigned") << "a GET changes nothing (mail scanners open links)";

  auto done = post(token);
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_TRUE(has(done, "Đã xác nhận nhận nhiệm vụ"));
  EXPECT_EQ(progress(), "Acknowledged");

  auto again = post(token);
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(has(again, "Nhiệm vụ đã được xác nhận"));
  EXPECT_TRUE(has(get(token), "Nhiệm vụ đã được xác nhận"));
}

TEST_F(AckLink, ATamperedLinkIsRefusedAndChangesNothing) {
  auto token = link();
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  auto page = get(token);
  EXPECT_EQ(page.status, 403);
  EXPECT_TRUE(has(page, "Liên kết không hợp lệ"));
  EXPECT_EQ(post(token).status, 403);
  EXPECT_EQ(post("not-a-token").status, 403);
  EXPECT_EQ(progress(), "Assigned");
}

TEST_F(AckLink, AnExpiredLinkIsGone) {
  const auto token = link(std::chrono::hours(1));
  ASSERT_TRUE(env.clock.advance(std::chrono::hours(2)));
  auto page = get(token);
  EXPECT_EQ(page.status, 410);
  EXPECT_TRUE(has(page, "Liên kết đã hết hạn"));
  EXPECT_EQ(post(token).status, 410);
}

TEST_F(AckLink, TheConfirmPageKeepsTheLinkOutOfCachesAndReferrers) {
  auto page = get(link());
  std::map<std::string, std::string> h(page.headers.begin(), page.headers.end());
  EXPECT_EQ(h["Cache-Control"], "no-store");
  EXPECT_EQ(h["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(h["X-Robots-Tag"], "noindex");
}

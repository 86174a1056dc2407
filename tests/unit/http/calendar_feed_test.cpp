// adapters/http/calendar_feed.cpp: a unit's feed and its signed link, through the router
// (the feed's builder: ics_test.cpp).
#include "tests/unit/http/views_fixture.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace dutyflow::testing;
using nlohmann::json;

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

// adapters/http/rate_limit.cpp: the event allowances of tokens and duties, on a time the
// test moves (issue 16, finding 4).
#include "adapters/http/rate_limit.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace dutyflow::http;
using namespace std::chrono_literals;
using limit = event_rate_limiter::limit;

namespace {

const actor unit_a{"ubnd-xa-a", role::unit, "xa-a"};
const actor unit_b{"ubnd-xa-b", role::unit, "xa-b"};
const actor coordinator{"phong-noi-vu", role::coordinator, "phong-noi-vu"};

event_rate_options small() {
  event_rate_options o;
  o.unit = {3, 6};          // 3 at once, then one every 10 s
  o.coordinator = {5, 60};  // 5 at once, then one a second
  o.duty = {2, 1};          // 2 at once, then one a minute
  return o;
}

}  // namespace

TEST(EventRate, ATokenHasItsBurstThenItsRateAndARefusalCountsNothing) {
  event_rate_limiter l(small());
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.check(unit_a, "p", "d" + std::to_string(i), t0).refused, limit::none) << i;
  auto v = l.check(unit_a, "p", "d9", t0);
  EXPECT_EQ(v.refused, limit::token);
  EXPECT_EQ(v.retry_after, 10s);
  EXPECT_TRUE(v.first);
  EXPECT_FALSE(l.check(unit_a, "p", "d9", t0 + 1s).first) << "one log line per run of refusals";
  EXPECT_EQ(l.check(unit_a, "p", "d9", t0 + 9s).refused, limit::token);
  // The refusals took nothing: one allowance is back 10 s after the burst.
  EXPECT_EQ(l.check(unit_a, "p", "d9", t0 + 10s).refused, limit::none);
  EXPECT_EQ(l.check(unit_a, "p", "d9", t0 + 10s).refused, limit::token);
  // Another token is not touched.
  EXPECT_EQ(l.check(unit_b, "p", "d0", t0).refused, limit::none);
  const auto s = l.read();
  EXPECT_EQ(s.refused_unit_token, 4u);
  EXPECT_EQ(s.refused_unit_duty, 0u);
}

TEST(EventRate, ADutyHasItsOwnAllowanceThatACoordinatorNeverUses) {
  event_rate_limiter l(small());
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(l.check(unit_a, "p", "d", t0).refused, limit::none);
  EXPECT_EQ(l.check(unit_b, "p", "d", t0).refused, limit::none);
  auto v = l.check(unit_a, "p", "d", t0);
  EXPECT_EQ(v.refused, limit::duty) << "two units share the duty's allowance";
  EXPECT_EQ(v.retry_after, 60s);
  // The token's allowance was not used by the refusal: it still has one for another duty.
  EXPECT_EQ(l.check(unit_a, "p", "e", t0).refused, limit::none);
  // The coordinator is neither counted on nor refused by the duty.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.check(coordinator, "p", "d", t0).refused, limit::none) << i;
  EXPECT_EQ(l.check(coordinator, "p", "d", t0).refused, limit::token);
  EXPECT_EQ(l.read().refused_coordinator_token, 1u);
  EXPECT_EQ(l.read().refused_unit_duty, 1u);
  // Same plan and duty names in another plan are another duty.
  EXPECT_EQ(l.check(unit_b, "q", "d", t0).refused, limit::none);
}

TEST(EventRate, ARequestOnThePlanCountsAgainstTheTokenOnly) {
  event_rate_limiter l(small());
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.check(coordinator, "p", "", t0).refused, limit::none);
  EXPECT_EQ(l.check(coordinator, "p", "", t0).refused, limit::token);
  EXPECT_EQ(l.check(coordinator, "p", "", t0 + 1s).refused, limit::none);
}

TEST(EventRate, AnAllowanceOfZeroIsOff) {
  event_rate_options o = small();
  o.unit = {0, 60};
  o.duty = {0, 0};
  event_rate_limiter l(o);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(l.check(unit_a, "p", "d", t0).refused, limit::none);
  EXPECT_EQ(l.read().tracked, 0u);
}

TEST(EventRate, MemoryIsBoundedAndRefilledAllowancesAreForgotten) {
  event_rate_options o = small();
  o.tracked = 10;
  event_rate_limiter l(o);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) l.check(actor{"t" + std::to_string(i), role::unit, ""}, "p", "", t0);
  EXPECT_EQ(l.read().tracked, 10u);
  // The slowest allowance (the duty's: 2 at one a minute) is full again after 2 minutes:
  // everything unused since is forgotten, the same as never seen.
  l.check(unit_a, "p", "", t0 + 2min);
  EXPECT_EQ(l.read().tracked, 1u);
  // Names that cannot be duties are not remembered as duties.
  l.check(unit_a, "p", std::string(500, 'd'), t0 + 2min);
  EXPECT_EQ(l.read().tracked, 1u);
}

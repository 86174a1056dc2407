// adapters/http/auth_limit.cpp: failed token checks per client, with time passed in.
#include "adapters/http/auth_limit.h"

#include <gtest/gtest.h>

using namespace dutyflow::http;
using namespace std::chrono_literals;

namespace {

using outcome = auth_limiter::outcome;
const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

auto good = [] { return true; };
auto bad = [] { return false; };

}  // namespace

TEST(AuthLimit, AfterTheLimitTokensAreRefusedUncheckedUntilTheWindowEnds) {
  auth_limiter limiter({3, 60s, 100});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.check("127.0.0.2", t0 + 1s * i, bad).result, outcome::failed);
  int checks = 0;
  auto counted = [&] {
    ++checks;
    return true;
  };
  auto v = limiter.check("127.0.0.2", t0 + 10s, counted);
  EXPECT_EQ(v.result, outcome::throttled);
  EXPECT_EQ(v.retry_after, 50s) << "the window opened at the first failure";
  EXPECT_EQ(checks, 0) << "a locked-out client's token must not be looked at, even a good one";
  EXPECT_EQ(limiter.check("127.0.0.2", t0 + 59500ms, counted).retry_after, 1s) << "rounded up, never 0";
  EXPECT_EQ(limiter.check("127.0.0.2", t0 + 60s, counted).result, outcome::passed);
  EXPECT_EQ(checks, 1);
  auto s = limiter.read();
  EXPECT_EQ(s.failures, 3u);
  EXPECT_EQ(s.throttled, 2u);
}

TEST(AuthLimit, OnlyTheFailureThatUsesUpTheAllowanceSaysSo) {
  auth_limiter limiter({2, 60s, 100});
  EXPECT_FALSE(limiter.check("10.0.0.1", t0, bad).locked_now);
  EXPECT_TRUE(limiter.check("10.0.0.1", t0, bad).locked_now);
  EXPECT_EQ(limiter.check("10.0.0.1", t0, bad).result, outcome::throttled);
}

TEST(AuthLimit, OtherClientsAreNotAffected) {
  auth_limiter limiter({2, 60s, 100});
  limiter.check("127.0.0.2", t0, bad);
  limiter.check("127.0.0.2", t0, bad);
  ASSERT_EQ(limiter.check("127.0.0.2", t0, good).result, outcome::throttled);
  EXPECT_EQ(limiter.check("127.0.0.1", t0, good).result, outcome::passed);
  EXPECT_EQ(limiter.check("127.0.0.1", t0, bad).result, outcome::failed);
  EXPECT_EQ(limiter.check("127.0.0.1", t0, good).result, outcome::passed);
}

TEST(AuthLimit, GoodTokensDoNotResetTheCount) {
  // Otherwise a client holding one valid token could guess others between its own uses.
  auth_limiter limiter({2, 60s, 100});
  limiter.check("10.0.0.1", t0, bad);
  limiter.check("10.0.0.1", t0, good);
  limiter.check("10.0.0.1", t0, bad);
  EXPECT_EQ(limiter.check("10.0.0.1", t0, good).result, outcome::throttled);
}

TEST(AuthLimit, MemoryIsBoundedByForgettingTheOldestWindow) {
  auth_limiter limiter({1, 60s, 3});
  for (int i = 1; i <= 10; ++i) limiter.check("10.0.0." + std::to_string(i), t0 + 1s * i, bad);
  auto s = limiter.read();
  EXPECT_EQ(s.tracked, 3u);
  EXPECT_EQ(s.forgotten, 7u);
  EXPECT_EQ(limiter.check("10.0.0.10", t0 + 11s, good).result, outcome::throttled) << "the newest is remembered";
  EXPECT_EQ(limiter.check("10.0.0.1", t0 + 11s, good).result, outcome::passed) << "the oldest was forgotten";
}

TEST(AuthLimit, ExpiredWindowsAreLetGoFirst) {
  auth_limiter limiter({1, 60s, 2});
  limiter.check("10.0.0.1", t0, bad);
  limiter.check("10.0.0.2", t0 + 30s, bad);
  limiter.check("10.0.0.3", t0 + 61s, bad);  // 10.0.0.1's window is over: it goes, not 10.0.0.2
  EXPECT_EQ(limiter.read().forgotten, 0u);
  EXPECT_EQ(limiter.check("10.0.0.2", t0 + 62s, good).result, outcome::throttled);
}

TEST(AuthLimit, AnIPv6ClientIsItsSlash64) {
  EXPECT_EQ(auth_limiter::client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(auth_limiter::client_key("::ffff:127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(auth_limiter::client_key("127.0.0.2"), "127.0.0.2");
  auth_limiter limiter({1, 60s, 10});
  limiter.check("2001:db8:1:2::1", t0, bad);
  EXPECT_EQ(limiter.check("2001:db8:1:2::ffff", t0, good).result, outcome::throttled);
  EXPECT_EQ(limiter.check("2001:db8:1:3::1", t0, good).result, outcome::passed);
}

TEST(AuthLimit, ALimitOfZeroTurnsItOff) {
  auth_limiter limiter({0, 60s, 10});
  for (int i = 0; i < 100; ++i) limiter.check("10.0.0.1", t0, bad);
  EXPECT_EQ(limiter.check("10.0.0.1", t0, good).result, outcome::passed);
  EXPECT_EQ(limiter.read().tracked, 0u);
  EXPECT_EQ(limiter.read().failures, 100u);
}

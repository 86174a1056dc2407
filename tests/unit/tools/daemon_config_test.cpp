// tools/daemon_config.cpp: the "http" section of dutyflowd's config.
#include "tools/daemon_config.h"

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using namespace std::chrono_literals;

namespace {

// `read` of a config file holding `text`.
template <class Read>
status from_config(const std::string& text, Read read) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("c.json");
  dutyflow::testing::write_file(path, text);
  return read(path);
}

status read_http(const std::string& text, http::server_options& server, http::auth_limit_options& auth) {
  return from_config(text, [&](const std::string& path) { return read_http_settings(path, server, auth); });
}

status read_engine(const std::string& text, engine_options& out) {
  return from_config(text, [&](const std::string& path) { return read_engine_settings(path, out); });
}

}  // namespace

TEST(HttpSettings, TheShippedConfigSaysWhatTheDefaultsAre) {
  http::server_options server, defaults;
  http::auth_limit_options auth, auth_defaults;
  auto r = read_http_settings(dutyflow::testing::source_path("config/dutyflowd.json"), server, auth);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(server.max_connections, defaults.max_connections);
  EXPECT_EQ(server.max_connections_per_address, defaults.max_connections_per_address);
  EXPECT_EQ(server.first_byte_timeout, defaults.first_byte_timeout);
  EXPECT_EQ(server.header_timeout, defaults.header_timeout);
  EXPECT_EQ(server.body_timeout, defaults.body_timeout);
  EXPECT_EQ(server.keep_alive_timeout, defaults.keep_alive_timeout);
  EXPECT_EQ(server.send_timeout, defaults.send_timeout);
  EXPECT_EQ(server.header_limit, defaults.header_limit);
  EXPECT_EQ(server.body_limit, defaults.body_limit);
  EXPECT_EQ(server.threads, defaults.threads);
  EXPECT_EQ(auth.limit, auth_defaults.limit);
  EXPECT_EQ(auth.window, auth_defaults.window);
  EXPECT_EQ(auth.tracked_clients, auth_defaults.tracked_clients);
}

TEST(HttpSettings, EverySettingIsRead) {
  http::server_options server;
  http::auth_limit_options auth;
  auto r = read_http(R"({"listen": "127.0.0.1:1", "http": {"threads": 3, "max_connections": 40,
      "max_connections_per_address": 7, "first_byte_timeout": "1500ms",
      "header_timeout": "2s", "body_timeout": "500ms", "keep_alive_timeout": "1s", "send_timeout": "3s",
      "header_limit": 4096, "body_limit": 65536,
      "auth_failures": {"limit": 5, "window": "10m", "tracked_clients": 99}}})",
                     server, auth);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(server.threads, 3);
  EXPECT_EQ(server.max_connections, 40u);
  EXPECT_EQ(server.max_connections_per_address, 7u);
  EXPECT_EQ(server.first_byte_timeout, 1500ms);
  EXPECT_EQ(server.header_timeout, 2s);
  EXPECT_EQ(server.body_timeout, 500ms);
  EXPECT_EQ(server.keep_alive_timeout, 1s);
  EXPECT_EQ(server.send_timeout, 3s);
  EXPECT_EQ(server.header_limit, 4096u);
  EXPECT_EQ(server.body_limit, 65536u);
  EXPECT_EQ(auth.limit, 5);
  EXPECT_EQ(auth.window, 10min);
  EXPECT_EQ(auth.tracked_clients, 99u);
}

TEST(HttpSettings, MistakesNameTheKey) {
  auto message = [](const std::string& text) {
    http::server_options server;
    http::auth_limit_options auth;
    auto r = read_http(text, server, auth);
    return r ? std::string("accepted") : r.err().message;
  };
  EXPECT_NE(message(R"({"http": {"max_conections": 5}})").find("unknown setting \"http.max_conections\""),
            std::string::npos);
  EXPECT_NE(message(R"({"http": {"header_timeout": "30"}})").find("\"http.header_timeout\""), std::string::npos);
  EXPECT_NE(message(R"({"http": {"header_timeout": "0s"}})").find("longer than zero"), std::string::npos);
  EXPECT_NE(message(R"({"http": {"first_byte_timeout": "0s"}})").find("\"http.first_byte_timeout\""),
            std::string::npos);
  EXPECT_EQ(message(R"({"http": {"max_connections_per_address": 0}})"), "accepted");
  EXPECT_NE(message(R"({"http": {"max_connections": 0}})").find("\"http.max_connections\""), std::string::npos);
  EXPECT_NE(message(R"({"http": {"auth_failures": {"limit": -1}}})").find("\"http.auth_failures.limit\""),
            std::string::npos);
  EXPECT_NE(message(R"({"http": {"auth_failures": []}})").find("must be an object"), std::string::npos);
  EXPECT_NE(message(R"({"http": 5})").find("\"http\" must be an object"), std::string::npos);
}


TEST(EngineSettings, TheShippedConfigSaysWhatTheDefaultsAre) {
  engine_options read, defaults;
  auto r = read_engine_settings(dutyflow::testing::source_path("config/dutyflowd.json"), read);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(read.due_soon_working_days, defaults.due_soon_working_days);
  EXPECT_EQ(read.office_hours_only, defaults.office_hours_only);
  EXPECT_EQ(read.office_open, defaults.office_open);
  EXPECT_EQ(read.office_close, defaults.office_close);
  EXPECT_EQ(read.overdue_repeat_limit, defaults.overdue_repeat_limit);
  EXPECT_EQ(read.idempotency_ttl, defaults.idempotency_ttl);
  EXPECT_EQ(read.fallback_channel, defaults.fallback_channel);
  EXPECT_EQ(read.progress_backlog, defaults.progress_backlog);
}

TEST(EngineSettings, EverySettingIsRead) {
  engine_options o;
  auto r = read_engine(R"({"engine": {"due_soon_working_days": 3, "office_hours_only": false, "office_open": "08:00",
      "office_close": "16:30", "overdue_repeat_limit": 5, "idempotency_ttl": "72h", "fallback_channel": "file",
      "progress_backlog": 5000}})",
                       o);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(o.due_soon_working_days, 3);
  EXPECT_FALSE(o.office_hours_only);
  EXPECT_EQ(o.office_open, 8h);
  EXPECT_EQ(o.office_close, 16h + 30min);
  EXPECT_EQ(o.overdue_repeat_limit, 5);
  EXPECT_EQ(o.idempotency_ttl, 72h);
  EXPECT_EQ(o.fallback_channel, "file");
  EXPECT_EQ(o.progress_backlog, 5000u);
}

TEST(EngineSettings, BadValuesAreOneClearErrorNamingTheKey) {
  auto error = [](const std::string& text) {
    engine_options o;
    auto r = read_engine(text, o);
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.err().message;
  };
  EXPECT_NE(error(R"({"engine": {"office_open": "7:30"}})").find("engine.office_open"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"office_close": "25:00"}})").find("engine.office_close"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"office_open": "17:00", "office_close": "08:00"}})").find("before"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"idempotency_ttl": "12h"}})").find("at least 24h"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"fallback_channel": "email"}})").find("log or file"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"due_soon_working_days": 99}})").find("due_soon_working_days"), std::string::npos);
  EXPECT_NE(error(R"({"engine": {"due_soon": 2}})").find("due_soon"), std::string::npos);
  EXPECT_NE(error(R"({"engine": 3})").find("engine"), std::string::npos);
}

// Issue 16, findings 3-5: the stream and event-rate limits.
TEST(HttpSettings, TheStreamAndEventRateLimitsAreRead) {
  dutyflow::testing::temp_dir dir;
  const auto path = dir.file("c.json");
  dutyflow::testing::write_file(path, R"({"http": {"max_connections": 100,
      "stream": {"max_open": 40, "per_token": 2, "queue_bytes": 131072, "replay_limit": 500},
      "event_rate": {"unit": {"burst": 10, "per_minute": 2.5}, "coordinator": {"burst": 0, "per_minute": 0},
                     "duty": {"burst": 4, "per_minute": 1}, "tracked": 77}}})");
  http::server_options server;
  http::auth_limit_options auth;
  http::event_hub_options stream;
  http::event_rate_options rate;
  ASSERT_TRUE(read_http_settings(path, server, auth));
  auto r = read_http_limits(path, server, stream, rate);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(stream.max_streams, 40u);
  EXPECT_EQ(stream.streams_per_token, 2u);
  EXPECT_EQ(server.stream_queue_bytes, 131072u);
  EXPECT_EQ(stream.replay_limit, 500);
  EXPECT_EQ(rate.unit.burst, 10);
  EXPECT_EQ(rate.unit.per_minute, 2.5);
  EXPECT_TRUE(rate.coordinator.off());
  EXPECT_EQ(rate.duty.burst, 4);
  EXPECT_EQ(rate.tracked, 77u);
}

TEST(HttpSettings, TheShippedLimitsAreTheDefaultsAndStreamsLeaveHalfTheConnections) {
  http::server_options server, server_defaults;
  http::auth_limit_options auth;
  http::event_hub_options stream, stream_defaults;
  http::event_rate_options rate, rate_defaults;
  const auto shipped = dutyflow::testing::source_path("config/dutyflowd.json");
  ASSERT_TRUE(read_http_settings(shipped, server, auth));
  auto r = read_http_limits(shipped, server, stream, rate);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(server.stream_queue_bytes, server_defaults.stream_queue_bytes);
  EXPECT_EQ(stream.max_streams, stream_defaults.max_streams);
  EXPECT_EQ(stream.max_streams, server.max_connections / 2);
  EXPECT_EQ(stream.streams_per_token, stream_defaults.streams_per_token);
  EXPECT_EQ(stream.replay_limit, stream_defaults.replay_limit);
  for (auto [got, want] : {std::pair{rate.unit, rate_defaults.unit},
                           std::pair{rate.coordinator, rate_defaults.coordinator},
                           std::pair{rate.duty, rate_defaults.duty}}) {
    EXPECT_EQ(got.burst, want.burst);
    EXPECT_EQ(got.per_minute, want.per_minute);
  }
  EXPECT_EQ(rate.tracked, rate_defaults.tracked);

  // Fewer connections, no max_open: half of them.
  dutyflow::testing::temp_dir dir;
  dutyflow::testing::write_file(dir.file("c.json"), R"({"http": {"max_connections": 30}})");
  http::server_options small;
  ASSERT_TRUE(read_http_settings(dir.file("c.json"), small, auth));
  ASSERT_TRUE(read_http_limits(dir.file("c.json"), small, stream, rate));
  EXPECT_EQ(stream.max_streams, 15u);
}

TEST(HttpSettings, StreamsMayNotTakeEveryConnection) {
  auto message = [](const std::string& text) {
    dutyflow::testing::temp_dir dir;
    dutyflow::testing::write_file(dir.file("c.json"), text);
    http::server_options server;
    http::auth_limit_options auth;
    http::event_hub_options stream;
    http::event_rate_options rate;
    auto r = read_http_settings(dir.file("c.json"), server, auth);
    if (r) r = read_http_limits(dir.file("c.json"), server, stream, rate);
    return r ? std::string("accepted") : r.err().message;
  };
  EXPECT_NE(message(R"({"http": {"max_connections": 20, "stream": {"max_open": 20}}})")
                .find("below http.max_connections"),
            std::string::npos);
  EXPECT_NE(message(R"({"http": {"stream": {"queue_bytes": 10}}})").find("\"http.stream.queue_bytes\""),
            std::string::npos);
  EXPECT_NE(message(R"({"http": {"event_rate": {"unit": {"burst": -1}}}})").find("\"http.event_rate.unit.burst\""),
            std::string::npos);
  EXPECT_NE(message(R"({"http": {"event_rate": {"units": {}}}})").find("unknown setting \"http.event_rate.units\""),
            std::string::npos);
}

// An engine with the seed plan on a temp SQLite journal and a manual clock, its runner
// started, and the handlers' services (adapters/http/services.h): what dutyflowd builds,
// minus the sockets. Tests call handlers, or the router, and wait for their answer with
// call().
#pragma once

#include "adapters/http/calendar_feed.h"
#include "adapters/http/dashboard.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/imports.h"
#include "adapters/http/metrics.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/report.h"
#include "adapters/http/signed_urls.h"
#include "adapters/http/stream.h"
#include "adapters/http/stream_replay.h"
#include "adapters/security/link_token.h"
#include "engine/plan.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <future>

namespace dutyflow::testing {

struct views_env {
  temp_dir dir;
  std::unique_ptr<store> db;
  manual_clock clock{*parse_instant("2023-06-06T08:00:00+07:00")};
  std::optional<working_calendar> calendar;
  std::unique_ptr<engine> eng;
  std::unique_ptr<engine_runner> runner;
  http::event_hub hub;
  std::unique_ptr<http::stream_replayer> replay;
  http::signed_urls links{security::hmac_signer("0123456789abcdef0123456789abcdef", security::signing_use::calendar_link)};
  security::link_tokens acks{
      security::hmac_signer("fedcba9876543210fedcba9876543210", security::signing_use::action_link)};
  http::import_services imports{{}};
  // No allowance limits a test (0 turns a limit off).
  http::event_rate_limiter event_rate{http::event_rate_options{{0, 0}, {0, 0}, {0, 0}}};
  std::unique_ptr<http::services> ctx;

  views_env() {
    auto opened = open_sqlite_store(sqlite_options{dir.file("journal.db"), "normal"});
    EXPECT_TRUE(opened);
    db = std::move(*opened);
    auto cal = working_calendar::load(std::string(DUTYFLOW_SOURCE_DIR) + "/config/calendar");
    EXPECT_TRUE(cal);
    calendar.emplace(std::move(*cal));
    eng = std::make_unique<engine>(*db, builtin_kinds(), clock, *calendar);
    EXPECT_TRUE(eng->open());
    auto plan =
        load_plan_file(std::string(DUTYFLOW_SOURCE_DIR) + "/config/plans/182-kh-ubnd-2023.json", builtin_kinds());
    EXPECT_TRUE(plan);
    EXPECT_TRUE(eng->load(*plan, actor{"dutyflowd", role::system, ""}));
    eng->add_observer([this](const std::vector<event_row>& events) { hub.publish(events); });
    runner = std::make_unique<engine_runner>(*eng, clock);
    replay = std::make_unique<http::stream_replayer>(
        hub, [path = dir.file("journal.db")] { return open_sqlite_journal_reader(path); });
    replay->start();
    ctx = std::make_unique<http::services>(
        http::services{*runner, builtin_kinds(), clock, *calendar, hub, *replay, links, acks, imports, event_rate});
    ctx->manual = &clock;
    runner->start();
  }
  ~views_env() {
    hub.stop();
    runner->stop();
    replay->stop();
  }

  // Runs `start` with a respond function and waits for the answer.
  template <class F>
  http::response call(F&& start) {
    auto p = std::make_shared<std::promise<http::response>>();
    auto f = p->get_future();
    start([p](http::response r) { p->set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }
};

inline actor coordinator() {
  return actor{"phong-noi-vu", role::coordinator, "phong-noi-vu"};
}
inline actor unit(const std::string& u) {
  return actor{"ubnd-" + u, role::unit, u};
}
inline actor viewer() {
  return actor{"lanh-dao", role::viewer, ""};
}

}  // namespace dutyflow::testing

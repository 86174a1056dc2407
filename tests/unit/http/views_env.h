// An engine with the seed plan on a temp SQLite journal and a manual clock, its runner
// started, and the handlers' context with the views wired in: what dutyflowd builds,
// minus the sockets. Tests call handlers and wait for their answer with call().
#pragma once

#include "adapters/http/stream_replay.h"
#include "adapters/http/views.h"
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
  std::unique_ptr<http::context> ctx;
  http::event_hub hub;
  std::unique_ptr<http::stream_replayer> replay;
  http::signed_urls links{security::hmac_signer("0123456789abcdef0123456789abcdef", security::signing_use::calendar_link)};
  std::unique_ptr<http::view_services> views;

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
    ctx = std::make_unique<http::context>(http::context{*runner, builtin_kinds(), &clock, {}});
    replay = std::make_unique<http::stream_replayer>(
        hub, [path = dir.file("journal.db")] { return open_sqlite_journal_reader(path); });
    replay->start();
    views = std::make_unique<http::view_services>(http::view_services{hub, links, clock, &*calendar});
    views->replay = replay.get();
    ctx->views = views.get();
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

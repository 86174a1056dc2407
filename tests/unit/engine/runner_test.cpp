// The engine runner (engine/runner.h): group commit of what queued up, answers in order
// after the commit, reads in order with writes, a throwing callback contained, a stop
// that finishes the queue, and the strand handed back when it stops.
#include "engine/runner.h"

#include "engine/engine.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <stdexcept>

using namespace dutyflow;
using dutyflow::testing::temp_dir;
using nlohmann::json;

namespace {

// Five reports of one commune, each acknowledged once.
json five_duties() {
  auto doc = json::parse(R"({
    "id": "hn", "number": "5/KH-UBND", "title": "Hội nghị thử", "issuer": "UBND huyện Phong Thổ",
    "issued_on": "2023-06-05", "coordinator": "noi-vu",
    "units": [{"id": "noi-vu", "name": "Phòng Nội vụ"}, {"id": "xa-a", "name": "Xã A"}],
    "duties": []})");
  for (int i = 1; i <= 5; ++i)
    doc["duties"].push_back({{"id", "d" + std::to_string(i)},
                             {"kind", "report"},
                             {"title", "Báo cáo " + std::to_string(i)},
                             {"owner", "xa-a"},
                             {"due", {{"at", "2023-06-20T17:00:00+07:00"}}}});
  return doc;
}

const actor unit_a{"xa-a", role::unit, "xa-a"};

command acknowledge(int i) {
  command c;
  c.plan = "hn";
  c.duty = "d" + std::to_string(i);
  c.event = "acknowledge";
  c.by = unit_a;
  return c;
}

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() : clock_(*parse_instant("2023-06-05T08:00:00+07:00")) {
    store_ = std::move(open_sqlite_store({dir_.file("journal.db")}).value());
    eng_ = std::make_unique<engine>(*store_, builtin_kinds(), clock_, calendar_);
    EXPECT_TRUE(eng_->open());
    auto loaded = load_plan(five_duties(), builtin_kinds());
    EXPECT_TRUE(loaded) << loaded.err().message;
    EXPECT_TRUE(eng_->load(*loaded, actor{"dutyflowd", role::system, ""}));
  }

  std::int64_t events() { return eng_->event_count().value(); }

  temp_dir dir_;
  manual_clock clock_;
  working_calendar calendar_;
  std::unique_ptr<store> store_;
  std::unique_ptr<engine> eng_;
};

TEST_F(RunnerTest, WhatQueuedUpCommitsInOneBatchAndIsAnsweredInOrder) {
  const auto before = events();
  engine_runner runner(*eng_, clock_);
  std::mutex m;
  std::vector<int> answered;
  std::vector<std::int64_t> event_ids;
  for (int i = 1; i <= 5; ++i)
    runner.submit(acknowledge(i), [&, i](result<applied> r) {
      std::lock_guard lock(m);
      answered.push_back(i);
      event_ids.push_back(r ? r->event_id : -1);
    });
  runner.start();
  runner.stop();
  EXPECT_EQ(answered, (std::vector<int>{1, 2, 3, 4, 5}));
  for (std::size_t k = 1; k < event_ids.size(); ++k) EXPECT_EQ(event_ids[k], event_ids[k - 1] + 1);
  const auto stats = runner.stats();
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.commands, 5u);
  EXPECT_EQ(stats.max_batch, 5u);
  EXPECT_EQ(events(), before + 5);
}

TEST_F(RunnerTest, MaxBatchSplitsAGroupIntoSeveralCommits) {
  engine_runner runner(*eng_, clock_, 2);
  int ok = 0;
  for (int i = 1; i <= 5; ++i) runner.submit(acknowledge(i), [&](result<applied> r) { ok += r ? 1 : 0; });
  runner.start();
  runner.stop();
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(runner.stats().batches, 3u);
  EXPECT_EQ(runner.stats().max_batch, 2u);
}

TEST_F(RunnerTest, AReadSeesTheWritesQueuedBeforeIt) {
  const auto before = events();
  engine_runner runner(*eng_, clock_);
  runner.start();
  std::vector<std::string> order;
  std::promise<std::int64_t> seen;
  runner.submit(acknowledge(1), [&](result<applied> r) { order.push_back(r ? "answered" : "refused"); });
  runner.post([&](engine& e) {
    order.push_back("read");
    seen.set_value(e.event_count().value());
  });
  EXPECT_EQ(seen.get_future().get(), before + 1);
  runner.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"answered", "read"}));
}

TEST_F(RunnerTest, ACallbackThatThrowsDoesNotStopTheRunner) {
  engine_runner runner(*eng_, clock_);
  runner.start();
  runner.submit(acknowledge(1), [](result<applied>) { throw std::runtime_error("a caller's bug"); });
  std::promise<bool> second;
  runner.submit(acknowledge(2), [&](result<applied> r) { second.set_value(static_cast<bool>(r)); });
  EXPECT_TRUE(second.get_future().get());
  runner.stop();
}

TEST_F(RunnerTest, StopFinishesEverythingAlreadyQueued) {
  engine_runner runner(*eng_, clock_);
  runner.start();
  std::atomic<int> answered{0};
  for (int i = 1; i <= 5; ++i) runner.submit(acknowledge(i), [&](result<applied>) { ++answered; });
  runner.stop();
  EXPECT_EQ(answered.load(), 5);
}

// While it runs, the runner's thread is the engine strand; once stopped, the owner may call
// the engine again (engine::assert_strand, checked in the sanitized build).
TEST_F(RunnerTest, TheStrandIsTheRunnersThreadUntilItStops) {
  engine_runner runner(*eng_, clock_);
  runner.start();
  std::promise<std::thread::id> strand;
  runner.post([&](engine& e) {
    e.assert_strand();
    strand.set_value(std::this_thread::get_id());
  });
  EXPECT_NE(strand.get_future().get(), std::this_thread::get_id());
  runner.stop();
  auto r = eng_->apply(acknowledge(3));
  EXPECT_TRUE(r) << r.err().message;
}

}  // namespace

#include "adapters/notify/dispatcher.h"
#include "adapters/notify/local_channels.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/failing_store.h"
#include "tests/support/store_probe.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

using namespace dutyflow;
using namespace dutyflow::notify;
using namespace std::chrono_literals;

namespace {

instant at(const char* iso) {
  return *parse_instant(iso);
}

// A channel that records every attempt and fails the first `failures` ones of each address.
class recording_channel final : public channel {
 public:
  struct call {
    std::string id, to, subject;
  };
  std::string lane(const contact& c) const override { return "rec:" + c.to; }
  delivery deliver(const message& m, const contact& c, instant, const std::atomic<bool>&) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({m.id, c.to, m.subject});
    if (permanent_.contains(c.to)) return delivery::fail("refused for good");
    if (failures_[c.to] > 0) {
      --failures_[c.to];
      return delivery::retry("connection refused");
    }
    return delivery::done();
  }
  void fail(const std::string& to, int times) {
    std::lock_guard lock(mutex_);
    failures_[to] = times;
  }
  void refuse(const std::string& to) {
    std::lock_guard lock(mutex_);
    permanent_.insert(to);
  }
  std::vector<call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int calls_to(const std::string& to) const {
    int n = 0;
    for (const auto& c : calls()) n += c.to == to;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<call> calls_;
  std::map<std::string, int> failures_;
  std::set<std::string> permanent_;
};

class Dispatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(dutyflow::testing::source_path("config/plans/182-kh-ubnd-2023.json"));
    std::stringstream buf;
    buf << in.rdbuf();
    auto doc = nlohmann::json::parse(buf.str());
    // Xã Ma Li Pho also takes a webhook, to see contacts retried one by one.
    for (auto& u : doc["units"])
      if (u["id"] == "xa-ma-li-pho") u["contacts"].push_back({{"channel", "webhook"}, {"to", "http://hook.example/x"}});
    auto loaded = load_plan(doc, builtin_kinds());
    ASSERT_TRUE(loaded) << loaded.err().message;
    plan_ = loaded->value;
    auto db = open_sqlite_store({dir_.file("journal.db")});
    ASSERT_TRUE(db) << db.err().message;
    writer_ = std::move(*db);
    write_batch b;
    b.plans.push_back(plan_row{plan_->id, 1, loaded->canonical, clock_.now()});
    ASSERT_TRUE(writer_->commit(b));
  }

  void TearDown() override {
    if (d_) d_->stop();
  }

  // Waits until `pred` holds: it is checked again each time the dispatcher recorded a
  // round of attempts (rows, stats and the store change then only), with a safety limit.
  template <class Pred>
  bool eventually(Pred pred) {
    return d_->wait_recorded(pred, 20s);
  }

  // `counted`: the dispatcher's store goes through a failing_store, kept in store_.
  void start(dispatcher_options options, bool counted = false) {
    auto db = open_sqlite_store({dir_.file("journal.db")});
    ASSERT_TRUE(db);
    if (counted) {
      auto wrapper = std::make_unique<dutyflow::testing::failing_store>(std::move(*db));
      store_ = wrapper.get();
      store_->fail_attempts = fail_attempts_at_start_;
      *db = std::move(wrapper);
    }
    auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
    ASSERT_TRUE(templates) << templates.err().message;
    channel_map channels{{"email", rec_}, {"webhook", rec_}, {"log", rec_}};
    for (const auto& [name, c] : channel_overrides_) channels[name] = c;
    d_ = std::make_unique<dispatcher>(options, std::move(*db), builtin_kinds(), clock_, std::move(*templates),
                                      std::make_shared<security::link_tokens>(security::hmac_signer(std::string(32, 'k'), security::signing_use::action_link)), channels);
    d_->start();
  }

  // `channel`: what the engine recorded on the row (the unit's channels, or its
  // engine.fallback_channel when the unit has no contacts).
  std::int64_t queue(const std::string& duty, const std::string& unit, const std::string& reason,
                     const std::string& channel = "email") {
    write_batch b;
    outbox_row o;
    o.plan = plan_->id;
    o.duty = duty;
    o.unit = unit;
    o.reason = reason;
    o.point = clock_.now();
    o.key = o.plan + "/" + duty + "/" + reason + "/" + format_instant(o.point, std::chrono::minutes(0));
    o.channel = channel;
    o.created_at = clock_.now();
    o.payload = {{"title", "x"}};
    b.outbox.push_back(o);
    EXPECT_TRUE(writer_->commit(b));
    auto rows = writer_->outbox(outbox_filter{});
    return rows->front().id;
  }

  outbox_row row(std::int64_t id) {
    auto rows = writer_->outbox(outbox_filter{});
    for (const auto& r : *rows)
      if (r.id == id) return r;
    return {};
  }

  static dispatcher_options options() {
    dispatcher_options o;
    o.poll_interval = 10ms;
    o.retry.max_attempts = 3;
    o.retry.initial_backoff = 60s;
    o.retry.max_backoff = 600s;
    o.retry.jitter = 0;
    return o;
  }

  dutyflow::testing::temp_dir dir_;
  manual_clock clock_{at("2023-06-05T08:00:00+07:00")};
  std::shared_ptr<const plan> plan_;
  std::unique_ptr<store> writer_;
  std::shared_ptr<recording_channel> rec_ = std::make_shared<recording_channel>();
  std::unique_ptr<dispatcher> d_;
  dutyflow::testing::failing_store* store_ = nullptr;  // owned by d_
  bool fail_attempts_at_start_ = false;
  channel_map channel_overrides_;  // set before start()
};

}  // namespace

TEST(Backoff, DoublesFromTheInitialWaitUpToTheCap) {
  retry_options o;
  o.initial_backoff = 60s;
  o.max_backoff = 3600s;
  o.jitter = 0;
  EXPECT_EQ(backoff_delay(o, 1, 0.5), 60s);
  EXPECT_EQ(backoff_delay(o, 2, 0.5), 120s);
  EXPECT_EQ(backoff_delay(o, 3, 0.5), 240s);
  EXPECT_EQ(backoff_delay(o, 7, 0.5), 3600s);
  EXPECT_EQ(backoff_delay(o, 500, 0.5), 3600s);
}

TEST(Backoff, JitterSpreadsTheWaitWithinItsBand) {
  retry_options o;
  o.initial_backoff = 100s;
  o.max_backoff = 10000s;
  o.jitter = 0.2;
  EXPECT_EQ(backoff_delay(o, 1, 0.0), 80s);
  EXPECT_EQ(backoff_delay(o, 1, 0.5), 100s);
  EXPECT_EQ(backoff_delay(o, 2, 1.0), 240s);
  // Never past the cap, whatever the draw.
  EXPECT_LE(backoff_delay(o, 20, 1.0), 10000s);
}

TEST_F(Dispatcher, DeliversAPendingRowAndRecordsIt) {
  const auto id = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::delivered; }));
  const auto r = row(id);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.delivered_at, clock_.now());
  ASSERT_EQ(rec_->calls().size(), 1u);
  EXPECT_EQ(rec_->calls()[0].to, "sinsuoiho@phongtho.example");
  EXPECT_EQ(rec_->calls()[0].id, r.key);
}

TEST_F(Dispatcher, RetriesFollowTheClockWithBackoffThenDeliverOnce) {
  rec_->fail("sinsuoiho@phongtho.example", 1);
  const auto id = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).attempts == 1; }));
  auto r = row(id);
  EXPECT_EQ(r.status, outbox_status::pending);
  EXPECT_NE(r.last_error.find("connection refused"), std::string::npos) << r.last_error;
  // The next attempt is due one minute later on the daemon's clock, not before.
  EXPECT_TRUE(writer_->claim_due(clock_.now() + 59s, 10)->empty());
  EXPECT_EQ(writer_->claim_due(clock_.now() + 60s, 10)->size(), 1u);

  ASSERT_TRUE(clock_.advance(60s));
  d_->poke();
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::delivered; }));
  EXPECT_EQ(row(id).attempts, 2);
  EXPECT_EQ(rec_->calls_to("sinsuoiho@phongtho.example"), 2);
}

TEST_F(Dispatcher, GivesUpAfterTheLastAttemptWithTheLastError) {
  rec_->fail("sinsuoiho@phongtho.example", 100);
  const auto id = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).attempts == 1; }));
  ASSERT_TRUE(clock_.advance(60s));
  d_->poke();
  ASSERT_TRUE(eventually([&] { return row(id).attempts == 2; }));
  EXPECT_TRUE(writer_->claim_due(clock_.now() + 119s, 10)->empty());
  ASSERT_TRUE(clock_.advance(120s));
  d_->poke();
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::failed; }));
  const auto r = row(id);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.last_error.find("sinsuoiho@phongtho.example: connection refused"), std::string::npos) << r.last_error;
  EXPECT_EQ(rec_->calls_to("sinsuoiho@phongtho.example"), 3);
}

TEST_F(Dispatcher, APermanentRefusalFailsAtOnce) {
  rec_->refuse("sinsuoiho@phongtho.example");
  const auto id = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::failed; }));
  EXPECT_EQ(row(id).attempts, 1);
  EXPECT_NE(row(id).last_error.find("refused for good"), std::string::npos);
}

TEST_F(Dispatcher, AContactThatTookTheMessageIsNotSentItAgainWhenAnotherIsRetried) {
  rec_->fail("http://hook.example/x", 1);
  const auto id = queue("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).attempts == 1; }));
  ASSERT_TRUE(clock_.advance(60s));
  d_->poke();
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::delivered; }));
  EXPECT_EQ(rec_->calls_to("malipho@phongtho.example"), 1);
  EXPECT_EQ(rec_->calls_to("http://hook.example/x"), 2);
}

namespace {

// A lane that never answers until released (or cancelled: the dispatcher sets `cancel`
// on stop without a word to the channel, so the wait looks at it every 50 ms; a release
// wakes it at once).
struct stuck_channel final : channel {
  void let_go() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    wake_.notify_all();
  }
  std::string lane(const contact&) const override { return "stuck"; }
  delivery deliver(const message&, const contact&, instant, const std::atomic<bool>& cancel) override {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, 50ms, [&] { return released_ || cancel; })) {
    }
    return delivery::retry("released");
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool released_ = false;
};

}  // namespace

TEST_F(Dispatcher, ADeadDestinationDoesNotHoldUpTheOthers) {
  auto stuck = std::make_shared<stuck_channel>();
  auto db = open_sqlite_store({dir_.file("journal.db")});
  ASSERT_TRUE(db);
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  channel_map channels{{"email", rec_}, {"webhook", stuck}};
  const auto slow = queue("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "assigned");
  const auto fast = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  d_ = std::make_unique<dispatcher>(options(), std::move(*db), builtin_kinds(), clock_, std::move(*templates), nullptr,
                                    channels);
  d_->start();
  ASSERT_TRUE(eventually([&] { return row(fast).status == outbox_status::delivered; }));
  EXPECT_EQ(row(slow).status, outbox_status::pending);
  stuck->let_go();
  ASSERT_TRUE(eventually([&] { return row(slow).attempts == 1; }));
}

TEST_F(Dispatcher, ARoundOfDeliveriesIsRecordedInOneTransaction) {
  // Forty rows for one contact, queued before the dispatcher starts, so its first read
  // takes them all (a row a transaction made the engine's commits wait for the lock).
  write_batch b;
  for (int i = 0; i < 40; ++i) {
    outbox_row o;
    o.plan = plan_->id;
    o.duty = "tham-luan-xa-sin-suoi-ho";
    o.unit = "xa-sin-suoi-ho";
    o.reason = "reminder";
    o.point = clock_.now() - std::chrono::minutes(i);
    o.key = o.plan + "/" + o.duty + "/reminder/" + format_instant(o.point, std::chrono::minutes(0));
    o.channel = "email";
    o.created_at = clock_.now();
    o.payload = {{"title", "x"}};
    b.outbox.push_back(o);
  }
  ASSERT_TRUE(writer_->commit(b));
  auto o = options();
  o.poll_interval = 1h;  // no poll after the first: the round ends when nothing is under way
  start(o, true);
  ASSERT_TRUE(eventually([&] { return d_->stats().delivered == 40; }));
  const auto rows = writer_->outbox(outbox_filter{});
  for (const auto& r : *rows) {
    EXPECT_EQ(r.status, outbox_status::delivered) << r.key;
    EXPECT_EQ(r.attempts, 1) << r.key;
  }
  EXPECT_EQ(store_->attempts_recorded, 40);
  EXPECT_EQ(store_->attempt_transactions, 1);
  EXPECT_EQ(rec_->calls_to("sinsuoiho@phongtho.example"), 40);
}

TEST_F(Dispatcher, ADeliveryNotRecordedStaysPendingAndIsNotSentAgain) {
  const auto id = queue("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "assigned");
  fail_attempts_at_start_ = true;
  start(options(), true);
  // Both contacts take it, the record fails, and the row is read again at every poll.
  ASSERT_TRUE(eventually([&] { return store_->attempts_refused >= 3; }));
  EXPECT_EQ(row(id).status, outbox_status::pending);
  EXPECT_EQ(row(id).attempts, 0);
  EXPECT_EQ(d_->stats().delivered, 0u);
  store_->fail_attempts = false;
  d_->poke();
  ASSERT_TRUE(eventually([&] { return row(id).status == outbox_status::delivered; }));
  EXPECT_EQ(row(id).attempts, 1);
  EXPECT_EQ(rec_->calls_to("malipho@phongtho.example"), 1);
  EXPECT_EQ(rec_->calls_to("http://hook.example/x"), 1);
  ASSERT_TRUE(eventually([&] { return d_->stats().delivered == 1; }));
  EXPECT_EQ(d_->stats().sends, 2u);
}

TEST_F(Dispatcher, ARowSettledBesideADeadDestinationIsRecordedByTheNextPoll) {
  // Nothing is left under way only when the dead destination answers; the fast row must
  // not wait for that.
  auto stuck = std::make_shared<stuck_channel>();
  auto real = open_sqlite_store({dir_.file("journal.db")});
  ASSERT_TRUE(real);
  auto db = std::make_unique<dutyflow::testing::failing_store>(std::move(*real));
  store_ = db.get();
  auto templates = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(templates);
  channel_map channels{{"email", rec_}, {"webhook", stuck}};
  const auto slow = queue("tham-luan-xa-ma-li-pho", "xa-ma-li-pho", "assigned");
  const auto fast = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  auto o = options();
  o.poll_interval = 50ms;
  d_ =
      std::make_unique<dispatcher>(o, std::move(db), builtin_kinds(), clock_, std::move(*templates), nullptr, channels);
  d_->start();
  ASSERT_TRUE(eventually([&] { return row(fast).status == outbox_status::delivered; }));
  EXPECT_EQ(row(slow).status, outbox_status::pending);
  // (The counter moves just after the commit the test saw.)
  EXPECT_TRUE(eventually([&] { return store_->attempt_transactions == 1; }));
  stuck->let_go();
  ASSERT_TRUE(eventually([&] { return row(slow).attempts == 1; }));
  EXPECT_TRUE(eventually([&] { return store_->attempt_transactions == 2; }));
  EXPECT_EQ(store_->attempts_recorded, 2);
}

// Issue 14: an e-mail contact with no SMTP relay configured was written to the log and
// recorded "delivered". Nothing carried it, so it says so.
TEST_F(Dispatcher, AMessageNoChannelCanCarryIsRecordedSkippedWithTheReasonNotDelivered) {
  channel_overrides_["email"] = std::make_shared<log_channel>("no SMTP relay configured");
  const auto id = queue("tham-luan-xa-sin-suoi-ho", "xa-sin-suoi-ho", "assigned");
  start(options());
  ASSERT_TRUE(eventually([&] { return row(id).status != outbox_status::pending; }));
  const auto r = row(id);
  EXPECT_EQ(r.status, outbox_status::skipped);
  EXPECT_NE(r.last_error.find("no SMTP relay configured"), std::string::npos) << r.last_error;
  EXPECT_NE(r.last_error.find("sinsuoiho@phongtho.example"), std::string::npos) << r.last_error;
  EXPECT_FALSE(r.delivered_at);
  EXPECT_EQ(r.attempts, 1) << "not retried: retrying cannot help";
  // (The counter moves just after the commit the test saw.)
  EXPECT_TRUE(eventually([&] { return d_->stats().skipped == 1u; }));
  EXPECT_EQ(d_->stats().delivered, 0u);
}

// engine.fallback_channel "file": the engine records "file" on the row of a unit without
// contacts, and the dispatcher writes that unit's own file instead of the log.
TEST_F(Dispatcher, AUnitWithoutContactsGetsTheChannelRecordedOnItsRow) {
  auto files = std::make_shared<recording_channel>();
  channel_overrides_["file"] = files;
  const auto to_file = queue("tham-luan-xa-sin-suoi-ho", "don-vi-chua-co-lien-lac", "assigned", "file");
  const auto to_log = queue("tham-luan-xa-ma-li-pho", "don-vi-chua-co-lien-lac", "assigned", "log");
  start(options());
  ASSERT_TRUE(eventually([&] {
    return row(to_file).status != outbox_status::pending && row(to_log).status != outbox_status::pending;
  }));
  EXPECT_EQ(row(to_file).status, outbox_status::delivered) << row(to_file).last_error;
  ASSERT_EQ(files->calls().size(), 1u);
  EXPECT_EQ(files->calls()[0].to, "don-vi-chua-co-lien-lac.jsonl");
  EXPECT_EQ(files->calls()[0].id, row(to_file).key);
  EXPECT_EQ(row(to_log).status, outbox_status::delivered) << row(to_log).last_error;
  ASSERT_EQ(rec_->calls().size(), 1u) << "the log row went to the log, not to a file";
  EXPECT_EQ(rec_->calls()[0].id, row(to_log).key);
}

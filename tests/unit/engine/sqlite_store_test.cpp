// The SQLite store's parts a second backend shares the contract of: compare-and-set on the
// duty version in commit(), the scheduler's lease, and the capabilities it declares.
#include "engine/store.h"

#include "tests/support/store_probe.h"
#include "tests/support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>


using namespace dutyflow;
using dutyflow::testing::all_events;
using dutyflow::testing::duty_rows;
using dutyflow::testing::temp_dir;

namespace {

instant at(const char* iso) { return *parse_instant(iso); }

duty_row row(std::string duty, std::string progress, std::int64_t version, duty_row::how how,
             std::optional<std::int64_t> expected) {
  duty_row d{"p", std::move(duty), "report", "xa-a", std::move(progress), "OnTrack", version, std::nullopt,
             at("2023-06-05T10:00:00+07:00"), std::nullopt, false, std::nullopt, how};
  d.expected_version = expected;
  return d;
}

outbox_row notice(const std::string& duty) {
  outbox_row o;
  o.plan = "p";
  o.duty = duty;
  o.unit = "xa-a";
  o.reason = "acknowledge";
  o.point = at("2023-06-05T10:00:00+07:00");
  o.key = "p/" + duty + "/acknowledge/2023-06-05T03:00:00Z";
  o.channel = "log";
  o.created_at = o.point;
  return o;
}

// Plan "p" with duties "a" and "b", both at version 1.
class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_sqlite_store({path_});
    ASSERT_TRUE(s) << s.err().message;
    s_ = std::move(*s);
    write_batch b;
    b.plans.push_back(plan_row{"p", 1, R"({"id":"p"})", at("2023-06-05T08:00:00+07:00")});
    for (const char* d : {"a", "b"}) {
      b.events.push_back(event_row{0, "p", d, 1, "assigned", "dutyflowd", at("2023-06-05T08:00:00+07:00"), "", {}});
      b.duties.push_back(row(d, "Assigned", 1, duty_row::how::upsert, std::nullopt));
    }
    ASSERT_TRUE(s_->commit(b));
  }

  // A batch moving both duties from `from` to `from + 1`, expecting `expect_a` of "a".
  write_batch move_both(std::int64_t from, std::optional<std::int64_t> expect_a, duty_row::how how) {
    write_batch b;
    for (const char* d : {"a", "b"}) {
      b.events.push_back(event_row{0, "p", d, from + 1, "acknowledge", "xa-a", at("2023-06-05T10:00:00+07:00"), "", {}});
      b.duties.push_back(row(d, "Acknowledged", from + 1, how, std::string(d) == "a" ? expect_a : from));
    }
    b.outbox.push_back(notice("a"));
    return b;
  }

  // What the store holds, to see that a refused batch changed nothing.
  std::string snapshot() {
    std::string out;
    auto events = all_events(*s_);
    EXPECT_TRUE(events);
    for (const auto& e : *events) out += e.duty + ":" + std::to_string(e.seq) + " ";
    auto duties = duty_rows(path_, "p");
    EXPECT_TRUE(duties);
    for (const auto& d : *duties) out += d.duty + "=" + d.progress + "/v" + std::to_string(d.version) + " ";
    auto outbox = s_->outbox({});
    EXPECT_TRUE(outbox);
    out += "outbox " + std::to_string(outbox->size());
    return out;
  }

  temp_dir dir_;
  std::string path_ = dir_.file("j.db");
  std::unique_ptr<store> s_;
};

}  // namespace

TEST_F(SqliteStore, ABatchWhoseExpectedVersionsHoldCommits) {
  auto b = move_both(1, 1, duty_row::how::update);
  ASSERT_TRUE(s_->commit(b));
  EXPECT_EQ(snapshot(), "a:1 b:1 a:2 b:2 a=Acknowledged/v2 b=Acknowledged/v2 outbox 1");
}

TEST_F(SqliteStore, AStaleExpectedVersionRefusesTheWholeBatchAndChangesNothing) {
  const auto before = snapshot();
  // "b" is where the batch expects it; "a" has moved (the batch expects version 0).
  for (auto how : {duty_row::how::update, duty_row::how::update_owner, duty_row::how::upsert}) {
    auto b = move_both(1, 0, how);
    auto r = s_->commit(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().code, errc::conflict) << r.err().message;
    EXPECT_NE(r.err().message.find("p/a"), std::string::npos) << r.err().message;
    EXPECT_EQ(r.err().details["version"], 1);
    EXPECT_EQ(snapshot(), before);
  }
  // A progress write (reminded_until only) is checked the same way.
  write_batch progress;
  progress.duties.push_back(row("b", "", 0, duty_row::how::progress, 5));
  progress.reminders_flushed_through = 1;
  auto r = s_->commit(progress);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::conflict);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(s_->unflushed_reminders()->flushed_through, 0) << "the watermark rolled back with the batch";
  // The store takes the next batch as if nothing had happened.
  auto ok = move_both(1, 1, duty_row::how::update);
  ASSERT_TRUE(s_->commit(ok));
  EXPECT_EQ(snapshot(), "a:1 b:1 a:2 b:2 a=Acknowledged/v2 b=Acknowledged/v2 outbox 1");
}

TEST_F(SqliteStore, AnExpectedVersionChainsWithinOneBatch) {
  // Two commands on one duty in one group commit: the second expects what the first wrote.
  write_batch b;
  b.duties.push_back(row("a", "Acknowledged", 2, duty_row::how::update, 1));
  b.duties.push_back(row("a", "InProgress", 3, duty_row::how::update, 2));
  ASSERT_TRUE(s_->commit(b));
  auto duties = duty_rows(path_, "p");
  ASSERT_TRUE(duties);
  EXPECT_EQ((*duties)[0].version, 3);
  EXPECT_EQ((*duties)[0].progress, "InProgress");
}

TEST_F(SqliteStore, WithoutAnExpectedVersionNothingIsCompared) {
  write_batch b;
  b.duties.push_back(row("a", "Acknowledged", 7, duty_row::how::update, std::nullopt));
  ASSERT_TRUE(s_->commit(b));
  EXPECT_EQ((*duty_rows(path_, "p"))[0].version, 7);
}

TEST_F(SqliteStore, AMissingRowIsStillAStorageErrorNotAConflict) {
  write_batch b;
  b.duties.push_back(row("ghost", "Acknowledged", 2, duty_row::how::update, 1));
  auto r = s_->commit(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::storage);
  EXPECT_NE(r.err().message.find("p/ghost"), std::string::npos) << r.err().message;
}

TEST_F(SqliteStore, OneProcessHoldsTheFileAndAlwaysLeads) {
  auto l = s_->scheduler_lease(at("2023-06-05T10:00:00+07:00"));
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->held);
  EXPECT_FALSE(l->until) << "held for as long as the process runs";
  // Asked again later: still held.
  l = s_->scheduler_lease(at("2030-01-01T00:00:00+07:00"));
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->held);
}

TEST_F(SqliteStore, SaysSingleNodeAndOutboxIdsInCommitOrder) {
  const auto caps = s_->capabilities();
  EXPECT_FALSE(caps.multi_node);
  EXPECT_FALSE(caps.group_commit);
  EXPECT_TRUE(caps.outbox_ids_in_commit_order);
  // What the watermark relies on: each commit's new rows come after every earlier one.
  std::int64_t last = 0;
  for (const char* d : {"a", "b", "a"}) {
    write_batch b;
    b.outbox.push_back(notice(d));
    b.outbox.back().point += std::chrono::minutes(last);  // a new notification each time
    ASSERT_TRUE(s_->commit(b));
    EXPECT_GT(b.outbox.front().id, last);
    last = b.outbox.front().id;
  }
}

TEST_F(SqliteStore, TheDispatcherReadsOneStoredPlanById) {
  auto p = s_->stored_plan("p");
  ASSERT_TRUE(p);
  ASSERT_TRUE(*p);
  EXPECT_EQ((*p)->content, R"({"id":"p"})");
  auto none = s_->stored_plan("nope");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(SqliteStore, OutboxStatusIsStoredByItsName) {
  auto b = move_both(1, 1, duty_row::how::update);
  ASSERT_TRUE(s_->commit(b));
  const auto id = b.outbox.front().id;
  ASSERT_TRUE(dutyflow::testing::record_attempt(*s_, id, outbox_status::skipped, 1, "no contact", std::nullopt,
                                                std::nullopt));
  SQLite::Database db(path_);
  EXPECT_EQ(db.execAndGet("SELECT status FROM outbox WHERE id = " + std::to_string(id)).getString(), "skipped");
  EXPECT_EQ(s_->outbox({})->front().status, outbox_status::skipped);
  auto counts = s_->outbox_counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at("skipped"), 1);
  // A text no dutyflow writes is a storage error, not a guess.
  SQLite::Database rw(path_, SQLite::OPEN_READWRITE);
  rw.exec("UPDATE outbox SET status = 'lost' WHERE id = " + std::to_string(id));
  auto rows = s_->outbox({});
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.err().code, errc::storage);
}

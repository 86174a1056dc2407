#include "engine/store.h"

#include "tests/support/store_probe.h"
#include "tests/support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace dutyflow;
using dutyflow::testing::all_events;
using dutyflow::testing::duty_rows;
using dutyflow::testing::record_attempt;
using dutyflow::testing::temp_dir;

namespace {

instant at(const char* iso) { return *parse_instant(iso); }

write_batch sample_batch() {
  write_batch b;
  b.plans.push_back(plan_row{"p", 1, R"({"id":"p"})", at("2023-06-05T08:00:00+07:00")});
  b.events.push_back(event_row{0, "p", "d", 1, "assigned", "dutyflowd", at("2023-06-05T08:00:00+07:00"), "",
                               nlohmann::json{{"owner", "xa-a"}}});
  b.events.push_back(event_row{0, "p", "d", 2, "acknowledge", "xa-a", at("2023-06-05T09:00:00+07:00"), "đã nhận",
                               nlohmann::json::object()});
  b.duties.push_back(duty_row{"p", "d", "report", "xa-a", "Acknowledged", "OnTrack", 2, std::nullopt,
                              at("2023-06-05T09:00:00+07:00"), std::nullopt, false, std::nullopt});
  outbox_row o;
  o.key = "p/d/assigned/2023-06-05T01:00:00Z";
  o.plan = "p";
  o.duty = "d";
  o.unit = "xa-a";
  o.reason = "assigned";
  o.point = at("2023-06-05T08:00:00+07:00");
  o.channel = "log";
  o.created_at = o.point;
  b.outbox.push_back(o);
  return b;
}

}  // namespace

TEST(Store, CommitsAndReadsBackAfterReopen) {
  temp_dir dir;
  auto path = dir.file("j.db");
  {
    auto s = open_sqlite_store({path});
    ASSERT_TRUE(s) << s.err().message;
    auto b = sample_batch();
    ASSERT_TRUE((*s)->commit(b));
    EXPECT_GT(b.events[0].id, 0);
    EXPECT_GT(b.events[1].id, b.events[0].id);
  }
  auto s = open_sqlite_store({path});
  ASSERT_TRUE(s);
  auto plans = (*s)->plans();
  ASSERT_TRUE(plans);
  ASSERT_EQ(plans->size(), 1u);
  EXPECT_EQ((*plans)[0].content, R"({"id":"p"})");
  auto all = all_events(**s);
  ASSERT_TRUE(all);
  const auto& seen = *all;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].type, "acknowledge");
  EXPECT_EQ(seen[1].note, "đã nhận");
  EXPECT_EQ(seen[0].data["owner"], "xa-a");
  EXPECT_EQ(seen[1].at, at("2023-06-05T09:00:00+07:00"));
  auto history = (*s)->history("p", "d");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 2u);
  auto duties = duty_rows(path, "p");
  ASSERT_TRUE(duties);
  ASSERT_EQ(duties->size(), 1u);
  EXPECT_EQ((*duties)[0].progress, "Acknowledged");
  EXPECT_EQ((*duties)[0].version, 2);
  auto outbox = (*s)->outbox({});
  ASSERT_TRUE(outbox);
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].status, outbox_status::pending);
}

TEST(Store, SchemaIsVersionedAndJournalIsWalAndFullySynced) {
  temp_dir dir;
  auto path = dir.file("j.db");
  ASSERT_TRUE(open_sqlite_store({path}));
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), sqlite_schema_version());
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(Store, RefusesADatabaseFromTheFuture) {
  temp_dir dir;
  auto path = dir.file("j.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  auto s = open_sqlite_store({path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.err().code, errc::storage);
}

// Schema 4 rebuilt the outbox: uniqueness moved from the key text to (point, plan, duty,
// reason), the same thing ordered by time. A journal written by schema 3 keeps its rows,
// and a notification it already holds is still not queued twice.
TEST(Store, OutboxOfSchema3MigratesWithItsRowsAndItsUniqueness) {
  temp_dir dir;
  auto path = dir.file("j.db");
  {
    auto s = open_sqlite_store({path});
    ASSERT_TRUE(s);
    auto b = sample_batch();
    ASSERT_TRUE((*s)->commit(b));
  }
  {
    // Put the outbox back as schema 3 had it, with the row in it.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(R"sql(
CREATE TABLE outbox_v3 (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, plan TEXT NOT NULL, duty TEXT NOT NULL,
  unit TEXT NOT NULL, reason TEXT NOT NULL, point INTEGER NOT NULL, channel TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, delivered_at INTEGER,
  next_attempt INTEGER, payload TEXT NOT NULL DEFAULT '{}');
INSERT INTO outbox_v3 SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_status ON outbox (status, next_attempt);
CREATE INDEX outbox_plan ON outbox (plan, duty);
DROP TABLE meta;
PRAGMA user_version = 3;
)sql");
  }
  auto s = open_sqlite_store({path});
  ASSERT_TRUE(s) << s.err().message;
  {
    SQLite::Database db(path);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), sqlite_schema_version());
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'outbox_point'").getInt(), 1);
  }
  // Schema 5: a journal from before deferred reminder progress has all of it in the duties table.
  auto progress = (*s)->unflushed_reminders();
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->flushed_through, 1);
  EXPECT_EQ(progress->last_outbox_id, 1);
  EXPECT_TRUE(progress->duties.empty());
  auto rows = (*s)->outbox({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().key, "p/d/assigned/2023-06-05T01:00:00Z");
  write_batch again;
  again.outbox = sample_batch().outbox;
  ASSERT_TRUE((*s)->commit(again));
  EXPECT_EQ((*s)->outbox({})->size(), 1u);
  // The same duty, reason and point is the same notification whatever the key text says.
  again.outbox.front().key = "another spelling";
  ASSERT_TRUE((*s)->commit(again));
  EXPECT_EQ((*s)->outbox({})->size(), 1u);
  again.outbox.front().point += std::chrono::microseconds(1);
  ASSERT_TRUE((*s)->commit(again));
  EXPECT_EQ((*s)->outbox({})->size(), 2u);
}

TEST(Store, JournalIsAppendOnly) {
  temp_dir dir;
  auto path = dir.file("j.db");
  {
    auto s = open_sqlite_store({path});
    auto b = sample_batch();
    ASSERT_TRUE((*s)->commit(b));
  }
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE events SET type = 'approve'"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM events"), SQLite::Exception);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM events").getInt(), 2);
}

TEST(Store, AFailedCommitWritesNothing) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto first = sample_batch();
  ASSERT_TRUE((*s)->commit(first));
  // Same (plan, duty, seq) again: the unique key refuses it, and the whole batch rolls back.
  write_batch again;
  again.events.push_back(event_row{0, "p", "d", 3, "start", "xa-a", at("2023-06-06T09:00:00+07:00"), "", {}});
  again.events.push_back(event_row{0, "p", "d", 2, "start", "xa-a", at("2023-06-06T09:00:00+07:00"), "", {}});
  auto r = (*s)->commit(again);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::storage);
  EXPECT_EQ(*(*s)->event_count(), 2);
  // The store is still usable afterwards.
  write_batch next;
  next.events.push_back(event_row{0, "p", "d", 3, "start", "xa-a", at("2023-06-06T09:00:00+07:00"), "", {}});
  EXPECT_TRUE((*s)->commit(next));
  EXPECT_EQ(*(*s)->event_count(), 3);
}

TEST(Store, OutboxKeysAreUnique) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  auto b = sample_batch();
  ASSERT_TRUE((*s)->commit(b));
  write_batch again;
  again.outbox = b.outbox;
  ASSERT_TRUE((*s)->commit(again));
  EXPECT_EQ((*s)->outbox({})->size(), 1u);
  outbox_filter f;
  f.reason = "overdue";
  EXPECT_TRUE((*s)->outbox(f)->empty());
}

// The listing by plan and duty reads a range of the unique key ("plan/duty/reason/point"):
// ids that share a prefix ("p1", "p1-x", "p10"; "d", "d.xa-a", "d-2") must not leak into it.
TEST(Store, OutboxByPlanAndDutyTakesNoNeighbours) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  write_batch b;
  for (std::string plan : {"p1", "p1-x", "p10", "p"}) {
    for (std::string duty : {"d", "d.xa-a", "d-2", "dd"}) {
      outbox_row o;
      o.plan = plan;
      o.duty = duty;
      o.unit = "xa-a";
      o.reason = "assigned";
      o.point = at("2023-06-05T08:00:00+07:00");
      o.key = plan + "/" + duty + "/assigned/2023-06-05T01:00:00Z";
      o.channel = "log";
      o.created_at = o.point;
      b.outbox.push_back(o);
    }
  }
  ASSERT_TRUE((*s)->commit(b));
  outbox_filter f;
  f.plan = "p1";
  auto rows = (*s)->outbox(f);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 4u);
  for (const auto& r : *rows) EXPECT_EQ(r.plan, "p1");
  f.duty = "d";
  rows = (*s)->outbox(f);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().duty, "d");
  f.duty = "d.xa-a";
  EXPECT_EQ((*s)->outbox(f)->size(), 1u);
  f.plan = "";
  f.duty = "d";
  EXPECT_EQ((*s)->outbox(f)->size(), 4u);  // every plan's "d"
}

TEST(Store, ParametersAreNeverSql) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  auto b = sample_batch();
  ASSERT_TRUE((*s)->commit(b));
  outbox_filter f;
  f.plan = "p' OR '1'='1";
  EXPECT_TRUE((*s)->outbox(f)->empty());
  EXPECT_TRUE((*s)->history("p' OR '1'='1", "d")->empty());
}

TEST(Store, DueOutboxAndRecordedAttempts) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  auto b = sample_batch();
  ASSERT_TRUE((*s)->commit(b));
  auto now = at("2023-06-05T08:00:00+07:00");
  auto due = (*s)->claim_due(now, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  auto id = (*due)[0].id;
  ASSERT_TRUE(record_attempt(**s, id, outbox_status::pending, 1, "connection refused", std::nullopt, now + std::chrono::minutes(1)));
  EXPECT_TRUE((*s)->claim_due(now, 10)->empty()) << "not due again before its next attempt";
  EXPECT_EQ((*s)->claim_due(now + std::chrono::minutes(1), 10)->size(), 1u);
  ASSERT_TRUE(record_attempt(**s, id, outbox_status::delivered, 2, "", now + std::chrono::minutes(1), std::nullopt));
  EXPECT_TRUE((*s)->claim_due(now + std::chrono::hours(1), 10)->empty());
  auto row = (*(*s)->outbox({}))[0];
  EXPECT_EQ(row.status, outbox_status::delivered);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_FALSE(record_attempt(**s, 9999, outbox_status::delivered, 1, "", now, std::nullopt));
}

namespace {

// Three pending outbox rows of plan "p", their ids in order.
std::vector<std::int64_t> three_rows(store& s) {
  write_batch b;
  for (const char* reason : {"assigned", "due_soon", "overdue"}) {
    outbox_row o;
    o.key = std::string("p/d/") + reason + "/2023-06-05T01:00:00Z";
    o.plan = "p";
    o.duty = "d";
    o.unit = "xa-a";
    o.reason = reason;
    o.point = at("2023-06-05T08:00:00+07:00");
    o.channel = "log";
    o.created_at = o.point;
    b.outbox.push_back(o);
  }
  EXPECT_TRUE(s.commit(b));
  std::vector<std::int64_t> ids;
  const auto rows = s.outbox({});
  for (const auto& r : *rows) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST(Store, RecordAttemptsWritesEveryRecord) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  const auto ids = three_rows(**s);
  ASSERT_EQ(ids.size(), 3u);
  const auto now = at("2023-06-05T08:00:00+07:00");
  auto unknown = (*s)->record_attempts({
      {ids[0], outbox_status::delivered, 1, "", now, std::nullopt},
      {ids[1], outbox_status::pending, 1, "connection refused", std::nullopt, now + std::chrono::minutes(1)},
      {ids[2], outbox_status::failed, 8, "refused for good", std::nullopt, std::nullopt},
  });
  ASSERT_TRUE(unknown) << unknown.err().message;
  EXPECT_TRUE(unknown->empty());
  std::map<std::int64_t, outbox_row> rows;
  const auto read = (*s)->outbox({});
  for (const auto& r : *read) rows[r.id] = r;
  EXPECT_EQ(rows[ids[0]].status, outbox_status::delivered);
  EXPECT_EQ(rows[ids[0]].delivered_at, now);
  EXPECT_EQ(rows[ids[1]].status, outbox_status::pending);
  EXPECT_EQ(rows[ids[1]].last_error, "connection refused");
  EXPECT_EQ(rows[ids[2]].status, outbox_status::failed);
  EXPECT_EQ(rows[ids[2]].attempts, 8);
  // The retried row comes back when its next attempt is due, not before.
  EXPECT_TRUE((*s)->claim_due(now, 10)->empty());
  const auto due = (*s)->claim_due(now + std::chrono::minutes(1), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, ids[1]);
  // Nothing to record is no error.
  auto none = (*s)->record_attempts({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Store, RecordAttemptsSkipsUnknownIdsAndNamesThem) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  const auto ids = three_rows(**s);
  const auto now = at("2023-06-05T08:00:00+07:00");
  auto unknown = (*s)->record_attempts({
      {9999, outbox_status::delivered, 1, "", now, std::nullopt},
      {ids[1], outbox_status::delivered, 1, "", now, std::nullopt},
      {4242, outbox_status::failed, 1, "x", std::nullopt, std::nullopt},
  });
  ASSERT_TRUE(unknown) << unknown.err().message;
  EXPECT_EQ(*unknown, (std::vector<std::int64_t>{9999, 4242}));
  const auto rows = (*s)->outbox({});
  for (const auto& r : *rows) EXPECT_EQ(r.status, r.id == ids[1] ? outbox_status::delivered : outbox_status::pending) << r.id;
  // The single-row form still calls an unknown id not_found.
  auto one = record_attempt(**s, 9999, outbox_status::delivered, 1, "", now, std::nullopt);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.err().code, errc::not_found);
}

TEST(Store, RecordAttemptsThatFailWriteNothing) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  const auto ids = three_rows(**s);
  {
    // The write of the last record fails (as a full disk would) after the first two
    // were written inside the transaction.
    SQLite::Database other(dir.file("j.db"), SQLite::OPEN_READWRITE);
    other.exec("CREATE TRIGGER fail_last BEFORE UPDATE ON outbox WHEN NEW.id = " + std::to_string(ids[2]) +
               " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
  }
  const auto now = at("2023-06-05T08:00:00+07:00");
  auto r = (*s)->record_attempts({
      {ids[0], outbox_status::delivered, 1, "", now, std::nullopt},
      {ids[1], outbox_status::delivered, 1, "", now, std::nullopt},
      {ids[2], outbox_status::delivered, 1, "", now, std::nullopt},
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::storage);
  const auto rows = (*s)->outbox({});
  for (const auto& row : *rows) {
    EXPECT_EQ(row.status, outbox_status::pending) << row.id;
    EXPECT_EQ(row.attempts, 0) << row.id;
  }
  EXPECT_EQ((*s)->claim_due(now, 10)->size(), 3u);
  // The connection is usable again once the cause is gone.
  {
    SQLite::Database other(dir.file("j.db"), SQLite::OPEN_READWRITE);
    other.exec("DROP TRIGGER fail_last");
  }
  auto again = (*s)->record_attempts({{ids[2], outbox_status::delivered, 1, "", now, std::nullopt}});
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_EQ((*s)->claim_due(now, 10)->size(), 2u);
}

TEST(Store, ScanHandsOutWhatEventsAfterReads) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto b = sample_batch();
  ASSERT_TRUE((*s)->commit(b));
  auto whole = all_events(**s);
  ASSERT_TRUE(whole);
  const auto& full = *whole;
  ASSERT_EQ(full.size(), 2u);
  std::size_t i = 0;
  ASSERT_TRUE((*s)->scan([&](const event_view& e) {
    ASSERT_LT(i, full.size());
    EXPECT_EQ(e.id, full[i].id);
    EXPECT_EQ(e.plan, full[i].plan);
    EXPECT_EQ(e.duty, full[i].duty);
    EXPECT_EQ(e.seq, full[i].seq);
    EXPECT_EQ(e.type, full[i].type);
    EXPECT_EQ(e.at, full[i].at);
    EXPECT_EQ(nlohmann::json::parse(e.data), full[i].data);
    ++i;
  }));
  EXPECT_EQ(i, full.size());
}

TEST(Store, AnUpdateOfADutyWithNoRowFailsTheWholeCommit) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto first = sample_batch();
  ASSERT_TRUE((*s)->commit(first));

  write_batch b;
  b.events.push_back(event_row{0, "p", "d", 3, "start", "xa-a", at("2023-06-05T10:00:00+07:00"), "", {}});
  b.duties.push_back(duty_row{"p", "d", "report", "xa-a", "InProgress", "OnTrack", 3, std::nullopt,
                              at("2023-06-05T10:00:00+07:00"), std::nullopt, false, std::nullopt,
                              duty_row::how::update});
  b.duties.push_back(duty_row{"p", "ghost", "report", "xa-a", "InProgress", "OnTrack", 2, std::nullopt,
                              at("2023-06-05T10:00:00+07:00"), std::nullopt, false, std::nullopt,
                              duty_row::how::update});
  auto r = (*s)->commit(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::storage);
  EXPECT_NE(r.err().message.find("p/ghost"), std::string::npos) << r.err().message;
  auto count = (*s)->event_count();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 2);  // the start event rolled back with the bad row
  auto duties = duty_rows(dir.file("j.db"), "p");
  ASSERT_TRUE(duties);
  ASSERT_EQ(duties->size(), 1u);
  EXPECT_EQ((*duties)[0].progress, "Acknowledged");

  // An update that names the owner moves it; one that does not leaves it.
  write_batch moved;
  moved.duties.push_back(duty_row{"p", "d", "report", "xa-b", "Assigned", "OnTrack", 3, std::nullopt,
                                  at("2023-06-05T10:00:00+07:00"), std::nullopt, false, std::nullopt,
                                  duty_row::how::update_owner});
  moved.duties.push_back(duty_row{"p", "d", "report", "ignored", "Acknowledged", "OnTrack", 4, std::nullopt,
                                  at("2023-06-05T10:00:00+07:00"), std::nullopt, false, std::nullopt,
                                  duty_row::how::update});
  ASSERT_TRUE((*s)->commit(moved));
  duties = duty_rows(dir.file("j.db"), "p");
  ASSERT_TRUE(duties);
  EXPECT_EQ((*duties)[0].owner, "xa-b");
  EXPECT_EQ((*duties)[0].version, 4);
}

// The scheduler's reminder progress reaches the duties table later than the outbox rows
// that record it: unflushed_reminders() reads back what came after the watermark, the
// reminders only (the overdue state's own notice is not one), and a progress write
// touches reminded_until alone.
TEST(Store, UnflushedRemindersAreTheReminderRowsPastTheWatermark) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto first = sample_batch();
  ASSERT_TRUE((*s)->commit(first));
  EXPECT_EQ(first.outbox.front().id, 1);
  auto progress = (*s)->unflushed_reminders();
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->flushed_through, 0);
  EXPECT_EQ(progress->last_outbox_id, 1);
  EXPECT_TRUE(progress->duties.empty()) << "an assignment is no reminder";

  auto row = [](const char* duty, const char* reason, const char* point, nlohmann::json payload) {
    outbox_row o = sample_batch().outbox.front();
    o.duty = duty;
    o.reason = reason;
    o.point = at(point);
    o.key = std::string("p/") + duty + "/" + reason + "/" + point;
    o.payload = std::move(payload);
    return o;
  };
  write_batch sent;
  sent.outbox.push_back(row("d", "reminder", "2023-06-13T00:00:00+07:00", {{"before", "3d"}}));
  sent.outbox.push_back(row("d", "overdue", "2023-06-16T00:00:00+07:00", {{"event", "overdue"}}));
  sent.outbox.push_back(row("e", "overdue", "2023-06-17T00:00:00+07:00", {{"repeat", "1"}}));
  sent.outbox.push_back(row("e", "due_soon", "2023-06-18T00:00:00+07:00", {{"event", "due_soon"}}));
  sent.outbox.push_back(row("f", "catch_up", "2023-06-19T00:00:00+07:00", {{"missed", {"reminder"}}}));
  ASSERT_TRUE((*s)->commit(sent));
  EXPECT_EQ(sent.outbox.back().id, 6);
  write_batch again;
  again.outbox.push_back(sent.outbox.front());
  ASSERT_TRUE((*s)->commit(again));
  EXPECT_EQ(again.outbox.front().id, 0) << "a row whose key existed is not written and gets no id";

  progress = (*s)->unflushed_reminders();
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->last_outbox_id, 6);
  std::map<std::string, std::string> points;
  for (const auto& p : progress->duties)
    points[p.plan + "/" + p.duty] = format_instant(p.point, std::chrono::minutes(420));
  EXPECT_EQ(points, (std::map<std::string, std::string>{{"p/d", "2023-06-13T00:00:00+07:00"},
                                                        {"p/e", "2023-06-17T00:00:00+07:00"},
                                                        {"p/f", "2023-06-19T00:00:00+07:00"}}));

  // The progress of d written, and the watermark moved past the first three reminders.
  write_batch flush;
  duty_row r;
  r.plan = "p";
  r.duty = "d";
  r.reminded_until = at("2023-06-13T00:00:00+07:00");
  r.write = duty_row::how::progress;
  flush.duties.push_back(r);
  flush.reminders_flushed_through = 4;
  ASSERT_FALSE(flush.empty());
  ASSERT_TRUE((*s)->commit(flush));
  auto duties = duty_rows(dir.file("j.db"), "p");
  ASSERT_TRUE(duties);
  ASSERT_EQ(duties->size(), 1u);
  EXPECT_EQ((*duties)[0].reminded_until, at("2023-06-13T00:00:00+07:00"));
  EXPECT_EQ((*duties)[0].updated_at, at("2023-06-05T09:00:00+07:00")) << "progress is no change of the duty";
  EXPECT_EQ((*duties)[0].version, 2);
  progress = (*s)->unflushed_reminders();
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->flushed_through, 4);
  ASSERT_EQ(progress->duties.size(), 1u);
  EXPECT_EQ(progress->duties[0].duty, "f");

  // Progress for a duty with no row fails the commit, watermark and all.
  write_batch ghost;
  r.duty = "ghost";
  ghost.duties.push_back(r);
  ghost.reminders_flushed_through = 6;
  EXPECT_FALSE((*s)->commit(ghost));
  EXPECT_EQ((*s)->unflushed_reminders()->flushed_through, 4);
}

// A restart reads the duties table through scan_duty_rows(): it hands out what a full read
// of the rows holds, by plan and duty.
TEST(Store, ScanDutyRowsHandsOutWhatDutyRowsRead) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto first = sample_batch();
  ASSERT_TRUE((*s)->commit(first));
  write_batch more;
  more.plans.push_back(plan_row{"a", 1, R"({"id":"a"})", at("2023-06-05T08:00:00+07:00")});
  more.duties.push_back(duty_row{"a", "z", "report", "xa-b", "Assigned", "OnTrack", 1, std::nullopt,
                                 at("2023-06-05T08:00:00+07:00"), std::nullopt, false,
                                 at("2023-06-06T00:00:00+07:00")});
  more.duties.push_back(duty_row{"a", "b", "report", "xa-a", "Assigned", "Overdue", 3, std::nullopt,
                                 at("2023-06-05T08:00:00+07:00"), std::nullopt, false, std::nullopt});
  ASSERT_TRUE((*s)->commit(more));
  auto text = [](const duty_row_view& d) {
    return std::string(d.plan) + "/" + std::string(d.duty) + " " + std::string(d.owner) + " " +
           std::string(d.progress) + "/" + std::string(d.timeliness) + " v" + std::to_string(d.version) + " " +
           (d.reminded_until ? format_instant(*d.reminded_until, std::chrono::minutes(420)) : "-");
  };
  std::vector<std::string> own, adapted;
  ASSERT_TRUE((*s)->scan_duty_rows([&](const duty_row_view& d) { own.push_back(text(d)); }));
  for (const char* plan : {"a", "p"}) {
    auto rows = duty_rows(dir.file("j.db"), plan);
    ASSERT_TRUE(rows);
    for (const auto& d : *rows)
      adapted.push_back(text(duty_row_view{d.plan, d.duty, d.owner, d.progress, d.timeliness, d.version,
                                           d.reminded_until}));
  }
  EXPECT_EQ(own, (std::vector<std::string>{"a/b xa-a Assigned/Overdue v3 -",
                                           "a/z xa-b Assigned/OnTrack v1 2023-06-06T00:00:00+07:00",
                                           "p/d xa-a Acknowledged/OnTrack v2 -"}));
  EXPECT_EQ(adapted, own);
}

// The live stream's replay and /metrics read the journal on a connection of their own,
// off the engine thread (issue 16, finding 3).
TEST(JournalReader, ReadsWhatIsCommittedInPagesBoundedByEventsAndBytes) {
  temp_dir dir;
  auto s = open_sqlite_store({dir.file("j.db")});
  ASSERT_TRUE(s);
  auto reader = open_sqlite_journal_reader(dir.file("j.db"));
  ASSERT_TRUE(reader) << reader.err().message;
  auto empty = (*reader)->last_event_id();
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, 0);
  write_batch b;
  b.plans.push_back(plan_row{"p", 1, R"({"id":"p"})", at("2023-06-05T08:00:00+07:00")});
  for (int i = 1; i <= 10; ++i)
    b.events.push_back(event_row{0, "p", "d", i, "comment", "xa-a", at("2023-06-05T09:00:00+07:00"),
                                 std::string(1000, 'n'), nlohmann::json::object()});
  ASSERT_TRUE((*s)->commit(b));

  auto last = (*reader)->last_event_id();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 10) << "a commit on the writer's connection is seen by the reader's next read";
  auto four = (*reader)->events_after(3, 4, 1 << 20);
  ASSERT_TRUE(four);
  ASSERT_EQ(four->size(), 4u);
  EXPECT_EQ(four->front().id, 4);
  EXPECT_EQ(four->back().id, 7);
  EXPECT_EQ(four->front().note, std::string(1000, 'n'));
  // A page ends after the event that takes its notes past the bytes given; never empty.
  auto by_bytes = (*reader)->events_after(0, 100, 2500);
  ASSERT_TRUE(by_bytes);
  EXPECT_EQ(by_bytes->size(), 3u);
  auto one = (*reader)->events_after(0, 100, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  auto none = (*reader)->events_after(10, 100, 1 << 20);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto more = (*reader)->more_than(0, 9);
  ASSERT_TRUE(more);
  EXPECT_TRUE(*more);
  more = (*reader)->more_than(0, 10);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  more = (*reader)->more_than(5, 4);
  ASSERT_TRUE(more);
  EXPECT_TRUE(*more);
  auto bytes = (*reader)->size_bytes();
  ASSERT_TRUE(bytes);
  EXPECT_GT(*bytes, 10 * 1000);
}

TEST(JournalReader, IsReadOnlyAndSaysWhenItCannotOpen) {
  temp_dir dir;
  EXPECT_FALSE(open_sqlite_journal_reader(dir.file("missing.db")));
  ASSERT_TRUE(open_sqlite_store({dir.file("j.db")}));
  auto reader = open_sqlite_journal_reader(dir.file("j.db"));
  ASSERT_TRUE(reader);
  SQLite::Database check(dir.file("j.db"), SQLite::OPEN_READONLY);
  EXPECT_EQ(check.execAndGet("SELECT count(*) FROM events").getInt64(), 0);
}

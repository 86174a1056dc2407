#include "engine/backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "engine/store.h"
#include "tests/support/temp_dir.h"

using namespace dutyflow;
using dutyflow::testing::read_file;
using dutyflow::testing::temp_dir;
using dutyflow::testing::write_file;

namespace {

const instant t0 = *parse_instant("2023-06-05T08:00:00+07:00");

// One duty's next event, with enough data that the journal spans many pages.
write_batch event_batch(std::int64_t seq) {
  write_batch b;
  b.events.push_back(event_row{0, "p", "d", seq, "comment", "xa-a", t0, std::string(800, 'x'), {}});
  b.duties.push_back(duty_row{"p", "d", "report", "xa-a", "Assigned", "OnTrack", seq, std::nullopt, t0, std::nullopt,
                              false, std::nullopt});
  return b;
}

std::int64_t count(const std::string& path, const char* sql) {
  SQLite::Database db(path);
  return db.execAndGet(sql).getInt64();
}

bool leftovers(const temp_dir& dir) {
  for (const auto& f : std::filesystem::directory_iterator(dir.path()))
    if (f.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(Backup, CopiesOneSnapshotPageByPageWhileTheStoreKeepsCommitting) {
  temp_dir dir;
  const auto journal = dir.file("journal.db");
  auto db = open_sqlite_store({journal, "normal"});
  ASSERT_TRUE(db) << db.err().message;
  std::int64_t seq = 0;
  for (; seq < 600; ++seq) {
    auto b = event_batch(seq + 1);
    ASSERT_TRUE((*db)->commit(b));
  }

  // The writer commits on its own thread (the store's one thread) for as long as the backup runs.
  std::mutex m;
  std::condition_variable cv;
  std::int64_t committed = seq;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::int64_t s = seq + 1; !done; ++s) {
      auto b = event_batch(s);
      if (!(*db)->commit(b)) break;
      std::lock_guard lock(m);
      committed = s;
      cv.notify_all();
    }
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return committed >= seq + 10; });
  }
  backup_options o{journal, dir.file("copy.db"), false, 1};
  auto r = backup_sqlite(o);
  std::int64_t after;
  {
    std::lock_guard lock(m);
    after = committed;
  }
  done = true;
  writer.join();
  ASSERT_TRUE(r) << r.err().message;

  // One page per step and no restart although the writer committed meanwhile: one snapshot.
  EXPECT_GT(r->pages, 100);
  EXPECT_LE(r->steps, r->pages + 1);
  EXPECT_GE(r->events, seq + 10);
  EXPECT_LE(r->events, after);
  // A consistent copy: the journal without holes up to its last event, and the duties
  // row written in the same transaction as that event.
  const auto copy = dir.file("copy.db");
  EXPECT_EQ(count(copy, "SELECT count(*) FROM events"), r->last_event_id);
  EXPECT_EQ(count(copy, "SELECT max(seq) FROM events"), count(copy, "SELECT version FROM duties"));
  EXPECT_EQ(SQLite::Database(copy).execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(SQLite::Database(copy).execAndGet("PRAGMA journal_mode").getString(), "delete");
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
  EXPECT_FALSE(leftovers(dir));

  // The copy opens as a store and replays.
  auto reopened = open_sqlite_store({copy});
  ASSERT_TRUE(reopened) << reopened.err().message;
  std::int64_t replayed = 0;
  ASSERT_TRUE((*reopened)->scan([&](const event_view&) { ++replayed; }));
  EXPECT_EQ(replayed, r->events);
}

TEST(Backup, AnExistingDestinationIsKeptUnlessForced) {
  temp_dir dir;
  const auto journal = dir.file("journal.db");
  {
    auto db = open_sqlite_store({journal});
    ASSERT_TRUE(db);
    auto b = event_batch(1);
    ASSERT_TRUE((*db)->commit(b));
  }
  write_file(dir.file("old.db"), "an earlier backup");
  auto refused = backup_sqlite({journal, dir.file("old.db"), false, 256});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().code, errc::invalid);
  EXPECT_NE(refused.err().message.find("--force"), std::string::npos) << refused.err().message;
  EXPECT_EQ(read_file(dir.file("old.db")), "an earlier backup");
  EXPECT_FALSE(leftovers(dir));

  auto forced = backup_sqlite({journal, dir.file("old.db"), true, 256});
  ASSERT_TRUE(forced) << forced.err().message;
  EXPECT_EQ(forced->events, 1);
  EXPECT_EQ(count(dir.file("old.db"), "SELECT count(*) FROM events"), 1);
}

TEST(Backup, BadPathsAreErrorsThatLeaveNothingBehind) {
  temp_dir dir;
  const auto journal = dir.file("journal.db");
  ASSERT_TRUE(open_sqlite_store({journal}));
  write_file(dir.file("notes.txt"), "not a database");
  {
    SQLite::Database other(dir.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE t (x)");
  }
  struct bad_case {
    std::string source, dest;
    errc code;
    const char* says;
  };
  const bad_case cases[] = {
      {dir.file("missing.db"), dir.file("a.db"), errc::not_found, "no journal at"},
      {journal, dir.file("no-such-dir/a.db"), errc::invalid, "does not exist"},
      {journal, dir.path().string(), errc::invalid, "is a directory"},
      {journal, journal, errc::invalid, "is the journal itself"},
      {dir.file("other.db"), dir.file("a.db"), errc::invalid, "not a dutyflow journal"},
      {dir.file("notes.txt"), dir.file("a.db"), errc::storage, "not a database"},
      {dir.path().string(), dir.file("a.db"), errc::invalid, "not a journal file"},
  };
  for (const auto& c : cases) {
    auto r = backup_sqlite({c.source, c.dest, true, 256});
    ASSERT_FALSE(r) << c.source << " -> " << c.dest;
    EXPECT_EQ(r.err().code, c.code) << r.err().message;
    EXPECT_NE(r.err().message.find(c.says), std::string::npos) << r.err().message;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.db")));
  EXPECT_FALSE(leftovers(dir));
}

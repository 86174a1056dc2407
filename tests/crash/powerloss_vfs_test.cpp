// The power-loss VFS (tests/support/powerloss_vfs.h) and what SQLite and the store make of
// it. Each power loss happens in a forked child, which the VFS kills; the parent reads
// what is left on disk with the plain unix VFS, as the next start of dutyflowd would.
//  - writes not synced are dropped, kept or torn; synced bytes survive every fate;
//  - a file's name needs a directory sync, and a delete does too;
//  - SQLite in WAL mode with synchronous=FULL recovers an intact database holding every
//    transaction whose commit returned, wherever in a commit or checkpoint power fails,
//    and so does the store with every event, duty row and outbox row it committed;
//  - the model has teeth: synchronous=NORMAL loses commits, and a rollback journal whose
//    delete was not synced rolls back a commit that returned (SQLite's synchronous=EXTRA).
#include "tests/support/powerloss_vfs.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine/store.h"
#include "tests/support/store_probe.h"
#include "tests/support/temp_dir.h"

using namespace dutyflow;
using dutyflow::testing::read_file;
using dutyflow::testing::temp_dir;
using dutyflow::testing::write_file;
namespace powerloss = dutyflow::testing::powerloss;

namespace {

constexpr const char* psow_vfs = "powerloss";
constexpr const char* trashing_vfs = "powerloss-sectors";

void install_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    powerloss::vfs_options psow;
    ASSERT_EQ(powerloss::install(psow), SQLITE_OK);
    powerloss::vfs_options trashing;
    trashing.name = trashing_vfs;
    trashing.powersafe_overwrite = false;
    ASSERT_EQ(powerloss::install(trashing), SQLITE_OK);
  });
}

// What a child left: how it ended (128 + signal when killed), the numbers it reported on
// its pipe before that, and its stderr (the VFS's "powerloss:" line).
struct child_result {
  int status = -1;
  std::vector<std::int64_t> reported;
  std::string log;
};

// Runs `body` in a child process; `body` reports numbers through the descriptor it gets.
// A body that returns exits 0: no power loss happened.
child_result in_child(const temp_dir& dir, const std::function<void(int)>& body) {
  const auto log_path = dir.file("child.log");
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const int pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(log, 2);
    body(pipe_fds[1]);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  child_result out;
  std::int64_t v = 0;
  while (::read(pipe_fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) out.reported.push_back(v);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  out.log = read_file(log_path);
  return out;
}

void report(int fd, std::int64_t v) {
  if (::write(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) ::_exit(4);
}

constexpr int killed = 128 + SIGKILL;

// A file opened straight through a VFS's methods, as SQLite opens them. In a child a
// failed step exits 5; in the parent it is a test failure.
class raw_file {
 public:
  raw_file(const char* vfs, const std::string& path, int flags = SQLITE_OPEN_MAIN_DB)
      : vfs_(sqlite3_vfs_find(vfs)), name_(path) {
    // SQLite's names end in two NULs (URI parameters could follow).
    name_.append(2, '\0');
    memory_.resize(static_cast<std::size_t>(vfs_->szOsFile) / sizeof(std::max_align_t) + 1);
    file_ = reinterpret_cast<sqlite3_file*>(memory_.data());
    int out = 0;
    ok_ =
        vfs_->xOpen(vfs_, name_.c_str(), file_, flags | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out) == SQLITE_OK;
  }
  ~raw_file() {
    if (file_->pMethods) file_->pMethods->xClose(file_);
  }
  raw_file(const raw_file&) = delete;
  raw_file& operator=(const raw_file&) = delete;

  bool ok() const { return ok_; }
  bool write(std::int64_t offset, const std::string& bytes) {
    return file_->pMethods->xWrite(file_, bytes.data(), static_cast<int>(bytes.size()), offset) == SQLITE_OK;
  }
  bool sync() { return file_->pMethods->xSync(file_, SQLITE_SYNC_FULL) == SQLITE_OK; }
  bool truncate(std::int64_t size) { return file_->pMethods->xTruncate(file_, size) == SQLITE_OK; }
  std::string read(std::int64_t offset, int n) {
    std::string out(static_cast<std::size_t>(n), '?');
    const int rc = file_->pMethods->xRead(file_, out.data(), n, offset);
    return rc == SQLITE_OK || rc == SQLITE_IOERR_SHORT_READ ? out : "error";
  }
  std::int64_t size() {
    sqlite3_int64 s = -1;
    file_->pMethods->xFileSize(file_, &s);
    return s;
  }
  int device_characteristics() { return file_->pMethods->xDeviceCharacteristics(file_); }

 private:
  sqlite3_vfs* vfs_;
  std::string name_;
  std::vector<std::max_align_t> memory_;
  sqlite3_file* file_ = nullptr;
  bool ok_ = false;
};

void must(bool ok) {
  if (!ok) ::_exit(5);
}

std::string fill(char c, std::size_t n) {
  return std::string(n, c);
}

// A file that exists before the child starts, so that its name is durable: only its bytes
// are at stake.
std::string durable_file(const temp_dir& dir, const std::string& name) {
  write_file(dir.file(name), "");
  return dir.file(name);
}

class PowerLossVfs : public ::testing::Test {
 protected:
  void SetUp() override { install_once(); }
  temp_dir dir_;
};

}  // namespace

TEST_F(PowerLossVfs, ReadsSeeUnsyncedWritesOfEveryHandleAndASyncWritesThemAll) {
  const auto path = dir_.file("shared.db");
  raw_file a(psow_vfs, path), b(psow_vfs, path);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a.write(0, fill('a', 4096)));
  ASSERT_TRUE(a.write(4096, fill('b', 100)));
  EXPECT_EQ(b.read(4090, 10), "aaaaaabbbb");
  EXPECT_EQ(b.size(), 4196);
  EXPECT_EQ(std::filesystem::file_size(path), 0u) << "written before any sync";
  ASSERT_TRUE(b.truncate(4100));
  EXPECT_EQ(a.size(), 4100);
  EXPECT_EQ(a.read(4096, 8), std::string("bbbb") + std::string(4, '\0')) << "a short read ends in zeros";
  ASSERT_TRUE(b.sync());
  EXPECT_EQ(read_file(path), fill('a', 4096) + "bbbb");
}

TEST_F(PowerLossVfs, UnsyncedWritesAreLostAndSyncedOnesSurvive) {
  const auto path = durable_file(dir_, "f.db");
  auto child = in_child(dir_, [&](int) {
    raw_file f(psow_vfs, path);
    must(f.ok() && f.write(0, fill('a', 8192)) && f.sync());
    must(f.write(2048, fill('b', 4096)) && f.write(8192, fill('c', 4096)));
    powerloss::lose_power(1, powerloss::fate::drop_all);
  });
  EXPECT_EQ(child.status, killed) << child.log;
  EXPECT_NE(child.log.find("powerloss: seed=1 moment=at-once style=drop_all files=1 pending=2 kept=0 dropped=2"),
            std::string::npos)
      << child.log;
  EXPECT_EQ(read_file(path), fill('a', 8192));
}

TEST_F(PowerLossVfs, KeepAllLeavesWhatSigkillWould) {
  const auto path = durable_file(dir_, "f.db");
  auto child = in_child(dir_, [&](int) {
    raw_file f(psow_vfs, path);
    must(f.ok() && f.write(0, fill('a', 8192)) && f.sync());
    must(f.write(2048, fill('b', 4096)) && f.write(8192, fill('c', 4096)));
    powerloss::lose_power(1, powerloss::fate::keep_all);
  });
  EXPECT_EQ(child.status, killed) << child.log;
  EXPECT_EQ(read_file(path), fill('a', 2048) + fill('b', 4096) + fill('a', 2048) + fill('c', 4096));
}

TEST_F(PowerLossVfs, ATornWriteDamagesOnlyTheBytesItWrote) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const auto path = durable_file(dir_, "torn-" + std::to_string(seed) + ".db");
    auto child = in_child(dir_, [&](int) {
      raw_file f(psow_vfs, path);
      must(f.ok() && f.write(0, fill('a', 8192)) && f.sync());
      must(f.write(2048, fill('b', 4096)) && f.write(8192, fill('c', 4096)));
      powerloss::lose_power(seed, powerloss::fate::tear_all);
    });
    ASSERT_EQ(child.status, killed) << child.log;
    const auto left = read_file(path);
    ASSERT_GE(left.size(), 8192u) << "seed " << seed;
    ASSERT_LE(left.size(), 12288u) << "seed " << seed;
    EXPECT_EQ(left.substr(0, 2048), fill('a', 2048)) << "seed " << seed;
    EXPECT_EQ(left.substr(6144, 2048), fill('a', 2048)) << "seed " << seed;
    EXPECT_NE(left.substr(2048, 4096), fill('b', 4096)) << "seed " << seed << ": not torn";
    if (left.size() == 12288u) {
      EXPECT_NE(left.substr(8192), fill('c', 4096)) << "seed " << seed << ": not torn";
    }
  }
}

TEST_F(PowerLossVfs, WithoutPowersafeOverwriteATearTrashesTheSectorsItTouches) {
  {
    raw_file psow(psow_vfs, dir_.file("psow.db")), trashing(trashing_vfs, dir_.file("trashing.db"));
    ASSERT_TRUE(psow.ok() && trashing.ok());
    EXPECT_EQ(psow.device_characteristics(), SQLITE_IOCAP_POWERSAFE_OVERWRITE);
    EXPECT_EQ(trashing.device_characteristics(), 0) << "claims no atomic write, safe append or powersafe overwrite";
  }
  int trashed_beyond_the_write = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto path = durable_file(dir_, "sectors-" + std::to_string(seed) + ".db");
    auto child = in_child(dir_, [&](int) {
      raw_file f(trashing_vfs, path);
      must(f.ok() && f.write(0, fill('a', 16384)) && f.sync());
      must(f.write(5000, fill('b', 100)));
      powerloss::lose_power(seed, powerloss::fate::tear_all);
    });
    ASSERT_EQ(child.status, killed) << child.log;
    const auto left = read_file(path);
    ASSERT_EQ(left.size(), 16384u);
    EXPECT_EQ(left.substr(0, 4096) + left.substr(8192), fill('a', 12288)) << "seed " << seed << ": outside its sector";
    if (left.substr(4096, 904) != fill('a', 904)) ++trashed_beyond_the_write;
  }
  EXPECT_GT(trashed_beyond_the_write, 0) << "a torn sector takes its synced neighbours with it";
}

TEST_F(PowerLossVfs, EverySyncedByteSurvivesEveryRandomFate) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const auto path = durable_file(dir_, "random-" + std::to_string(seed) + ".db");
    auto child = in_child(dir_, [&](int) {
      raw_file f(psow_vfs, path);
      must(f.ok() && f.write(0, fill('a', 16384)) && f.sync());
      must(f.write(4096, fill('b', 4096)) && f.write(12000, fill('c', 100)) && f.write(20000, fill('d', 4096)));
      powerloss::lose_power(seed);
    });
    ASSERT_EQ(child.status, killed) << child.log;
    const auto left = read_file(path);
    ASSERT_GE(left.size(), 16384u) << "seed " << seed;
    EXPECT_EQ(left.substr(0, 4096), fill('a', 4096)) << "seed " << seed;
    EXPECT_EQ(left.substr(8192, 12000 - 8192), fill('a', 12000 - 8192)) << "seed " << seed;
    EXPECT_EQ(left.substr(12100, 16384 - 12100), fill('a', 16384 - 12100)) << "seed " << seed;
  }
}

TEST_F(PowerLossVfs, ArmedPowerFailsOnTheNthOperationBeforeItTakesEffect) {
  const auto path = durable_file(dir_, "armed.db");
  auto child = in_child(dir_, [&](int) {
    raw_file f(psow_vfs, path);
    must(f.ok() && f.write(0, fill('a', 512)) && f.sync());
    powerloss::arm(7, 3, powerloss::fate::drop_all);
    must(f.write(0, fill('b', 512)) && f.write(512, fill('c', 512)));  // operations 1 and 2
    f.sync();                                                          // 3: never returns
    ::_exit(0);
  });
  EXPECT_EQ(child.status, killed) << child.log;
  EXPECT_NE(child.log.find("seed=7 moment=sync:armed.db style=drop_all"), std::string::npos) << child.log;
  EXPECT_EQ(read_file(path), fill('a', 512));
}

TEST_F(PowerLossVfs, ANewFileNeedsADirectorySyncToSurvive) {
  const auto alone = dir_.file("alone.db"), paired = dir_.file("paired.db");
  auto child = in_child(dir_, [&](int) {
    raw_file a(psow_vfs, alone);
    must(a.ok() && a.write(0, fill('a', 512)) && a.sync());  // its bytes, not its name
    raw_file p(psow_vfs, paired);
    must(p.ok() && p.write(0, fill('p', 512)) && p.sync());
    // The unix VFS syncs the directory on the first sync of a WAL or journal it created:
    // from then on every name in the directory is durable.
    raw_file wal(psow_vfs, paired + "-wal", SQLITE_OPEN_WAL);
    must(wal.ok() && wal.write(0, fill('w', 32)) && wal.sync());
    raw_file late(psow_vfs, dir_.file("late.db"));
    must(late.ok());
    powerloss::lose_power(1, powerloss::fate::drop_all);
  });
  EXPECT_EQ(child.status, killed) << child.log;
  EXPECT_TRUE(std::filesystem::exists(alone)) << "the WAL's directory sync made every name in it durable";
  EXPECT_EQ(read_file(paired), fill('p', 512));
  EXPECT_EQ(read_file(paired + "-wal"), fill('w', 32));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("late.db"))) << "created after the directory sync";
}

TEST_F(PowerLossVfs, ADeleteNeedsADirectorySyncToSurvive) {
  // Two directories: a sync of one makes every change in it durable, the other delete too.
  std::filesystem::create_directory(dir_.path() / "a");
  std::filesystem::create_directory(dir_.path() / "b");
  const auto undone = dir_.file("a/j.db-journal"), gone = dir_.file("b/j.db-journal");
  write_file(undone, "durable");
  write_file(gone, "durable");
  auto child = in_child(dir_, [&](int) {
    auto* vfs = sqlite3_vfs_find(psow_vfs);
    must(vfs->xDelete(vfs, undone.c_str(), 0) == SQLITE_OK);
    must(!std::filesystem::exists(undone));
    must(vfs->xDelete(vfs, gone.c_str(), 1) == SQLITE_OK);
    powerloss::lose_power(1, powerloss::fate::drop_all);
  });
  EXPECT_EQ(child.status, killed) << child.log;
  EXPECT_EQ(read_file(undone), "durable") << "a delete without a directory sync is undone";
  EXPECT_FALSE(std::filesystem::exists(gone));
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().string().find(".powerloss"), std::string::npos) << e.path();
}

namespace {

// Rows whose bodies depend only on their id, of sizes that split pages and overflow.
std::string body_of(std::int64_t id) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(id));
  std::string out(static_cast<std::size_t>(50 + rng() % 6000), '\0');
  for (auto& c : out) c = static_cast<char>('a' + rng() % 26);
  return out;
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) ::_exit(6);
}

// How a child commits rows into a WAL database.
struct commit_plan {
  const char* vfs = psow_vfs;
  const char* synchronous = "FULL";
  int checkpoint_pages = 16;  // wal_autocheckpoint: 0 never
  std::uint64_t seed = 1;
  int ops = 0;  // power armed to fail this many operations after the 20th commit; 0: fails then
  powerloss::fate fate = powerloss::fate::random;
};

// In a child: 20 commits, then power armed (see commit_plan) while commits go on, now and
// then four rows in one transaction, up to 3,000 rows. Every commit that returned is
// reported by its last id.
void commit_until_power_fails(const std::string& path, const commit_plan& plan, int report_fd) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, plan.vfs) != SQLITE_OK) ::_exit(6);
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, (std::string("PRAGMA synchronous=") + plan.synchronous).c_str());
  exec(db, ("PRAGMA wal_autocheckpoint=" + std::to_string(plan.checkpoint_pages)).c_str());
  exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  exec(db, "CREATE INDEX t_body ON t (body)");
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO t (id, body) VALUES (?, ?)", -1, &insert, nullptr) != SQLITE_OK) ::_exit(6);
  for (std::int64_t id = 1, commits = 0; id <= 3000; ++commits) {
    if (commits == 20) {
      if (plan.ops == 0) powerloss::lose_power(plan.seed, plan.fate);
      powerloss::arm(plan.seed, plan.ops, plan.fate);
    }
    const int rows = id % 7 == 0 ? 4 : 1;
    if (rows > 1) exec(db, "BEGIN");
    for (int k = 0; k < rows; ++k, ++id) {
      const auto body = body_of(id);
      sqlite3_reset(insert);
      sqlite3_bind_int64(insert, 1, id);
      sqlite3_bind_text(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) ::_exit(6);
    }
    if (rows > 1) exec(db, "COMMIT");
    report(report_fd, id - 1);
  }
}

// What the next open finds: integrity, and rows 1..n each with its own body.
struct recovered {
  std::string integrity;
  std::int64_t rows = 0;
  std::int64_t max_id = 0;
  int wrong_bodies = 0;
};

recovered recover(const std::string& path) {
  recovered out;
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  out.integrity = db.execAndGet("PRAGMA integrity_check").getString();
  if (db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 't'").getInt() == 0) return out;
  SQLite::Statement rows(db, "SELECT id, body FROM t ORDER BY id");
  while (rows.executeStep()) {
    ++out.rows;
    out.max_id = rows.getColumn(0).getInt64();
    if (rows.getColumn(1).getString() != body_of(out.max_id)) ++out.wrong_bodies;
  }
  return out;
}

}  // namespace

TEST_F(PowerLossVfs, SqliteWithSynchronousFullKeepsEveryCommitThatReturned) {
  int lost_unreturned = 0, torn = 0;
  for (const char* vfs : {psow_vfs, trashing_vfs}) {
    for (std::uint64_t seed = 1; seed <= 24; ++seed) {
      SCOPED_TRACE(std::string(vfs) + " seed " + std::to_string(seed));
      const auto path = dir_.file(std::string(vfs) + "-" + std::to_string(seed) + ".db");
      commit_plan plan;
      plan.vfs = vfs;
      plan.seed = seed;
      plan.ops = 1 + static_cast<int>(std::mt19937_64(seed)() % 400);
      auto child = in_child(dir_, [&](int fd) { commit_until_power_fails(path, plan, fd); });
      ASSERT_EQ(child.status, killed) << child.log;
      ASSERT_FALSE(child.reported.empty());
      if (child.log.find(" torn=0 ") == std::string::npos) ++torn;
      const auto r = recover(path);
      EXPECT_EQ(r.integrity, "ok");
      EXPECT_EQ(r.rows, r.max_id) << "rows 1.." << r.max_id << " with none missing";
      EXPECT_EQ(r.wrong_bodies, 0);
      EXPECT_GE(r.max_id, child.reported.back()) << "a commit that returned was lost\n" << child.log;
      // A transaction in flight may have made it or not; nothing beyond it was begun.
      EXPECT_LE(r.max_id, child.reported.back() + 4) << child.log;
      if (r.max_id == child.reported.back()) ++lost_unreturned;
    }
  }
  EXPECT_GT(torn, 0) << "no power loss tore a write: the test proves little";
  EXPECT_GT(lost_unreturned, 0) << "no power loss took the commit in flight: the test proves little";
}

TEST_F(PowerLossVfs, SqliteWithSynchronousNormalLosesCommitsThatReturned) {
  const auto path = dir_.file("normal.db");
  commit_plan plan;
  plan.synchronous = "NORMAL";
  plan.checkpoint_pages = 0;
  plan.fate = powerloss::fate::drop_all;
  auto child = in_child(dir_, [&](int fd) { commit_until_power_fails(path, plan, fd); });
  ASSERT_EQ(child.status, killed) << child.log;
  ASSERT_EQ(child.reported.size(), 20u);
  const auto r = recover(path);
  EXPECT_EQ(r.integrity, "ok");
  // NORMAL syncs the WAL only when it checkpoints, and nothing was checkpointed.
  EXPECT_EQ(r.max_id, 0) << "20 commits returned and none survived";
}

TEST_F(PowerLossVfs, ARollbackJournalsUnsyncedDeleteUndoesACommitUnlessSynchronousIsExtra) {
  for (const char* sync : {"FULL", "EXTRA"}) {
    const auto path = dir_.file(std::string("rollback-") + sync + ".db");
    auto child = in_child(dir_, [&](int fd) {
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, psow_vfs) != SQLITE_OK)
        ::_exit(6);
      exec(db, "PRAGMA journal_mode=DELETE");
      exec(db, (std::string("PRAGMA synchronous=") + sync).c_str());
      exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
      exec(db, "INSERT INTO t VALUES (1, 'one')");
      report(fd, 1);
      exec(db, "UPDATE t SET body = 'two' WHERE id = 1");
      report(fd, 2);
      powerloss::lose_power(1, powerloss::fate::drop_all);
    });
    ASSERT_EQ(child.status, killed) << child.log;
    ASSERT_EQ(child.reported.size(), 2u);
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
    // The journal's delete is the commit: FULL does not sync the directory after it.
    EXPECT_EQ(db.execAndGet("SELECT body FROM t WHERE id = 1").getString(),
              std::string(sync) == "EXTRA" ? "two" : "one")
        << sync;
  }
}

namespace {

instant at_minute(std::int64_t m) {
  return instant{std::chrono::minutes{m}};
}

// One event of duty d with its duty row and an outbox row: what one answered request commits.
write_batch batch_for(std::int64_t seq) {
  write_batch b;
  if (seq == 1) b.plans.push_back(plan_row{"p", 1, R"({"id":"p"})", at_minute(0)});
  b.events.push_back(event_row{0, "p", "d", seq, seq == 1 ? "assigned" : "comment", "xa-a", at_minute(seq),
                               std::string(static_cast<std::size_t>(seq % 5) * 900, 'n'), nlohmann::json::object()});
  b.duties.push_back(duty_row{"p", "d", "report", "xa-a", "Acknowledged", "OnTrack", seq, std::nullopt, at_minute(seq),
                              std::nullopt, false, std::nullopt});
  outbox_row o;
  o.key = "p/d/comment/" + std::to_string(seq);
  o.plan = "p";
  o.duty = "d";
  o.unit = "xa-a";
  o.reason = "comment";
  o.point = at_minute(seq);
  o.channel = "log";
  o.created_at = o.point;
  b.outbox.push_back(o);
  return b;
}

}  // namespace

TEST_F(PowerLossVfs, TheStoreKeepsEveryEventDutyRowAndOutboxRowItCommitted) {
  spdlog::set_level(spdlog::level::warn);  // the children's migrations
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto path = dir_.file("store-" + std::to_string(seed) + ".db");
    auto child = in_child(dir_, [&](int fd) {
      // Only here, in the child: every connection the store opens, its checkpointer's too.
      sqlite3_vfs_register(sqlite3_vfs_find(psow_vfs), 1);
      auto s = open_sqlite_store({path});
      if (!s) ::_exit(7);
      for (std::int64_t seq = 1; seq <= 2000; ++seq) {
        if (seq == 11) powerloss::arm(seed, 1 + static_cast<int>(std::mt19937_64(seed)() % 300));
        auto b = batch_for(seq);
        if (!(*s)->commit(b)) ::_exit(8);
        report(fd, seq);
      }
    });
    ASSERT_EQ(child.status, killed) << child.log;
    ASSERT_FALSE(child.reported.empty());
    const auto committed = child.reported.back();
    auto s = open_sqlite_store({path});
    ASSERT_TRUE(s) << s.err().message;
    std::int64_t events = 0;
    ASSERT_TRUE((*s)->scan([&](const event_view& e) { EXPECT_EQ(e.seq, ++events); }));
    EXPECT_GE(events, committed) << "an event whose commit returned was lost\n" << child.log;
    EXPECT_LE(events, committed + 1);
    auto duties = dutyflow::testing::duty_rows(path, "p");
    ASSERT_TRUE(duties);
    ASSERT_EQ(duties->size(), 1u);
    EXPECT_EQ((*duties)[0].version, events) << "the duty row is the last event's";
    outbox_filter all;
    all.limit = 100000;
    auto outbox = (*s)->outbox(all);
    ASSERT_TRUE(outbox);
    EXPECT_EQ(static_cast<std::int64_t>(outbox->size()), events) << "one outbox row per event";
  }
}

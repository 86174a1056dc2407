// The real dutyflowd binary, started as a process on a temp journal and stopped by pid.
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>

using namespace dutyflow::testing;

namespace {

std::vector<std::string> daemon_args(const temp_dir& dir, const std::string& plans) {
  return {binary("dutyflowd"), "--config", source_path("config/dutyflowd.json"), "--db", dir.file("journal.db"),
          "--plans", plans, "--tokens", dir.file("tokens.json"), "--listen", "127.0.0.1:0"};
}

// (duty -> "progress/timeliness/version/owner") as the duties table holds it.
std::map<std::string, std::string> snapshot(const std::string& db_path) {
  SQLite::Database db(db_path);
  SQLite::Statement st(db, "SELECT duty, progress, timeliness, version, owner FROM duties ORDER BY duty");
  std::map<std::string, std::string> out;
  while (st.executeStep())
    out[st.getColumn(0).getString()] = st.getColumn(1).getString() + "/" + st.getColumn(2).getString() + "/" +
                                       st.getColumn(3).getString() + "/" + st.getColumn(4).getString();
  return out;
}

int count(const std::string& db_path, const char* sql) {
  SQLite::Database db(db_path);
  return db.execAndGet(sql).getInt();
}

}  // namespace

TEST(Daemon, LoadsTheSeedPlanStopsOnSigtermAndReplaysToTheSameState) {
  temp_dir dir;
  const auto db = dir.file("journal.db");
  {
    process d(daemon_args(dir, source_path("config/plans")), dir.file("first.log"), source_path(""));
    ASSERT_TRUE(d.wait_for_log("dutyflowd ready")) << d.log();
    auto log = d.log();
    EXPECT_NE(log.find("plan 182-kh-ubnd-2023 (182/KH-UBND)"), std::string::npos) << log;
    EXPECT_NE(log.find("duty 182-kh-ubnd-2023/tham-luan"), std::string::npos) << log;
    EXPECT_EQ(d.stop(SIGTERM), 0) << d.log();
    EXPECT_NE(d.log().find("dutyflowd stopped"), std::string::npos);
  }
  auto first = snapshot(db);
  const int events = count(db, "SELECT count(*) FROM events");
  ASSERT_GE(first.size(), 13u);
  for (const auto& [duty, state] : first) EXPECT_EQ(state.substr(0, state.find('/', 9) + 1), "Assigned/OnTrack/") << duty;
  EXPECT_EQ(events, static_cast<int>(first.size()) + 1);  // plan_loaded + one assigned per duty

  {
    process d(daemon_args(dir, source_path("config/plans")), dir.file("second.log"), source_path(""));
    ASSERT_TRUE(d.wait_for_log("dutyflowd ready")) << d.log();
    auto log = d.log();
    EXPECT_NE(log.find("replayed " + std::to_string(events) + " events into " + std::to_string(first.size()) + " duties"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("[error]"), std::string::npos) << log;
    EXPECT_EQ(d.stop(SIGTERM), 0);
  }
  EXPECT_EQ(snapshot(db), first);
  EXPECT_EQ(count(db, "SELECT count(*) FROM events"), events) << "loading the same plan again must journal nothing";
}

TEST(Daemon, APlanFileWithOtherContentUnderAKnownIdIsRefusedAndTheDaemonKeepsRunning) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "plans");
  auto seed = read_file(source_path("config/plans/182-kh-ubnd-2023.json"));
  write_file(dir.file("plans/182.json"), seed);
  {
    process d(daemon_args(dir, dir.file("plans")), dir.file("a.log"), source_path(""));
    ASSERT_TRUE(d.wait_for_log("dutyflowd ready")) << d.log();
    EXPECT_EQ(d.stop(SIGTERM), 0);
  }
  auto changed = seed;
  changed.replace(changed.find("UBND huyện Phong Thổ"), std::string("UBND huyện Phong Thổ").size(), "UBND huyện Khác");
  write_file(dir.file("plans/182.json"), changed);
  process d(daemon_args(dir, dir.file("plans")), dir.file("b.log"), source_path(""));
  ASSERT_TRUE(d.wait_for_log("dutyflowd ready")) << d.log();
  EXPECT_NE(d.log().find("already loaded with other content"), std::string::npos) << d.log();
  EXPECT_EQ(d.stop(SIGTERM), 0);
}

TEST(Daemon, ABadConfigIsAClearErrorAndNonZeroExit) {
  temp_dir dir;
  write_file(dir.file("bad.json"), R"({"listen": "127.0.0.1:0", "synchronous": "sometimes"})");
  auto r = run({binary("dutyflowd"), "--config", dir.file("bad.json"), "--db", dir.file("j.db")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("synchronous"), std::string::npos) << r.out << r.err;
  auto clock = run({binary("dutyflowd"), "--config", source_path("config/dutyflowd.json"), "--db", dir.file("j.db"),
                    "--clock", "sundial"});
  EXPECT_NE(clock.exit_code, 0);
  EXPECT_NE((clock.out + clock.err).find("unknown clock"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("j.db"))) << "a refused start must not create a journal";
}

// `dutyflow backup` on a running dutyflowd under load (issue 8, item 5), and the restore
// README describes: the copy put in place of a second daemon's journal, which replays it
// to the states and versions the copy's own journal says.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "tests/support/daemon_fixture.h"
#include "tests/support/event_load.h"

using namespace dutyflow;
using namespace dutyflow::testing;
using nlohmann::json;

namespace {

constexpr std::chrono::minutes vietnam{7 * 60};

struct copied_duty {
  std::string progress, timeliness;
  std::int64_t version = 0;
  std::vector<std::string> history;  // "seq event"
};

// The copy's own view: its duties table and its journal, duty by duty.
std::map<std::string, copied_duty> read_copy(const std::string& path,
                                             std::set<std::pair<std::string, std::int64_t>>& events) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::map<std::string, copied_duty> out;
  SQLite::Statement du(db, "SELECT duty, progress, timeliness, version FROM duties");
  while (du.executeStep())
    out[du.getColumn(0).getString()] =
        copied_duty{du.getColumn(1).getString(), du.getColumn(2).getString(), du.getColumn(3).getInt64(), {}};
  SQLite::Statement ev(db, "SELECT duty, seq, type, actor FROM events WHERE duty != '' ORDER BY duty, seq");
  while (ev.executeStep()) {
    const auto duty = ev.getColumn(0).getString();
    const auto seq = ev.getColumn(1).getInt64();
    out[duty].history.push_back(std::to_string(seq) + " " + ev.getColumn(2).getString());
    events.insert({duty + " " + ev.getColumn(2).getString() + " by " + ev.getColumn(3).getString(), seq});
  }
  return out;
}

}  // namespace

TEST(BackupDaemon, ACopyTakenUnderLoadHoldsEveryEarlierAnswerAndRestoresToItsOwnStates) {
  const instant t0 = *parse_instant("2023-06-05T08:00:00+07:00");
  const std::string clock = "manual:" + format_instant(t0, vietnam);
  temp_dir plans;
  auto plan = make_busy_plan(120, 8, t0);
  write_file(plans.file("tai-cao.json"), plan.doc.dump(2));
  daemon_fixture live(clock, plans.path().string());
  auto tokens = add_load_tokens(live, plan);
  ASSERT_TRUE(live.start()) << live.log();

  request_gate gate;
  event_load load(live.url(), plan, tokens, gate, 20230605, 4);
  load.start();
  ASSERT_TRUE(load.wait_for_answers(150, std::chrono::seconds(60))) << live.log();
  const auto answered_before = load.answered();
  const auto backup = live.dir().file("sao-luu.db");
  auto r = run({binary("dutyflow"), "backup", backup, "--db", live.db(), "--pages-per-step", "8", "--json"});
  // The clients went on during the copy and after it.
  ASSERT_TRUE(load.wait_for_answers(answered_before.size() + 100, std::chrono::seconds(60))) << live.log();
  load.stop();
  EXPECT_EQ(live.stop(), 0) << live.log();
  for (const auto& s : load.surprises()) ADD_FAILURE() << "client saw: " << s;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto summary = json::parse(r.out);
  EXPECT_EQ(summary["integrity"], "ok");
  EXPECT_GT(summary["steps"].get<int>(), 1) << "copied in steps of pages";

  std::set<std::pair<std::string, std::int64_t>> copied_events;
  const auto copy = read_copy(backup, copied_events);
  EXPECT_EQ(static_cast<std::int64_t>(copied_events.size()) + 1, summary["events"].get<std::int64_t>())
      << "every duty event and the plan_loaded event";
  for (const auto& a : answered_before)
    EXPECT_TRUE(copied_events.count({a.duty + " " + a.event + " by " + a.actor, a.version}))
        << "answered before the backup began but not in it: " << a.duty << " " << a.event << " v" << a.version;
  EXPECT_GT(load.answered().size(), answered_before.size() + 99);
  {
    // One instant of the live journal: exactly its events up to the copy's last one.
    SQLite::Database db(live.db(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT count(*) FROM events WHERE id <= ?");
    st.bind(1, summary["last_event_id"].get<std::int64_t>());
    ASSERT_TRUE(st.executeStep());
    EXPECT_EQ(st.getColumn(0).getInt64(), summary["events"].get<std::int64_t>());
  }

  // The restore of README: the copy in place of the journal, then start.
  daemon_fixture restored(clock, plans.path().string());
  std::filesystem::copy_file(backup, restored.db());
  auto coordinator = restored.add_token("dieu-phoi", "coordinator", plan.coordinator_unit);
  ASSERT_TRUE(restored.start()) << restored.log();
  EXPECT_NE(restored.log().find("replayed " + summary["events"].dump() + " events into 120 duties"), std::string::npos)
      << restored.log();
  EXPECT_EQ(restored.log().find("replay:"), std::string::npos) << restored.log();
  ASSERT_EQ(copy.size(), 120u);
  for (const auto& [id, want] : copy) {
    auto got = restored.call("GET", "/api/v1/plans/" + plan.id + "/duties/" + id, coordinator);
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["version"], want.version) << id;
    EXPECT_EQ(got.body["version"].get<std::int64_t>(), static_cast<std::int64_t>(want.history.size())) << id;
    EXPECT_EQ(got.body["state"]["progress"], want.progress) << id;
    EXPECT_EQ(got.body["state"]["timeliness"], want.timeliness) << id;
    std::vector<std::string> history;
    for (const auto& e : got.body["history"])
      history.push_back(std::to_string(e["seq"].get<std::int64_t>()) + " " + e["event"].get<std::string>());
    EXPECT_EQ(history, want.history) << id;
  }
  EXPECT_EQ(restored.stop(), 0) << restored.log();
}

TEST(BackupDaemon, TheCliRefusesBadInputWithOneLineAndKeepsAnExistingCopy) {
  temp_dir dir;
  {
    daemon_fixture d;
    ASSERT_TRUE(d.start()) << d.log();
    EXPECT_EQ(d.stop(), 0);
    std::filesystem::copy_file(d.db(), dir.file("journal.db"));
  }
  const auto journal = dir.file("journal.db");
  auto one_line = [](const run_result& r) {
    return r.exit_code != 0 && r.out.empty() && r.err.starts_with("dutyflow: ") && r.err.find('\n') == r.err.size() - 1;
  };
  auto first = run({binary("dutyflow"), "backup", dir.file("a.db"), "--db", journal});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(first.out.starts_with("Đã sao lưu " + journal + " → " + dir.file("a.db") + ": 16 sự kiện, 15 nhiệm vụ"))
      << first.out;
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 1) << first.out;

  write_file(dir.file("a.db"), "kept");
  auto again = run({binary("dutyflow"), "backup", dir.file("a.db"), "--db", journal});
  EXPECT_TRUE(one_line(again)) << again.exit_code << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(dir.file("a.db")), "kept");
  auto forced = run({binary("dutyflow"), "backup", dir.file("a.db"), "--db", journal, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_file(dir.file("a.db")), "kept");

  // The journal found through a config file, the way dutyflowd finds it.
  write_file(dir.file("dutyflowd.json"), json{{"db", journal}}.dump());
  auto by_config = run({binary("dutyflow"), "backup", dir.file("b.db"), "--config", dir.file("dutyflowd.json")});
  EXPECT_EQ(by_config.exit_code, 0) << by_config.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("b.db")));

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"backup", dir.file("c.db"), "--db", dir.file("missing.db")},
           {"backup", dir.file("c.db"), "--config", dir.file("missing.json")},
           {"backup", dir.file("no-such-dir/c.db"), "--db", journal},
           {"backup", dir.path().string(), "--db", journal},
           {"backup", journal, "--db", journal, "--force"},
           {"backup", dir.file("c.db"), "--db", dir.file("dutyflowd.json")},
       }) {
    std::vector<std::string> argv = {binary("dutyflow")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    EXPECT_TRUE(one_line(r)) << args[1] << " " << args[2] << " " << args[3] << ": exit " << r.exit_code << "\n"
                             << r.out << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.db")));
}

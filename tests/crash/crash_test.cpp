// dutyflowd under load, killed with SIGKILL at random moments and restarted each time
// (issue 8, item 1). Several clients fire events with If-Match and Idempotency-Key and
// retry what a kill left in doubt; a driver moves the manual clock through the duties'
// deadlines so the scheduler works under the same load. Afterwards:
//  - every answered event is in the journal with the version it was answered with, and
//    every event a client fired in the journal was answered (nothing applied twice);
//  - no outbox key, and no (duty, reason, point), appears twice;
//  - a reference engine that was never killed, fed the same client events at the same
//    clock instants, writes exactly the same journal, duties and outbox: no reminder
//    point was lost, sent twice, or turned into a catch-up by a kill.
// The kill moments come from a seed that is printed; --seed S --rounds N replays a run.
// With --power-loss each kill is a power loss instead (issue 16): the daemon is
// dutyflowd-powerloss, whose SQLite VFS keeps every write not yet synced where a power
// failure takes it (tests/support/powerloss_vfs.h), and SIGUSR2 makes the power fail, at
// once or inside one of the next writes or syncs, dropping, keeping or tearing what was
// not synced. The same checks hold afterwards.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "engine/calendar.h"
#include "engine/scheduler.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/store.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/event_load.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

using namespace dutyflow;
using namespace dutyflow::testing;
using nlohmann::json;

namespace {

// The short forms run in tools/test; a long run is `crash_test --rounds 200` or
// `crash_test --power-loss --rounds 200` (README).
struct crash_settings {
  int rounds = 0;          // 0: the short form's, 20
  std::uint64_t seed = 0;  // 0: a fresh one, printed
  int clients = 4;
  int duties = 0;  // 0: ten per round, at least 210, so that most are still open when their deadlines pass
};

crash_settings& settings() {
  static crash_settings s;
  return s;
}

constexpr std::chrono::minutes vietnam{7 * 60};
std::string iso(instant t) {
  return format_instant(t, vietnam);
}

// Rows of the journal db as the checks compare them.
struct journal_rows {
  // (duty, seq) -> "type by actor at"
  std::map<std::pair<std::string, std::int64_t>, std::string> events;
  std::vector<event_row> client_events;  // fired through the API, in journal order
  std::set<std::string> outbox;          // "key unit reason point channel"
  std::map<std::string, std::string> duties;
  std::int64_t scheduler_events = 0;
  std::map<std::string, int> outbox_by_reason;
  std::vector<std::string> duplicate_keys;
  std::vector<std::string> duplicate_points;
  std::string integrity;
};

bool fired_by_a_client(const std::string& actor) {
  return actor != "scheduler" && actor != "dutyflowd";
}

journal_rows read_journal(const std::string& path) {
  journal_rows out;
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  out.integrity = db.execAndGet("PRAGMA integrity_check").getString();
  SQLite::Statement ev(db, "SELECT duty, seq, type, actor, at, note, data, plan FROM events ORDER BY id");
  while (ev.executeStep()) {
    event_row e;
    e.duty = ev.getColumn(0).getString();
    e.seq = ev.getColumn(1).getInt64();
    e.type = ev.getColumn(2).getString();
    e.actor = ev.getColumn(3).getString();
    e.at = instant{std::chrono::microseconds{ev.getColumn(4).getInt64()}};
    e.note = ev.getColumn(5).getString();
    e.data = json::parse(ev.getColumn(6).getString(), nullptr, false);
    e.plan = ev.getColumn(7).getString();
    out.events[{e.duty, e.seq}] = e.type + " by " + e.actor + " at " + iso(e.at);
    if (e.actor == "scheduler") ++out.scheduler_events;
    if (fired_by_a_client(e.actor)) out.client_events.push_back(std::move(e));
  }
  SQLite::Statement ob(db, "SELECT key, unit, reason, point, channel FROM outbox");
  while (ob.executeStep()) {
    out.outbox.insert(ob.getColumn(0).getString() + " " + ob.getColumn(1).getString() + " " +
                      ob.getColumn(2).getString() + " " + ob.getColumn(3).getString() + " " +
                      ob.getColumn(4).getString());
    out.outbox_by_reason[ob.getColumn(2).getString()] += 1;
  }
  SQLite::Statement keys(db, "SELECT key FROM outbox GROUP BY key HAVING count(*) > 1");
  while (keys.executeStep()) out.duplicate_keys.push_back(keys.getColumn(0).getString());
  SQLite::Statement points(db,
                           "SELECT plan || '/' || duty || ' ' || reason || ' ' || point FROM outbox"
                           " GROUP BY plan, duty, reason, point HAVING count(*) > 1");
  while (points.executeStep()) out.duplicate_points.push_back(points.getColumn(0).getString());
  SQLite::Statement du(db,
                       "SELECT duty, owner, progress, timeliness, version, deadline, updated_at, finished_at,"
                       " finished_late, reminded_until FROM duties");
  while (du.executeStep()) {
    std::string row;
    for (int c = 1; c < 10; ++c) row += (c > 1 ? " " : "") + du.getColumn(c).getString();
    out.duties[du.getColumn(0).getString()] = row;
  }
  return out;
}

// The key of a map entry or set element.
template <typename K, typename V>
const K& key_of(const std::pair<const K, V>& v) {
  return v.first;
}
inline const std::string& key_of(const std::string& v) {
  return v;
}

// What one run has and the other has not, a few lines of each, for a readable failure.
template <typename C>
std::string differences(const C& crash, const C& reference) {
  std::ostringstream out;
  int shown = 0;
  auto text = [](const auto& v) {
    std::ostringstream s;
    if constexpr (requires { v.first.first; })
      s << v.first.first << " #" << v.first.second << ": " << v.second;
    else if constexpr (requires { v.second; })
      s << v.first << ": " << v.second;
    else
      s << v;
    return s.str();
  };
  auto missing_from = [](const C& c, const auto& v) {
    auto it = c.find(key_of(v));
    return it == c.end() || !(*it == v);
  };
  for (const auto& v : crash)
    if (missing_from(reference, v) && shown++ < 15) out << "  after kills:  " << text(v) << "\n";
  for (const auto& v : reference)
    if (missing_from(crash, v) && shown++ < 30) out << "  in reference: " << text(v) << "\n";
  return out.str();
}

// The reference: the same engine, never killed, fed the crash run's client events at the
// instants the journal says they happened, with the clock moved through the same steps.
// Mirrors dutyflowd: the runner fires what is due after each batch and after a clock move.
std::string run_reference(const std::string& plan_file, const std::string& db_path, instant start,
                          const std::vector<instant>& clock_steps, const std::vector<event_row>& client_events,
                          const load_tokens& tokens) {
  auto calendar = working_calendar::load(source_path("config/calendar"));
  if (!calendar) return "calendar: " + calendar.err().message;
  // Durability is not what the reference is for; NORMAL spares an fsync per event.
  auto db = open_sqlite_store(sqlite_options{db_path, "normal"});
  if (!db) return db.err().message;
  manual_clock clock(start);
  engine ref(**db, builtin_kinds(), clock, *calendar);
  if (auto s = ref.open(); !s) return s.err().message;
  auto plan = load_plan_file(plan_file, builtin_kinds());
  if (!plan) return plan.err().message;
  if (auto loaded = ref.load(*plan, actor{"dutyflowd", role::system, ""}); !loaded) return loaded.err().message;
  auto fire_due = [&] {
    if (auto next = ref.timers().next_due(); next && *next <= clock.now()) ref.timers().run_due(clock.now());
  };
  fire_due();
  std::size_t next = 0;
  std::string problems;
  auto apply_events_at = [&](instant now) {
    for (; next < client_events.size() && client_events[next].at == now; ++next) {
      const auto& e = client_events[next];
      command c;
      c.plan = e.plan;
      c.duty = e.duty;
      c.event = e.type;
      c.note = e.note;
      c.data = e.data;
      // What the engine added to the journaled data (a return's deadline given back) is its
      // own outcome, not the client's request: the reference works it out again.
      if (e.type == "return" && c.data.is_object()) c.data.erase("deadline");
      c.by = e.actor == tokens.coordinator_name ? actor{e.actor, role::coordinator, tokens.coordinator_unit}
                                                : actor{e.actor, role::unit, e.actor};
      if (auto r = ref.apply(c); !r)
        problems += "reference refused " + e.duty + " " + e.type + ": " + r.err().message + "\n";
      fire_due();
    }
  };
  apply_events_at(start);
  for (instant step : clock_steps) {
    if (auto s = clock.set(step); !s) return s.err().message;
    ref.timers().run_due(step);
    apply_events_at(step);
  }
  // As dutyflowd does when it stops: the reminders' progress reaches the duties table.
  if (auto r = ref.timers().flush_progress(std::numeric_limits<std::size_t>::max()); !r) return r.err().message;
  if (next != client_events.size())
    problems += "client event " + client_events[next].duty + " #" + std::to_string(client_events[next].seq) + " at " +
                iso(client_events[next].at) + " is at no instant the clock stood at\n";
  return problems;
}

// What the power losses of a run did to the writes not yet synced, from the VFS's report
// line in each dead daemon's log ("powerloss: seed=... moment=... pending=...").
struct power_loss_tally {
  int losses = 0;
  int at_once = 0, in_io = 0, idle = 0;  // when: at the signal, inside a write or sync, nothing written in time
  int in_checkpoint = 0;                 // of in_io: on the database file, which only a checkpoint writes
  int early = 0;                         // before the VFS was installed (a signal at exec)
  int with_pending = 0;                  // losses that found writes not yet synced
  long pending = 0, kept = 0, dropped = 0, torn = 0;
  int undone = 0, garbled = 0;  // directory entries undone, -shm files garbled

  void add(const std::string& log) {
    ++losses;
    const auto at = log.rfind("powerloss: seed=");
    if (at == std::string::npos) {
      ++early;
      return;
    }
    const auto line = log.substr(at, log.find('\n', at) - at);
    auto field = [&](const std::string& key) {
      const auto k = line.find(" " + key + "=");
      return k == std::string::npos ? std::string()
                                    : line.substr(k + key.size() + 2, line.find(' ', k + 1) - k - key.size() - 2);
    };
    auto number = [&](const std::string& key) { return std::atol(field(key).c_str()); };
    const auto moment = field("moment");
    if (moment == "at-once")
      ++at_once;
    else if (moment == "idle")
      ++idle;
    else
      ++in_io;
    if (moment.ends_with(".db")) ++in_checkpoint;
    if (number("pending") > 0) ++with_pending;
    pending += number("pending");
    kept += number("kept");
    dropped += number("dropped");
    torn += number("torn");
    undone += static_cast<int>(number("undone"));
    garbled += static_cast<int>(number("garbled"));
  }
};

void run_crash_test(bool power_loss) {
  auto s = settings();
  if (s.rounds == 0) s.rounds = 20;
  if (s.duties == 0) s.duties = std::max(210, 10 * s.rounds);
  const std::uint64_t seed = s.seed ? s.seed : std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
  std::cout << "crash test: seed " << seed << ", " << s.rounds << (power_loss ? " power losses, " : " rounds, ")
            << s.clients << " clients, " << s.duties << " duties (rerun: crash_test"
            << (power_loss ? " --power-loss" : "") << " --seed " << seed << " --rounds " << s.rounds << ")"
            << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);

  const instant t0 = *parse_instant("2023-06-05T08:00:00+07:00");  // a Monday
  // Steps sized so that a run of any length walks the clock through every deadline
  // (one to ten days out), their reminders, overdue repeats and escalations.
  const auto clock_step = std::chrono::minutes{std::max(10, 3840 / std::max(1, s.rounds))};
  const std::uint64_t answers_per_step = 8;

  temp_dir plans;
  auto plan = make_busy_plan(s.duties, 12, t0);
  const auto plan_file = plans.file("tai-cao.json");
  write_file(plan_file, plan.doc.dump(2));
  daemon_fixture d("manual:" + iso(t0), plans.path().string());
  if (power_loss) d.program = "dutyflowd-powerloss";
  // The clients fire as fast as they can for as many rounds as asked: a long run passes
  // any allowance a person or a script needs, so the event allowances are off here (the
  // abuse tests check them).
  auto config = json::parse(read_file(source_path("config/dutyflowd.json")));
  for (const char* who : {"unit", "coordinator", "duty"}) config["http"]["event_rate"][who]["burst"] = 0;
  d.config = d.dir().file("dutyflowd.json");
  write_file(d.config, config.dump(2));
  auto tokens = add_load_tokens(d, plan);

  power_loss_tally tally;
  auto bring_down = [&] {
    if (!power_loss) {
      d.kill9();
      return;
    }
    d.lose_power(rng());
    tally.add(d.log());
  };

  // A start that may itself be killed part-way (replaying, loading plans, logging duties)
  // before the one that is let through; at most one such kill per restart.
  int startup_kills = 0;
  auto start_at = [&](instant clock_at) {
    d.set_clock("manual:" + iso(clock_at));
    if (rng() % 5 == 0) {
      static const char* const moments[] = {"", "journal ", "duty tai-cao/", "tokens:"};
      const char* moment = moments[rng() % 4];
      d.spawn();
      if (*moment) d.wait_for_log(moment);
      bring_down();
      ++startup_kills;
    }
    d.spawn();
    return d.wait_ready();
  };

  ASSERT_TRUE(start_at(t0)) << d.log();
  request_gate gate;
  event_load load(d.url(), plan, tokens, gate, seed, s.clients);

  // The clock driver: one step after every few answered events, through the gate like
  // any client. `target` is what it asked for last (maybe applied by a daemon since killed).
  std::mutex clock_mutex;
  instant clock_target = t0, clock_answered = t0;
  std::vector<instant> clock_steps;
  std::atomic<bool> driver_stop{false};
  std::vector<std::string> driver_problems;
  std::thread driver([&] {
    for (std::uint64_t next = answers_per_step; !driver_stop; next += answers_per_step) {
      if (!load.wait_for_answers(next, std::chrono::seconds(60)) || driver_stop) break;
      instant target;
      {
        std::lock_guard lock(clock_mutex);
        target = clock_target + clock_step;
        clock_target = target;
        clock_steps.push_back(target);
      }
      auto r = load.call_until_answered("POST", "/api/v1/admin/clock", tokens.coordinator,
                                        json{{"set", iso(target)}}.dump(), {});
      if (!r || r->status != 200) {
        std::lock_guard lock(clock_mutex);
        driver_problems.push_back("clock set " + iso(target) + ": " + (r ? r->raw : std::string("no answer")));
        break;
      }
      std::lock_guard lock(clock_mutex);
      clock_answered = std::max(clock_answered, target);
    }
  });
  // However the test ends (an ASSERT included), no client is left waiting for a daemon
  // that will not come back, and the driver is joined.
  struct on_exit {
    std::function<void()> fn;
    ~on_exit() { fn(); }
  } wind_down{[&] {
    driver_stop = true;
    load.abandon();
    gate.open();
    load.stop();
    if (driver.joinable()) driver.join();
  }};
  load.start();

  for (int round = 0; round < s.rounds; ++round) {
    const std::uint64_t at_call = load.stats().calls + 1 + rng() % 160;
    ASSERT_TRUE(load.wait_for_calls(at_call, std::chrono::seconds(60)))
        << "round " << round << ": the load stalled (seed " << seed << ")\n"
        << d.log();
    if (power_loss) {
      // The load goes on while the power failure is armed, so that it strikes inside a
      // commit or a checkpoint; what reaches the dead daemon then is retried after the restart.
      bring_down();
      gate.close();
    } else {
      gate.close();
      bring_down();
    }
    // Requests that slipped past the gate fail against the dead daemon; none may reach the next one.
    gate.wait_idle();
    instant restart_clock, target;
    {
      std::lock_guard lock(clock_mutex);
      restart_clock = clock_answered;
      target = clock_target;
    }
    // Restarted where the clock was last known to stand, then moved to where it may have
    // got: a clock move in doubt is finished before any client event, as if no kill came.
    ASSERT_TRUE(start_at(restart_clock)) << "round " << round << " (seed " << seed << ")\n" << d.log();
    if (target > restart_clock) {
      auto r = d.call("POST", "/api/v1/admin/clock", tokens.coordinator, json{{"set", iso(target)}}.dump());
      ASSERT_EQ(r.status, 200) << r.raw;
      std::lock_guard lock(clock_mutex);
      clock_answered = std::max(clock_answered, target);
    }
    gate.open();
  }
  // Let the requests in doubt since the last kill get their answers, then stop cleanly.
  ASSERT_TRUE(load.wait_for_calls(load.stats().calls + 100, std::chrono::seconds(60))) << d.log();
  driver_stop = true;
  load.stop();
  driver.join();
  EXPECT_EQ(d.stop(), 0) << d.log();

  const auto stats = load.stats();
  for (const auto& p : load.surprises()) ADD_FAILURE() << "client saw: " << p;
  for (const auto& p : driver_problems) ADD_FAILURE() << p;
  const auto answered = load.answered();
  ASSERT_GT(answered.size(), static_cast<std::size_t>(s.rounds)) << "too little load to prove anything";

  const auto crash = read_journal(d.db());
  EXPECT_EQ(crash.integrity, "ok");

  // Every answer is in the journal as answered; no two answers claim the same version.
  std::set<std::pair<std::string, std::int64_t>> answered_versions;
  int lost = 0;
  for (const auto& a : answered) {
    const std::pair key{a.duty, a.version};
    EXPECT_TRUE(answered_versions.insert(key).second) << a.duty << " v" << a.version << " answered twice";
    auto it = crash.events.find(key);
    const std::string want = a.event + " by " + a.actor;
    if (it == crash.events.end() || it->second.substr(0, want.size() + 4) != want + " at ") {
      if (++lost <= 20)
        ADD_FAILURE() << "answered " << a.duty << " " << a.event << " by " << a.actor << " -> v" << a.version
                      << (a.replayed ? " (replayed)" : "") << ", journal has "
                      << (it == crash.events.end() ? std::string("nothing") : it->second);
    }
  }
  EXPECT_EQ(lost, 0) << "answered events lost (seed " << seed << ")";
  // Every event a client fired is one that was answered: a retry never applied it twice.
  for (const auto& e : crash.client_events)
    EXPECT_TRUE(answered_versions.count({e.duty, e.seq}))
        << "journaled but never answered: " << e.duty << " #" << e.seq << " " << e.type << " by " << e.actor;
  EXPECT_TRUE(crash.duplicate_keys.empty()) << crash.duplicate_keys.front();
  EXPECT_TRUE(crash.duplicate_points.empty()) << crash.duplicate_points.front();
  EXPECT_EQ(crash.outbox_by_reason.count("catch_up"), 0u) << "the manual clock stood still while the daemon was down";

  // Client events are stamped with the clock at their commit; the clock never goes back.
  for (std::size_t i = 1; i < crash.client_events.size(); ++i)
    ASSERT_LE(crash.client_events[i - 1].at, crash.client_events[i].at)
        << crash.client_events[i].duty << " #" << crash.client_events[i].seq;

  temp_dir ref_dir;
  std::vector<instant> steps;
  {
    std::lock_guard lock(clock_mutex);
    steps = clock_steps;
  }
  auto problems = run_reference(plan_file, ref_dir.file("reference.db"), t0, steps, crash.client_events, tokens);
  EXPECT_EQ(problems, "");
  const auto reference = read_journal(ref_dir.file("reference.db"));
  EXPECT_TRUE(crash.events == reference.events)
      << "journal differs from the never-killed reference (seed " << seed << "):\n"
      << differences(crash.events, reference.events);
  EXPECT_TRUE(crash.outbox == reference.outbox)
      << "outbox differs from the never-killed reference (seed " << seed << "):\n"
      << differences(crash.outbox, reference.outbox);
  EXPECT_TRUE(crash.duties == reference.duties)
      << "duties differ from the never-killed reference (seed " << seed << "):\n"
      << differences(crash.duties, reference.duties);

  std::ostringstream summary;
  summary << "crash test: seed " << seed << ": " << s.rounds << (power_loss ? " power losses" : " SIGKILLs")
          << " under load (+" << startup_kills << " during start-up); ";
  if (power_loss) {
    EXPECT_EQ(tally.losses, s.rounds + startup_kills);
    summary << tally.in_io << " inside a write or sync (" << tally.in_checkpoint << " of a checkpoint), "
            << tally.at_once << " at once, " << tally.idle << " idle, " << tally.early << " before the VFS was in; "
            << tally.with_pending << " found writes not synced: " << tally.pending << " writes, " << tally.kept
            << " kept, " << tally.dropped << " dropped, " << tally.torn << " torn; " << tally.undone
            << " directory entries undone, " << tally.garbled << " -shm files garbled; ";
  }
  summary << stats.calls << " requests, " << stats.posts << " events posted, " << stats.answered << " answered ("
          << stats.in_doubt << " in doubt after a kill, " << stats.replayed
          << " of them answered from the first attempt), " << stats.stale << " x 412, " << stats.refused << " x 409, "
          << stats.unavailable << " x 503; clock " << steps.size() << " steps to "
          << iso(steps.empty() ? t0 : steps.back()) << "; journal " << crash.events.size() << " events ("
          << crash.scheduler_events << " by the scheduler), outbox " << crash.outbox.size() << " rows:";
  for (const auto& [reason, n] : crash.outbox_by_reason) summary << " " << reason << " " << n;
  std::cout << summary.str() << std::endl;
}

}  // namespace

TEST(Crash, AnsweredEventsAndReminderPointsSurviveSigkillUnderLoad) {
  run_crash_test(false);
}

TEST(Crash, AnsweredEventsAndReminderPointsSurvivePowerLossUnderLoad) {
  run_crash_test(true);
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto& s = settings();
  // No arguments: both tests, as ctest runs them. Arguments pick one: the SIGKILL test, or
  // the power-loss test with --power-loss (or DUTYFLOW_CRASH_POWER_LOSS=1).
  bool power_loss = false;
  if (const char* v = std::getenv("DUTYFLOW_CRASH_POWER_LOSS")) power_loss = std::string(v) == "1";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--power-loss")
      power_loss = true;
    else
      argv[kept++] = argv[i];
  }
  const bool pick = power_loss || kept > 1;
  argc = kept;
  auto number = [](const char* text, const char* what) {
    char* end = nullptr;
    auto v = std::strtoull(text, &end, 10);
    if (!text[0] || *end) {
      std::cerr << "crash_test: " << what << " must be a whole number, got \"" << text << "\"\n";
      std::exit(2);
    }
    return v;
  };
  if (const char* v = std::getenv("DUTYFLOW_CRASH_ROUNDS"))
    s.rounds = static_cast<int>(number(v, "DUTYFLOW_CRASH_ROUNDS"));
  if (const char* v = std::getenv("DUTYFLOW_CRASH_SEED")) s.seed = number(v, "DUTYFLOW_CRASH_SEED");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "crash_test: unknown argument " << a
                << " (--power-loss --rounds N --seed S --clients C --duties D)\n";
      return 2;
    }
    if (a == "--rounds")
      s.rounds = static_cast<int>(number(argv[++i], "--rounds"));
    else if (a == "--seed")
      s.seed = number(argv[++i], "--seed");
    else if (a == "--clients")
      s.clients = static_cast<int>(number(argv[++i], "--clients"));
    else if (a == "--duties")
      s.duties = static_cast<int>(number(argv[++i], "--duties"));
    else {
      std::cerr << "crash_test: unknown argument " << a
                << " (--power-loss --rounds N --seed S --clients C --duties D)\n";
      return 2;
    }
  }
  if (pick && GTEST_FLAG_GET(filter) == "*")
    GTEST_FLAG_SET(filter, power_loss ? "Crash.*PowerLoss*" : "Crash.*Sigkill*");
  // The reference engine runs in this process; its per-event log lines would drown the report.
  spdlog::set_level(spdlog::level::warn);
  return RUN_ALL_TESTS();
}

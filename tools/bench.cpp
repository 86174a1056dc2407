// dutyflow-bench: the benchmark programs behind BENCHMARKS.md. Each prints one JSON line.
//   transitions  W1 in-process: N duties through acknowledge, start, submit, approve,
//                durable in SQLite, group commit vs one transaction per transition
//   scheduler    W2: N duties falling due within a window on the system clock; lateness
//   sqlite       the raw SQLite batched insert rate on the same disk, for reference
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/runner.h"
#include "engine/store.h"
#include "workflows/registry.h"

#include <CLI/CLI.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>

using namespace dutyflow;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

// A plan with `n` report duties owned by one unit, due at the given instants (or pending).
std::shared_ptr<const plan> make_plan(std::size_t n, const std::vector<instant>& due, std::chrono::minutes tz) {
  json duties = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    json d{{"id", "d" + std::to_string(i)}, {"kind", "report"}, {"title", "Báo cáo số " + std::to_string(i)},
           {"owner", "xa-a"}};
    d["due"] = i < due.size() ? json{{"at", format_instant(due[i], tz)}} : json{{"milestone", "conference"}, {"offset", "-1wd"}};
    duties.push_back(std::move(d));
  }
  json doc{{"id", "bench"},          {"number", "1/KH-BENCH"},
           {"title", "Đo hiệu năng"}, {"issuer", "UBND huyện Phong Thổ"},
           {"issued_on", "2023-06-05"}, {"coordinator", "noi-vu"},
           {"milestones", json::array({json{{"id", "conference"}, {"title", "Hội nghị"}, {"at", nullptr}}})},
           {"units", json::array({json{{"id", "noi-vu"}, {"name", "Phòng Nội vụ"}}, json{{"id", "xa-a"}, {"name", "Xã A"}}})},
           {"defaults", {{"reminders", {{"before", json::array()}, {"overdue_every", nullptr}, {"escalate_after", nullptr}}}}},
           {"duties", duties}};
  auto loaded = load_plan(doc, builtin_kinds());
  if (!loaded) throw std::runtime_error(loaded.err().message);
  return loaded->value;
}

int bench_transitions(std::size_t n, std::size_t batch, bool single, const std::string& dir, const std::string& sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto st = open_sqlite_store({dir + "/bench.db", sync});
  if (!st) throw std::runtime_error(st.err().message);
  system_clock_source clock;
  working_calendar cal;
  engine eng(**st, builtin_kinds(), clock, cal);
  if (!eng.open()) throw std::runtime_error("open failed");
  auto t_parse = steady::now();
  auto p = make_plan(n, {}, std::chrono::minutes(420));
  double parse_s = seconds_since(t_parse);
  auto t0 = steady::now();
  if (!eng.load(p, actor{"bench", role::system, ""})) throw std::runtime_error("load failed");
  double create_s = seconds_since(t0);
  const actor unit{"xa-a", role::unit, "xa-a"};
  const actor coord{"noi-vu", role::coordinator, "noi-vu"};
  std::size_t done = 0, refused = 0;
  auto t1 = steady::now();
  // Phased order, as W1's alternative: every instance is open at once, and a batch holds
  // distinct duties. With `single`, each transition is its own transaction.
  for (const char* ev : {"acknowledge", "start", "submit", "approve"}) {
    std::vector<command> cmds;
    for (std::size_t i = 0; i < n; ++i) {
      command c;
      c.plan = "bench";
      c.duty = "d" + std::to_string(i);
      c.event = ev;
      c.by = std::string(ev) == "approve" ? coord : unit;
      cmds.push_back(std::move(c));
      if (cmds.size() == (single ? 1 : batch) || i + 1 == n) {
        for (auto& r : eng.apply_batch(cmds)) (r ? done : refused) += 1;
        cmds.clear();
      }
    }
  }
  double steps_s = seconds_since(t1);
  json out{{"bench", "transitions"},
           {"mode", single ? "one transaction per transition" : "group commit"},
           {"duties", n},
           {"batch", single ? 1 : batch},
           {"synchronous", sync},
           {"parse_ms", parse_s * 1000},
           {"create_s", create_s},
           {"transitions", done + n},
           {"refused", refused},
           {"steps_wall_s", steps_s},
           {"transitions_per_s", static_cast<double>(done) / steps_s},
           {"completed_per_s", static_cast<double>(n) / (steps_s + create_s)},
           {"rss_kib", rss_kib()}};
  std::cout << out.dump() << std::endl;
  return refused == 0 ? 0 : 1;
}

int bench_scheduler(std::size_t n, double window_s, const std::string& dir, const std::string& sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto st = open_sqlite_store({dir + "/bench.db", sync});
  if (!st) throw std::runtime_error(st.err().message);
  system_clock_source clock;
  working_calendar cal;
  engine_options opts;
  opts.office_hours_only = false;  // W2 fires around the clock
  engine eng(**st, builtin_kinds(), clock, cal, opts);
  if (!eng.open()) throw std::runtime_error("open failed");
  long rss0 = rss_kib();
  // Deadlines at t0 + U(0, window), in random order; scheduled by loading one plan.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, window_s);
  const instant t0 = clock.now() + std::chrono::seconds(2);  // leave time to load
  std::vector<instant> due(n);
  for (auto& d : due) d = t0 + std::chrono::microseconds(static_cast<std::int64_t>(u(rng) * 1e6));
  auto p = make_plan(n, due, std::chrono::minutes(420));
  auto ts = steady::now();
  if (!eng.load(p, actor{"bench", role::system, ""})) throw std::runtime_error("load failed");
  double schedule_s = seconds_since(ts);
  long rss1 = rss_kib();

  // Lateness = when the engine thread fires the overdue event - its deadline. Dispatch
  // latency = fire - max(deadline, when the plan holding it was committed): what is left
  // once the points that fell due during the load are discounted, as W2 defines it.
  const instant loaded_at = clock.now();
  std::vector<double> lateness, dispatch;
  lateness.reserve(n);
  dispatch.reserve(n);
  std::mutex m;
  std::condition_variable cv;
  std::atomic<std::size_t> fired{0};
  std::unordered_map<std::string, instant> deadline_of;
  for (std::size_t i = 0; i < n; ++i) deadline_of["d" + std::to_string(i)] = due[i];
  eng.add_observer([&](const std::vector<event_row>& events) {
    for (const auto& e : events) {
      if (e.type != "overdue") continue;
      const instant d = deadline_of[e.duty];
      lateness.push_back(std::chrono::duration<double, std::milli>(e.at - d).count());
      dispatch.push_back(std::chrono::duration<double, std::milli>(e.at - std::max(d, loaded_at)).count());
      if (fired.fetch_add(1) + 1 == n) cv.notify_all();
    }
  });
  engine_runner runner(eng, clock);
  runner.set_timer([](engine& e) { return e.next_due(); }, [](engine& e, instant now) { e.run_due(now); });
  runner.start();
  {
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::duration<double>(window_s + 30), [&] { return fired.load() == n; });
  }
  runner.stop();
  std::sort(lateness.begin(), lateness.end());
  std::sort(dispatch.begin(), dispatch.end());
  auto pct_of = [](const std::vector<double>& v, double q) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  auto pct = [&](double q) { return pct_of(lateness, q); };
  auto stats = runner.stats();
  json out{{"bench", "scheduler"},
           {"reminders", n},
           {"window_s", window_s},
           {"synchronous", sync},
           {"fired", fired.load()},
           {"schedule_s", schedule_s},
           {"schedule_per_s", static_cast<double>(n) / schedule_s},
           {"lateness_ms", {{"p50", pct(0.50)}, {"p99", pct(0.99)}, {"max", lateness.empty() ? 0.0 : lateness.back()}}},
           {"dispatch_latency_ms",
            {{"p50", pct_of(dispatch, 0.5)}, {"p99", pct_of(dispatch, 0.99)}, {"max", dispatch.empty() ? 0.0 : dispatch.back()}}},
           {"rss_kib_before_plan", rss0},
           {"rss_kib_after_plan", rss1},
           {"bytes_per_duty", static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(n)},
           {"engine_thread_batches", stats.batches}};
  std::cout << out.dump() << std::endl;
  return fired.load() == n ? 0 : 1;
}

int bench_sqlite(std::size_t n, std::size_t batch, const std::string& dir, const std::string& sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SQLite::Database db(dir + "/raw.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(sync == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, plan TEXT, duty TEXT, seq INTEGER, type TEXT, data TEXT)");
  SQLite::Statement ins(db, "INSERT INTO t (plan, duty, seq, type, data) VALUES (?,?,?,?,?)");
  auto t0 = steady::now();
  for (std::size_t i = 0; i < n;) {
    SQLite::Transaction tx(db);
    for (std::size_t k = 0; k < batch && i < n; ++k, ++i) {
      ins.reset();
      ins.bind(1, "bench");
      ins.bind(2, "d" + std::to_string(i));
      ins.bind(3, 2);
      ins.bind(4, "acknowledge");
      ins.bind(5, "{}");
      ins.exec();
    }
    tx.commit();
  }
  double s = seconds_since(t0);
  std::cout << json{{"bench", "sqlite"}, {"rows", n}, {"batch", batch}, {"synchronous", sync}, {"rows_per_s", n / s}}.dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dutyflow-bench: benchmark programs (see BENCHMARKS.md)"};
  app.require_subcommand(1);
  std::size_t n = 10000, batch = 1000;
  double window = 10;
  bool single = false;
  std::string dir = "/tmp/dutyflow-bench", sync = "full";
  auto common = [&](CLI::App* s) {
    s->add_option("--dir", dir, "scratch directory (wiped)");
    s->add_option("--synchronous", sync, "full | normal");
  };
  auto* t = app.add_subcommand("transitions", "W1 in-process");
  t->add_option("--duties", n);
  t->add_option("--batch", batch);
  t->add_flag("--single", single, "one transaction per transition");
  common(t);
  auto* s = app.add_subcommand("scheduler", "W2: reminders due within a window");
  s->add_option("--reminders", n);
  s->add_option("--window", window, "seconds");
  common(s);
  auto* pl = app.add_subcommand("plan", "write a plan with N report duties (for the HTTP benchmark)");
  std::string out_path = "bench-plan.json";
  pl->add_option("--duties", n);
  pl->add_option("--out", out_path);
  auto* q = app.add_subcommand("sqlite", "raw SQLite batched inserts");
  q->add_option("--rows", n);
  q->add_option("--batch", batch);
  common(q);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  try {
    if (t->parsed()) return bench_transitions(n, batch, single, dir, sync);
    if (s->parsed()) return bench_scheduler(n, window, dir, sync);
    if (q->parsed()) return bench_sqlite(n, batch, dir, sync);
    if (pl->parsed()) {
      std::ofstream(out_path) << make_plan(n, {}, std::chrono::minutes(420))->canonical;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "dutyflow-bench: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

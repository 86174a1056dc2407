// dutyflow-bench: the benchmark programs behind BENCHMARKS.md. Each prints one JSON line.
//   transitions  W1 in-process: N duties through acknowledge, start, submit, approve,
//                durable in SQLite, group commit vs one transaction per transition
//   scheduler    W2: N duties falling due within a window on the system clock; lateness
//   restart      open() of a journal with N duties and 6 events each: replay time, memory
//   sqlite       the raw SQLite batched insert rate on the same disk, for reference
#include "engine/clock.h"
#include "engine/scheduler.h"
#include "engine/engine.h"
#include "engine/runner.h"
#include "engine/store.h"
#include "workflows/registry.h"

#include <CLI/CLI.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <malloc.h>
#include <sys/resource.h>
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

// CPU seconds of the whole process (all threads): on a machine shared with other work this
// says what a step costs even when its wall time does not.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

// Bytes the allocator has handed out and not had back (what live objects occupy, which RSS
// overstates once freed memory stays mapped), less SQLite's page cache: that is bounded by
// its cache_size whatever the number of duties.
std::size_t heap_in_use() {
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd - static_cast<std::size_t>(sqlite3_memory_used());
}

// A plan with `n` report duties owned by one unit, due at the given instants (or pending).
// With `remind_before`, each duty's deadline is that much after its instant and the plan
// reminds that long before the deadline: the instant is then a reminder's point.
plan_load make_plan(std::size_t n, const std::vector<instant>& due, std::chrono::minutes tz,
                    const std::string& id = "bench", std::size_t first = 0,
                    std::optional<duration_spec> remind_before = std::nullopt) {
  const auto shift = remind_before ? remind_before->fixed() : std::chrono::microseconds{0};
  json duties = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    json d{{"id", "d" + std::to_string(first + i)}, {"kind", "report"}, {"title", "Báo cáo số " + std::to_string(first + i)},
           {"owner", "xa-a"}};
    d["due"] = i < due.size() ? json{{"at", format_instant(due[i] + shift, tz)}} : json{{"milestone", "conference"}, {"offset", "-1wd"}};
    duties.push_back(std::move(d));
  }
  json doc{{"id", id},          {"number", "1/KH-BENCH"},
           {"title", "Đo hiệu năng"}, {"issuer", "UBND huyện Phong Thổ"},
           {"issued_on", "2023-06-05"}, {"coordinator", "noi-vu"},
           {"milestones", json::array({json{{"id", "conference"}, {"title", "Hội nghị"}, {"at", nullptr}}})},
           {"units", json::array({json{{"id", "noi-vu"}, {"name", "Phòng Nội vụ"}}, json{{"id", "xa-a"}, {"name", "Xã A"}}})},
           {"defaults", {{"reminders", {{"before", remind_before ? json::array({remind_before->text()}) : json::array()},
                                        {"overdue_every", nullptr},
                                        {"escalate_after", nullptr}}}}},
           {"duties", duties}};
  auto loaded = load_plan(doc, builtin_kinds(), plan_limits::none());  // benchmarks go far past the daemon's default
  if (!loaded) throw std::runtime_error(loaded.err().message);
  return std::move(*loaded);
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

// W2 as ../shared/peers/README.md defines it: N reminders due at t0 + U(0, window) in
// random order, submitted in `chunk`-sized batches (one plan of `chunk` duties each, loaded
// in one transaction) while the executor runs. t0 = start of scheduling + `lead`: with
// lead 0 this is W2 exactly (reminders due before their plan commits are late by design);
// with a lead longer than scheduling takes, all N are pending when the window opens
// (issue 4's "100,000 pending reminders due within 10 s"). With point "reminder" (default)
// each is a reminder one hour before the duty's deadline: an outbox row and the duty's
// reminder progress, one transaction per scheduler run. With point "overdue" each is the
// deadline itself: the duty's `overdue` event (journal + duty row + outbox row), which
// costs more. The fire time is when the observer sees the commit: lateness includes the fsync.
int bench_scheduler(std::size_t n, double window_s, double lead_s, std::size_t chunk, const std::string& dir,
                    const std::string& sync, const std::string& point_kind) {
  const bool overdue = point_kind == "overdue";
  if (!overdue && point_kind != "reminder") throw std::runtime_error("--point is reminder or overdue");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto st = open_sqlite_store({dir + "/bench.db", sync});
  if (!st) throw std::runtime_error(st.err().message);
  system_clock_source clock;
  working_calendar cal;
  engine_options opts;
  opts.office_hours_only = false;  // W2 fires around the clock
  opts.due_soon_working_days = 0;  // one point per reminder, as W2 has: its deadline
  engine eng(**st, builtin_kinds(), clock, cal, opts);
  if (!eng.open()) throw std::runtime_error("open failed");
  const std::size_t heap0 = heap_in_use();

  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, window_s);
  std::vector<std::chrono::microseconds> offset(n);
  for (auto& o : offset) o = std::chrono::microseconds(static_cast<std::int64_t>((lead_s + u(rng)) * 1e6));

  std::vector<instant> due(n);
  std::vector<instant> committed(n);
  std::vector<double> lateness, dispatch;
  lateness.reserve(n);
  dispatch.reserve(n);
  std::mutex m;
  std::condition_variable cv;
  std::size_t fired = 0, loads = 0, commits = 0;
  instant first_fire{}, last_fire{};
  auto fired_at = [&](const std::string& duty, instant now) {
    const std::size_t i = std::stoul(duty.substr(1));
    lateness.push_back(std::chrono::duration<double, std::milli>(now - due[i]).count());
    dispatch.push_back(std::chrono::duration<double, std::milli>(now - std::max(due[i], committed[i])).count());
    if (fired++ == 0) first_fire = now;
    last_fire = now;
  };
  eng.add_outbox_observer([&](const std::vector<outbox_row>& rows) {
    const instant now = clock.now();
    std::lock_guard lock(m);
    ++commits;
    for (const auto& o : rows)
      if (o.reason == (overdue ? "overdue" : "reminder")) fired_at(o.duty, now);
    if (fired == n) cv.notify_all();
  });
  engine_runner runner(eng, clock);
  runner.run_scheduler();
  runner.start();

  const auto ts = steady::now();
  const instant t_start = clock.now();
  for (std::size_t first = 0; first < n; first += chunk) {
    const std::size_t count = std::min(chunk, n - first);
    for (std::size_t i = first; i < first + count; ++i) due[i] = t_start + offset[i];
    auto p = make_plan(count, {due.begin() + first, due.begin() + first + count}, std::chrono::minutes(420),
                       "p" + std::to_string(first / chunk), first,
                       overdue ? std::nullopt : std::optional<duration_spec>(duration_spec{1, duration_spec::unit::hours}));
    runner.post([&, p, first, count](engine& e) {
      if (!e.load(p, actor{"bench", role::system, ""})) throw std::runtime_error("load failed");
      const instant now = clock.now();
      std::lock_guard lock(m);
      for (std::size_t i = first; i < first + count; ++i) committed[i] = now;
      if (++loads * chunk >= n) cv.notify_all();
    });
  }
  double schedule_s = 0;
  std::size_t heap1 = 0;
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return loads * chunk >= n; });
    schedule_s = seconds_since(ts);
    heap1 = heap_in_use();
    cv.wait_for(lock, std::chrono::duration<double>(lead_s + window_s + 60), [&] { return fired == n; });
  }
  runner.stop();
  std::lock_guard lock(m);
  std::sort(lateness.begin(), lateness.end());
  std::sort(dispatch.begin(), dispatch.end());
  auto pct = [](const std::vector<double>& v, double q) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  auto stats = runner.stats();
  const double drain_s = std::chrono::duration<double>(last_fire - first_fire).count();
  json out{{"bench", "scheduler"},
           {"reminders", n},
           {"window_s", window_s},
           {"lead_s", lead_s},
           {"chunk", chunk},
           {"point", point_kind},
           {"synchronous", sync},
           {"fired", fired},
           {"schedule_s", schedule_s},
           {"schedule_per_s", static_cast<double>(n) / schedule_s},
           {"drain_per_s", drain_s > 0 ? static_cast<double>(fired) / drain_s : 0.0},
           {"lateness_ms", {{"p50", pct(lateness, 0.50)}, {"p99", pct(lateness, 0.99)}, {"max", pct(lateness, 1.0)}}},
           {"dispatch_latency_ms",
            {{"p50", pct(dispatch, 0.5)}, {"p99", pct(dispatch, 0.99)}, {"max", pct(dispatch, 1.0)}}},
           {"heap_bytes_per_duty", static_cast<double>(heap1 - heap0) / static_cast<double>(n)},
           {"rss_kib", rss_kib()},
           {"engine_thread_batches", stats.batches},
           {"commits", commits}};
  std::cout << out.dump() << std::endl;
  return fired == n ? 0 : 1;
}

// Restart: a journal of `n` open duties with `per_duty` events each (assigned, then the
// report cycle acknowledge, start, submit, return, submit, ...) is written once; then a
// fresh store and engine open it, replaying every event through the machines and
// cross-checking the duties table. Reports open() wall time and the heap it keeps.
int bench_restart(std::size_t n, std::size_t per_duty, std::size_t chunk, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/bench.db";
  system_clock_source clock;
  working_calendar cal;
  const auto t_setup = steady::now();
  {
    auto st = open_sqlite_store({path, "normal"});  // setup only: durability is not measured here
    if (!st) throw std::runtime_error(st.err().message);
    engine eng(**st, builtin_kinds(), clock, cal);
    if (!eng.open()) throw std::runtime_error("open failed");
    const actor unit{"xa-a", role::unit, "xa-a"};
    const actor coord{"noi-vu", role::coordinator, "noi-vu"};
    // acknowledge, start, then submit and return by turns: the duty stays open (live).
    const char* opening[] = {"acknowledge", "start"};
    for (std::size_t first = 0; first < n; first += chunk) {
      const std::size_t count = std::min(chunk, n - first);
      const std::string plan_id = "p" + std::to_string(first / chunk);
      if (!eng.load(make_plan(count, {}, std::chrono::minutes(420), plan_id, first), actor{"bench", role::system, ""}))
        throw std::runtime_error("load failed");
      for (std::size_t k = 0; k + 1 < per_duty; ++k) {
        std::vector<command> cmds;
        for (std::size_t i = first; i < first + count; ++i) {
          command c;
          c.plan = plan_id;
          c.duty = "d" + std::to_string(i);
          c.event = k < 2 ? opening[k] : (k % 2 == 0 ? "submit" : "return");
          c.by = c.event == "return" ? coord : unit;
          if (c.event == "return") c.note = "Bổ sung số liệu";
          cmds.push_back(std::move(c));
        }
        for (auto& r : eng.apply_batch(cmds))
          if (!r) throw std::runtime_error("setup event refused: " + r.err().message);
      }
    }
    // As dutyflowd leaves its journal when it stops (or after any idle moment): the outbox
    // watermark at its last row, so that open() reads no reminder progress back.
    if (auto r = eng.timers().flush_progress(std::numeric_limits<std::size_t>::max()); !r)
      throw std::runtime_error("flush failed: " + r.err().message);
  }
  const double setup_s = seconds_since(t_setup);
  auto st = open_sqlite_store({path, "full"});
  if (!st) throw std::runtime_error(st.err().message);
  engine eng(**st, builtin_kinds(), clock, cal);
  const std::size_t heap0 = heap_in_use();
  const auto t0 = steady::now();
  const double cpu0 = cpu_seconds();
  if (auto s = eng.open(); !s) throw std::runtime_error("open failed: " + s.err().message);
  const double open_s = seconds_since(t0);
  const double open_cpu_s = cpu_seconds() - cpu0;
  const std::size_t heap1 = heap_in_use();
  auto events = eng.event_count();
  json out{{"bench", "restart"},
           {"duties", eng.duty_count()},
           {"plans", eng.plan_count()},
           {"events", events ? *events : -1},
           {"setup_s", setup_s},
           {"open_s", open_s},
           {"open_cpu_s", open_cpu_s},
           {"heap_bytes_per_duty", static_cast<double>(heap1 - heap0) / static_cast<double>(eng.duty_count())},
           {"rss_kib", rss_kib()},
           {"db_mib", static_cast<double>(std::filesystem::file_size(path)) / (1 << 20)}};
  std::cout << out.dump() << std::endl;
  return 0;
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
  std::size_t n = 10000, batch = 1000, chunk = 1000, per_duty = 6;
  double window = 10, lead = 0;
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
  s->add_option("--lead", lead, "seconds from the start of scheduling to the window (0: W2 exactly)");
  s->add_option("--chunk", chunk, "reminders per plan (W2's BATCH)");
  std::string point_kind = "reminder";
  s->add_option("--point", point_kind, "reminder (a reminder before the deadline) | overdue (the deadline itself)");
  common(s);
  auto* r = app.add_subcommand("restart", "open() of a journal with N duties");
  r->add_option("--duties", n);
  r->add_option("--events-per-duty", per_duty);
  r->add_option("--chunk", chunk, "duties per plan");
  r->add_option("--dir", dir, "scratch directory (wiped)");
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
    if (s->parsed()) return bench_scheduler(n, window, lead, chunk, dir, sync, point_kind);
    if (r->parsed()) return bench_restart(n, per_duty, chunk, dir);
    if (q->parsed()) return bench_sqlite(n, batch, dir, sync);
    if (pl->parsed()) {
      std::ofstream(out_path) << make_plan(n, {}, std::chrono::minutes(420)).canonical;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "dutyflow-bench: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

#include "tests/fuzz/fuzz_world.h"
#include "engine/scheduler.h"

#include "adapters/http/stream_replay.h"
#include "adapters/security/codec.h"

#include "engine/plan.h"
#include "engine/store.h"
#include "workflows/registry.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

namespace dutyflow::fuzz {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The instant every input starts at: the day after the seed plan was issued, office hours.
instant start_instant() { return *parse_instant("2023-06-06T08:00:00+07:00"); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

http::token_entry token(const char* text, const char* name, role r, const char* unit) {
  return http::token_entry{name, r, unit, security::sha256_hex(text)};
}

// `full` adds every duty's history, read back from the journal: what replay must restore.
// Without it the snapshot still sees every change a request can make (each one journals
// an event, queues outbox rows, or moves a duty, a milestone or the clock) at a fraction
// of the cost, which matters since it is taken after every request.
std::string snapshot_of(engine& e, const clock_source& clock, bool full) {
  json out;
  auto events = e.event_count();
  auto outbox = e.notification_counts();
  out["events"] = events ? json(*events) : json("error: " + events.err().message);
  out["outbox"] = outbox ? json(*outbox) : json("error: " + outbox.err().message);
  out["plans"] = e.plans_json();
  json duties = json::array();
  for (auto& d : e.duties_json(duty_filter{}, nullptr)) {
    if (!full) {
      duties.push_back(std::move(d));
      continue;
    }
    auto with_history = e.duty_json(d.value("plan", ""), d.value("id", ""), nullptr, true);
    duties.push_back(with_history ? *with_history : json("error: " + with_history.err().message));
  }
  out["duties"] = std::move(duties);
  out["now"] = format_instant(clock.now(), std::chrono::minutes{0});
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

void fail(const std::string& what) {
  std::fprintf(stderr, "\n==fuzz== %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

const std::string& seed_plan_text() {
  static const std::string text = read_file(std::string(DUTYFLOW_SOURCE_DIR) + "/config/plans/182-kh-ubnd-2023.json");
  return text;
}

struct world::parts {
  std::unique_ptr<store> db;
  manual_clock clock;
  std::unique_ptr<engine> eng;
  std::unique_ptr<engine_runner> runner;
  std::unique_ptr<http::event_hub> hub;
  std::unique_ptr<http::stream_replayer> replay;  // after hub and db: stopped before either goes
  std::unique_ptr<http::signed_urls> calendar_links;
  std::unique_ptr<http::import_services> imports;
  std::unique_ptr<http::event_rate_limiter> event_rate;
  std::unique_ptr<http::services> ctx;
  std::unique_ptr<http::router> router;

  explicit parts(instant now) : clock(now) {}
};

world::world(bool seed_plan) {
  // Logs would drown the fuzzer's own output; errors still show.
  spdlog::set_level(spdlog::level::err);
  // In memory when the machine has /dev/shm: a reset reopens the journal, and SQLite's
  // fsyncs on a disk would cost more than the input itself.
  std::string pattern = (fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/dutyflow-fuzz-XXXXXX");
  if (!mkdtemp(pattern.data())) fail("cannot create a temp directory");
  dir_ = pattern;
  template_path_ = dir_ + "/template.db";
  work_path_ = dir_ + "/journal.db";
  auto cal = working_calendar::load(std::string(DUTYFLOW_SOURCE_DIR) + "/config/calendar");
  if (!cal) fail("calendar: " + cal.err().message);
  calendar_ = std::make_unique<working_calendar>(std::move(*cal));
  ack_signer_ = std::make_unique<security::link_tokens>(
      security::hmac_signer("fuzz-ack-link-key-0123456789abcdef", security::signing_use::action_link));
  tokens_ = std::make_shared<const http::token_store>(std::vector<http::token_entry>{
      token(coordinator_token, "phong-noi-vu", role::coordinator, "phong-noi-vu"),
      token(unit_token, "ubnd-xa-ma-li-pho", role::unit, "xa-ma-li-pho"),
      token(viewer_token, "lanh-dao", role::viewer, ""),
  });

  // The template: what every input starts from, with whatever was due at the start
  // instant already fired, so that the runner has nothing to do until a request asks.
  {
    auto opened = open_sqlite_store(sqlite_options{template_path_, "normal"});
    if (!opened) fail("template store: " + opened.err().message);
    manual_clock clk(start_instant());
    engine e(**opened, builtin_kinds(), clk, *calendar_);
    if (auto s = e.open(); !s) fail("template open: " + s.err().message);
    if (seed_plan) {
      auto p = load_plan(json::parse(seed_plan_text()), builtin_kinds());
      if (!p) fail("seed plan: " + p.err().message);
      if (auto added = e.load(*p, actor{"dutyflowd", role::system, ""}); !added)
        fail("seed plan load: " + added.err().message);
    }
    e.timers().run_due(clk.now());
  }
  fs::copy_file(template_path_, work_path_, fs::copy_options::overwrite_existing);
  build(work_path_);
  template_snapshot_ = snapshot();
  // The template must come back identical, or reset_if_changed() would reset forever.
  replay_check_and_reset();
  if (snapshot() != template_snapshot_) fail("the template journal does not reopen to the same state");
}

world::~world() {
  teardown();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void world::build(const std::string& db_path) {
  auto p = std::make_unique<parts>(start_instant());
  auto opened = open_sqlite_store(sqlite_options{db_path, "normal"});
  if (!opened) fail("store: " + opened.err().message);
  p->db = std::move(*opened);
  p->eng = std::make_unique<engine>(*p->db, builtin_kinds(), p->clock, *calendar_);
  if (auto s = p->eng->open(); !s) fail("engine open: " + s.err().message);
  p->runner = std::make_unique<engine_runner>(*p->eng, p->clock);
  p->hub = std::make_unique<http::event_hub>();
  p->calendar_links = std::make_unique<http::signed_urls>(
      security::hmac_signer("fuzz-calendar-key-0123456789abcdef", security::signing_use::calendar_link));
  p->replay = std::make_unique<http::stream_replayer>(
      *p->hub, [db_path] { return open_sqlite_journal_reader(db_path); });
  p->replay->start();
  p->imports = std::make_unique<http::import_services>(http::import_services::directories{});
  // No allowance limits the fuzzer (0 turns a limit off), as before it had none.
  p->event_rate = std::make_unique<http::event_rate_limiter>(http::event_rate_options{{0, 0}, {0, 0}, {0, 0}});
  p->ctx = std::make_unique<http::services>(http::services{*p->runner, builtin_kinds(), p->clock, *calendar_, *p->hub,
                                                           *p->replay, *p->calendar_links, *ack_signer_, *p->imports,
                                                           *p->event_rate});
  p->ctx->manual = &p->clock;
  auto* clk = &p->clock;
  p->ctx->after_clock_move = [clk](engine& e) { e.timers().run_due(clk->now()); };
  auto* hub = p->hub.get();
  p->eng->add_observer([hub](const std::vector<event_row>& committed) { hub->publish(committed); });
  p->router = std::make_unique<http::router>(*p->ctx, tokens_);
  p->runner->run_scheduler();
  p->runner->start();
  parts_ = std::move(p);
}

void world::teardown() {
  if (!parts_) return;
  parts_->hub->stop();
  parts_->runner->stop();
  parts_->replay->stop();
  parts_.reset();
}

engine& world::eng() { return *parts_->eng; }
manual_clock& world::clock() { return parts_->clock; }
http::router& world::router() { return *parts_->router; }
engine_runner& world::runner() { return *parts_->runner; }

void world::on_engine(const std::function<void(engine&)>& fn) {
  std::promise<void> done;
  auto f = done.get_future();
  parts_->runner->post([&](engine& e) {
    fn(e);
    done.set_value();
  });
  if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) fail("the engine thread did not answer in 30 s");
}

void world::wait_replays() {
  // Each round trip through the replay thread is a point where a step has finished; a
  // replay takes a few steps (a page each, then the hand-over).
  for (int round = 0; parts_->replay->in_progress() > 0; ++round) {
    if (round > 10000) fail("a stream replay did not end");
    std::promise<void> done;
    auto f = done.get_future();
    parts_->replay->post([&](journal_reader*) { done.set_value(); });
    if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) fail("the replay thread did not answer in 30 s");
  }
}

std::string world::snapshot() {
  std::string out;
  on_engine([&](engine& e) { out = snapshot_of(e, parts_->clock, false); });
  return out;
}

void world::replay_check_and_reset() {
  std::string before;
  on_engine([&](engine& e) { before = snapshot_of(e, parts_->clock, true); });
  const auto now = parts_->clock.now();
  teardown();
  {
    // Replay alone, without a runner: nothing may fire while we look.
    auto opened = open_sqlite_store(sqlite_options{work_path_, "normal"});
    if (!opened) fail("replay store: " + opened.err().message);
    manual_clock clk(now);
    engine e(**opened, builtin_kinds(), clk, *calendar_);
    if (auto s = e.open(); !s) fail("replay open: " + s.err().message);
    const auto after = snapshot_of(e, clk, true);
    if (after != before) fail("replaying the journal gives another state:\nbefore: " + before + "\nafter:  " + after);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::remove(work_path_ + suffix, ec);
  }
  fs::copy_file(template_path_, work_path_, fs::copy_options::overwrite_existing);
  build(work_path_);
}

void world::reset_if_changed() {
  if (snapshot() != template_snapshot_) replay_check_and_reset();
}

}  // namespace dutyflow::fuzz

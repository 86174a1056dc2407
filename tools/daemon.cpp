// dutyflowd's life (tools/daemon.h): the settings read once, then the components started
// in the order they depend on each other and stopped in reverse.
#include "tools/daemon.h"

#include "adapters/http/auth.h"
#include "adapters/http/imports.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/router.h"
#include "adapters/http/server.h"
#include "adapters/http/stream_replay.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/services.h"
#include "adapters/http/signed_urls.h"
#include "adapters/security/signer.h"
#include "engine/calendar.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/runner.h"
#include "engine/scheduler.h"
#include "engine/store.h"
#include "workflows/registry.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;

namespace dutyflow {

namespace {

// Loads every *.json of `dir` in name order. A bad file is logged and skipped so that
// one broken plan does not take the others down; returns how many failed.
int load_plan_dir(engine& eng, const std::string& dir, const plan_limits& limits) {
  if (dir.empty() || !fs::is_directory(dir)) {
    spdlog::warn("plans: directory {} not found; no plans loaded from files", dir);
    return 0;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  int failed = 0;
  const actor loader{"dutyflowd", role::system, ""};
  for (const auto& f : files) {
    auto loaded = load_plan_file(f.string(), builtin_kinds(), limits);
    if (!loaded) {
      ++failed;
      spdlog::error("plans: {}: {}", f.string(), loaded.err().message);
      for (const auto& issue : plan_errors(loaded.err())) spdlog::error("plans: {}: {}", f.string(), issue.text());
      continue;
    }
    for (const auto& w : loaded->warnings) spdlog::warn("plans: {}: {}", f.string(), w.text());
    auto added = eng.load(*loaded, loader);
    if (!added) {
      ++failed;
      spdlog::error("plans: {}: {}", f.string(), added.err().message);
    } else if (*added) {
      spdlog::info("plans: {} loaded as plan {}", f.string(), loaded->value->id);
    }
  }
  return failed;
}

void log_summary(const engine& eng) {
  for (const auto& p : eng.plans_json()) {
    const auto& counts = p["counts"];
    spdlog::info("plan {} ({}): {} duties, {} done, {} overdue, {} pending deadline", p["id"].get<std::string>(),
                 p["number"].get<std::string>(), counts["total"].get<int>(), counts["done"].get<int>(),
                 counts["overdue"].get<int>(), counts["pending"].get<int>());
    duty_filter f;
    f.plan = p["id"].get<std::string>();
    for (const auto& d : eng.duties_json(f, nullptr)) {
      spdlog::info("  duty {}/{} [{}] owner={} state={}/{} v{} deadline={}", f.plan, d["id"].get<std::string>(),
                   d["kind"].get<std::string>(), d["owner"].get<std::string>(),
                   d["state"]["progress"].get<std::string>(), d["state"]["timeliness"].get<std::string>(),
                   d["version"].get<std::int64_t>(), d["deadline"].is_null() ? "pending" : d["deadline"].get<std::string>());
    }
  }
}

}  // namespace

result<daemon_settings> read_daemon_settings(const std::string& config_path, const daemon_overrides& overrides) {
  auto config = read_config_file(config_path);
  if (!config) return std::move(config).err();
  daemon_settings out;
  if (auto s = read_daemon_config(*config, out.daemon); !s) return std::move(s).err();
  auto& d = out.daemon;
  for (auto [flag, value] : {std::pair{&overrides.listen, &d.listen}, std::pair{&overrides.db, &d.db},
                             std::pair{&overrides.plans, &d.plans}, std::pair{&overrides.tokens, &d.tokens},
                             std::pair{&overrides.clock, &d.clock}})
    if (!flag->empty()) *value = *flag;
  status s = read_engine_settings(*config, out.engine);
  if (s) s = read_plan_limits(*config, out.plan_size);
  if (s) s = read_http_settings(*config, out.server, out.auth_limit);
  // After the server's settings: the streams' default is half of its connections.
  if (s) s = read_http_limits(*config, out.server, out.stream, out.event_rate);
  if (s) s = read_metrics_settings(*config, out.metrics_allow_loopback);
  if (s) s = read_notify_settings(*config, out.notify);
  if (!s) return std::move(s).err();
  return out;
}

int run_daemon(const daemon_settings& settings) {
  const daemon_options& opts = settings.daemon;
  auto clock = make_clock(opts.clock);
  if (!clock) {
    spdlog::error("{}", clock.err().message);
    return 2;
  }
  auto calendar = working_calendar::load(opts.calendar);
  if (!calendar) {
    spdlog::error("calendar: {}", calendar.err().message);
    return 2;
  }
  std::error_code ec;
  if (auto parent = fs::path(opts.db).parent_path(); !parent.empty()) fs::create_directories(parent, ec);
  auto db_store = open_sqlite_store(sqlite_options{opts.db, opts.synchronous});
  if (!db_store) {
    spdlog::error("{}", db_store.err().message);
    return 2;
  }

  engine eng(**db_store, builtin_kinds(), **clock, *calendar, settings.engine);
  const auto started = std::chrono::steady_clock::now();
  if (auto s = eng.open(); !s) {
    spdlog::error("journal replay failed: {}", s.err().message);
    return 3;
  }
  auto events = (*db_store)->event_count();
  spdlog::info("journal {}: replayed {} events into {} duties of {} plans in {} ms (clock: {})", opts.db,
               events ? *events : -1, eng.duty_count(), eng.plan_count(),
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
               (*clock)->mode());
  const plan_limits& plan_size = settings.plan_size;
  load_plan_dir(eng, opts.plans, plan_size);
  log_summary(eng);

  auto tokens = http::token_store::load(opts.tokens);
  if (!tokens) {
    spdlog::error("tokens: {}", tokens.err().message);
    return 2;
  }
  if (tokens->empty())
    spdlog::warn("tokens: no tokens in {}; every API request but /healthz will get 401 (create one with "
                 "`dutyflow token add`)",
                 opts.tokens);
  else
    spdlog::info("tokens: {} token(s) from {}", tokens->size(), opts.tokens);

  engine_runner runner(eng, **clock);
  // The dashboard's live stream, calendar feeds, report and metrics.
  const std::string key_path = opts.calendar_key.empty()
                                   ? (fs::path(opts.db).parent_path() / "calendar.key").string()
                                   : opts.calendar_key;
  auto calendar_signer = security::load_signer(key_path, security::signing_use::calendar_link);
  if (!calendar_signer) {
    spdlog::error("calendar links: {}", calendar_signer.err().message);
    return 2;
  }
  const http::signed_urls calendar_links(std::move(*calendar_signer));
  http::server_options server_opts = settings.server;
  const http::auth_limit_options& auth_limit = settings.auth_limit;
  const http::event_hub_options& stream_opts = settings.stream;
  const http::event_rate_options& event_rate_opts = settings.event_rate;
  server_opts.listen = opts.listen;
  http::event_hub hub(stream_opts);
  // Returning stream clients are replayed from the journal by a reader of its own, never
  // on the engine thread; /metrics' journal figures are read there too, and calendar
  // feeds written.
  const std::string journal_path = opts.db;
  http::stream_replay_options replay_opts;
  replay_opts.queue_bytes = server_opts.stream_queue_bytes;
  http::stream_replayer replayer(
      hub, [journal_path] { return open_sqlite_journal_reader(journal_path); }, replay_opts);
  http::event_rate_limiter event_rate(event_rate_opts);
  eng.add_observer([&hub](const std::vector<event_row>& committed) { hub.publish(committed); });
  hub.start();
  replayer.start();
  // Notifications (adapters/notify): the one-click link key now, the dispatcher once the
  // port is known (links point at it unless notify.base_url says otherwise).
  const notify_settings& notify_opts = settings.notify;
  auto ack_signer = load_link_signer(notify_opts, opts.db);
  if (!ack_signer) {
    spdlog::error("notify: {}", ack_signer.err().message);
    return 2;
  }
  // Plan imports (POST /api/v1/imports) take units, names and contacts from here.
  auto unit_directories = importer::load_unit_directories(opts.units);
  if (!unit_directories) {
    spdlog::error("units: {}", unit_directories.err().message);
    return 2;
  }
  spdlog::info("units: {} units directories from {}", unit_directories->size(), opts.units);
  http::import_services imports(std::move(*unit_directories));
  // What every handler works with (adapters/http/services.h).
  const clock_source& clk = **clock;
  http::services ctx{runner, builtin_kinds(), clk, *calendar, hub, replayer, calendar_links, **ack_signer, imports,
                     event_rate};
  ctx.plan_size = plan_size;
  ctx.metrics_allow_loopback = settings.metrics_allow_loopback;
  ctx.manual = dynamic_cast<manual_clock*>(clock->get());
  // After the admin endpoint moves a manual clock, fire what became due before answering.
  ctx.after_clock_move = [&clk](engine& e) { e.timers().run_due(clk.now()); };
  std::unique_ptr<notify::dispatcher> notifier;
  // New outbox rows go out now, not at the next poll: whatever committed them (an event, or
  // the scheduler's reminders alone, which journal no event).
  eng.add_outbox_observer([&notifier](const std::vector<outbox_row>&) {
    if (notifier) notifier->poke();
  });
  http::router router(ctx, std::make_shared<const http::token_store>(std::move(*tokens)), auth_limit);
  http::server server(router, server_opts);
  ctx.http = [&server, &router] {
    const auto s = server.stats();
    const auto a = router.auth_stats();
    http::http_stats h;
    h.connections = s.connections;
    h.connections_refused = s.connections_refused;
    h.connections_refused_per_address = s.connections_refused_per_address;
    h.timeouts = s.timeouts;
    h.bad_requests = s.bad_requests;
    h.auth_failures = a.failures;
    h.auth_throttled = a.throttled;
    h.auth_clients_tracked = a.tracked;
    return h;
  };
  if (auto s = server.start(); !s) {
    spdlog::error("http: {}", s.err().message);
    return 2;
  }
  if (notify_opts.enabled) {
    auto link_host = opts.listen.substr(0, opts.listen.rfind(':'));
    if (link_host.empty() || link_host == "0.0.0.0") link_host = "127.0.0.1";
    auto made = make_dispatcher(notify_opts, opts.db, opts.synchronous, *ack_signer, **clock, builtin_kinds(),
                                "http://" + link_host + ":" + std::to_string(server.port()));
    if (!made) {
      spdlog::error("notify: {}", made.err().message);
      return 2;
    }
    notifier = std::move(*made);
  } else {
    spdlog::warn("notify: disabled (notify.enabled is false); notifications stay pending in the outbox");
  }
  // The scheduler runs on the engine thread: one timer at the earliest due instant.
  runner.run_scheduler();
  runner.start();
  if (notifier) notifier->start();
  auto host = opts.listen.substr(0, opts.listen.rfind(':'));
  spdlog::info("http: listening on http://{}:{}", host.empty() ? "0.0.0.0" : host, server.port());
  spdlog::info(
      "http: at most {} connections, {} per client; first byte within {} ms, request head within {} ms, body within "
      "{} ms, keep-alive {} ms; {} failed token checks per client per {} ms",
      server_opts.max_connections,
      server_opts.max_connections_per_address > 0 ? std::to_string(server_opts.max_connections_per_address)
                                                  : std::string("any number"),
      server_opts.first_byte_timeout.count(),
      server_opts.header_timeout.count(), server_opts.body_timeout.count(), server_opts.keep_alive_timeout.count(),
      auth_limit.limit, auth_limit.window.count());
  auto allowance = [](const http::rate_allowance& a) {
    return a.off() ? std::string("off") : fmt::format("{:g} at once, {:g}/min", a.burst, a.per_minute);
  };
  spdlog::info("http: at most {} streams, {} per token, {} bytes queued each, {} events replayed; events per unit "
               "token {}, per coordinator token {}, per duty {}",
               stream_opts.max_streams, stream_opts.streams_per_token, server_opts.stream_queue_bytes,
               stream_opts.replay_limit, allowance(event_rate_opts.unit), allowance(event_rate_opts.coordinator),
               allowance(event_rate_opts.duty));

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  boost::asio::steady_timer drain(io);
  const auto stop_deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  // After SIGTERM: no new connections; wait (up to 10 s) until every request already
  // received has its answer written, so nothing answered is cut off mid-commit.
  std::function<void()> wait_drained = [&] {
    if (server.in_flight() == 0 || std::chrono::steady_clock::now() > *stop_deadline) {
      io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&](const boost::system::error_code&) { wait_drained(); });
  };
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& err,
                                                                              int sig) {
    if (err) return;
    if (sig == SIGHUP) {
      auto fresh = http::token_store::load(opts.tokens);
      if (fresh) {
        spdlog::info("SIGHUP: {} token(s) reloaded from {}", fresh->size(), opts.tokens);
        router.set_tokens(std::make_shared<const http::token_store>(std::move(*fresh)));
      } else {
        spdlog::error("SIGHUP: tokens not reloaded: {}", fresh.err().message);
      }
      if (auto dirs = importer::load_unit_directories(opts.units)) {
        imports.set(std::move(*dirs));
      } else {
        spdlog::error("SIGHUP: units directories not reloaded (the old ones stay): {}", dirs.err().message);
      }
      runner.post([&opts, plan_size](engine& e) {
        spdlog::info("SIGHUP: reloading plans from {}", opts.plans);
        load_plan_dir(e, opts.plans, plan_size);
      });
      signals.async_wait(on_signal);
      return;
    }
    spdlog::info("signal {}: stopping (finishing requests in flight)", sig);
    server.stop_accepting();
    *stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    wait_drained();
  };
  signals.async_wait(on_signal);
  spdlog::info("dutyflowd ready (pid {})", static_cast<long>(::getpid()));
  io.run();
  if (notifier) notifier->stop();  // deliveries under way finish and are recorded first
  hub.stop();
  runner.stop();
  replayer.stop();  // after the runner: the engine thread hands calendar feeds to it
  server.stop();
  spdlog::info("dutyflowd stopped");
  return 0;
}

}  // namespace dutyflow

// dutyflowd's life in one place. read_daemon_settings() reads the config file once, every
// section of it, and applies the command line; run_daemon() starts the components in the
// order they depend on each other — clock, calendar, journal (opened and replayed), engine,
// plan files, tokens, the engine thread (runner and scheduler), streams and their replay
// reader, link signers, imports, the HTTP server, the notification dispatcher — serves
// until SIGTERM or SIGINT (SIGHUP reloads tokens, units directories and plan files), and
// stops them in reverse, letting requests in flight finish first. Called once, from
// dutyflowd's main thread.
#pragma once

#include "adapters/http/auth_limit.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/server.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/status.h"
#include "tools/daemon_config.h"
#include "tools/notify_setup.h"

#include <string>

namespace dutyflow {

// What the command line gave; empty: the config file's value.
struct daemon_overrides {
  std::string listen, db, plans, tokens, clock;
};

// Every setting of dutyflowd, from one reading of the config file.
struct daemon_settings {
  daemon_options daemon;
  engine_options engine;
  plan_limits plan_size;
  http::server_options server;  // `listen` comes from daemon.listen
  http::auth_limit_options auth_limit;
  http::event_hub_options stream;
  http::event_rate_options event_rate;
  bool metrics_allow_loopback = false;
  notify_settings notify;
};

// Errors: those of read_config_file and of each section's reader (errc::invalid naming
// the file and the key, errc::not_found for an unreadable file).
result<daemon_settings> read_daemon_settings(const std::string& config_path, const daemon_overrides& overrides);

// Runs the daemon until a signal stops it. Returns the process's exit code: 0 after
// SIGTERM/SIGINT, 2 when a component cannot start, 3 when the journal cannot be replayed
// (each logged).
int run_daemon(const daemon_settings& settings);

}  // namespace dutyflow

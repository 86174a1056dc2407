// dutyflowd's settings: read from config/dutyflowd.json, then overridden by flags.
// Plain data; built once at start-up on the main thread. The daemon reads the file once
// (read_config_file, tools/config_section.h) and hands the parsed file to each reader; the
// overloads taking a path read the file for one section (the CLI, tests).
#pragma once

#include "adapters/http/auth_limit.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/server.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/status.h"
#include "tools/config_section.h"

#include <string>

namespace dutyflow {

struct daemon_options {
  // Address the HTTP API listens on. Default: "127.0.0.1:8080".
  std::string listen = "127.0.0.1:8080";
  // SQLite database file; its directory is created if missing. Default: "var/dutyflow.db".
  std::string db = "var/dutyflow.db";
  // Directory of plan files (*.json) loaded at start and on SIGHUP. Default: "config/plans".
  std::string plans = "config/plans";
  // Directory of units directories (*.json: a district's units with ids, names and
  // contacts) that plan imports take their units from; read at start and on SIGHUP.
  // Default: "config/units".
  std::string units = "config/units";
  // Tokens file (hashes only). Empty: no tokens, every API call but /healthz is refused.
  std::string tokens = "var/tokens.json";
  // Directory of yearly working-calendar overrides. Default: "config/calendar".
  std::string calendar = "config/calendar";
  // "system", "manual:ISO" or "scaled:ISO:FACTOR". Default: "system".
  std::string clock = "system";
  // SQLite synchronous mode: "full" (default, survives power loss) or "normal".
  std::string synchronous = "full";
  // spdlog level: trace, debug, info (default), warn, error.
  std::string log_level = "info";
  // Secret file of the signed calendar links (calendar.ics?exp=&sig=); created with mode
  // 0600 on first start. Default: "" (calendar.key next to the database, in var/).
  std::string calendar_key;
};

// Reads a JSON config file into `out` (keys absent from the file keep their value).
// Returns errc::invalid naming the file and the bad key, errc::not_found if unreadable.
status read_daemon_config(const config_file& config, daemon_options& out);
status read_daemon_config(const std::string& path, daemon_options& out);

// Reads "metrics": {"allow_loopback": bool} of the config file: true lets any loopback
// peer read /metrics without a token (off by default: behind a reverse proxy on the same
// machine every client is a loopback peer). Absent: `allow_loopback` keeps its value.
// Errors as read_daemon_config.
status read_metrics_settings(const config_file& config, bool& allow_loopback);
status read_metrics_settings(const std::string& path, bool& allow_loopback);

// Reads the "http" object of the config file (the connection limits and timeouts, and
// "auth_failures") into the server's and the router's options; absent keys, or no
// section at all, keep their value. Errors as read_daemon_config. `server.listen` is not
// read here: it is the top-level "listen".
status read_http_settings(const config_file& config, http::server_options& server, http::auth_limit_options& auth);
status read_http_settings(const std::string& path, http::server_options& server, http::auth_limit_options& auth);

// Reads the limits of the "http" section that are not the server's own: "stream"
// ({"max_open", "per_token", "queue_bytes", "replay_limit"}; queue_bytes goes to
// `server`) and "event_rate" ({"unit", "coordinator", "duty": {"burst", "per_minute"},
// "tracked"}). Call it after read_http_settings: the default of stream.max_open is half
// of `server.max_connections`, and a max_open that is not below it is an error (streams
// must leave places for requests). Absent keys keep their value. Errors as
// read_daemon_config.
status read_http_limits(const config_file& config, http::server_options& server, http::event_hub_options& stream,
                        http::event_rate_options& rate);
status read_http_limits(const std::string& path, http::server_options& server, http::event_hub_options& stream,
                        http::event_rate_options& rate);

// Reads the "plan_limits" object of the config file ({"max_duties", "max_units",
// "max_groups", "max_dependency_depth"}, whole numbers >= 1) into `out`; absent keys keep
// their value. Errors as read_daemon_config.
status read_plan_limits(const config_file& config, plan_limits& out);
status read_plan_limits(const std::string& path, plan_limits& out);

// Reads the "engine" object of the config file into `out`: "due_soon_working_days"
// (0-30), "office_hours_only" (bool), "office_open" and "office_close" ("HH:MM", open
// before close), "overdue_repeat_limit" (0-1000), "idempotency_ttl" (a duration of at
// least 24h, whole hours), "fallback_channel" (log or file),
// "progress_backlog" (1,000-100,000,000). Absent keys keep their value. Errors as
// read_daemon_config.
status read_engine_settings(const config_file& config, engine_options& out);
status read_engine_settings(const std::string& path, engine_options& out);

}  // namespace dutyflow

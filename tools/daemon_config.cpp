#include "tools/daemon_config.h"
#include "tools/config_section.h"


#include <nlohmann/json.hpp>

#include <algorithm>

namespace dutyflow {


status read_daemon_config(const config_file& config, daemon_options& out) {
  const auto& doc = config.doc;
  const auto& path = config.path;
  struct field {
    const char* key;
    std::string* target;
  };
  const field fields[] = {{"listen", &out.listen},   {"db", &out.db},         {"plans", &out.plans}, {"units", &out.units},
                          {"tokens", &out.tokens},   {"calendar", &out.calendar}, {"clock", &out.clock},
                          {"synchronous", &out.synchronous}, {"log_level", &out.log_level},
                          {"calendar_key", &out.calendar_key}};
  for (const auto& [key, value] : doc.items()) {
    bool known = false;
    for (const auto& f : fields) {
      if (key != f.key) continue;
      known = true;
      if (!value.is_string()) return make_error(errc::invalid, path + ": \"" + key + "\" must be a string");
      *f.target = value.get<std::string>();
    }
    // Later components (notifications, http) read their own sections; unknown top-level
    // scalars are most likely typos.
    if (!known && !value.is_object()) return make_error(errc::invalid, path + ": unknown setting \"" + key + "\"");
  }
  if (out.synchronous != "full" && out.synchronous != "normal")
    return make_error(errc::invalid, path + ": \"synchronous\" must be \"full\" or \"normal\"");
  return ok_status();
}

status read_metrics_settings(const config_file& config, bool& allow_loopback) {
  auto section = config.section("metrics");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  std::string error;
  const config_section m(**section, "metrics");
  if (!m.check_keys({"allow_loopback"}, error) || !m.boolean("allow_loopback", allow_loopback, error))
    return config.invalid(error);
  return ok_status();
}

status read_http_settings(const config_file& config, http::server_options& server, http::auth_limit_options& auth) {
  auto section = config.section("http");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  const auto* it = *section;

  std::string error;
  auto bad = [&] { return config.invalid(error); };
  const config_section h(*it, "http");
  long long threads = server.threads, max_connections = static_cast<long long>(server.max_connections);
  long long header_limit = static_cast<long long>(server.header_limit);
  long long body_limit = static_cast<long long>(server.body_limit);
  long long upload_limit = static_cast<long long>(server.upload_limit);
  long long per_address = static_cast<long long>(server.max_connections_per_address);
  if (!h.check_keys({"threads", "max_connections", "max_connections_per_address", "first_byte_timeout",
                     "header_timeout", "body_timeout", "keep_alive_timeout", "send_timeout", "header_limit",
                     "body_limit", "upload_limit", "auth_failures", "stream", "event_rate"},
                    error) ||
      !h.integer("threads", 1, 64, threads, error) ||
      !h.integer("max_connections", 1, 1000000, max_connections, error) ||
      !h.integer("max_connections_per_address", 0, 1000000, per_address, error) ||
      !h.duration("first_byte_timeout", server.first_byte_timeout, error) ||
      !h.duration("header_timeout", server.header_timeout, error) ||
      !h.duration("body_timeout", server.body_timeout, error) ||
      !h.duration("keep_alive_timeout", server.keep_alive_timeout, error) ||
      !h.duration("send_timeout", server.send_timeout, error) ||
      !h.integer("header_limit", 1024, 1024 * 1024, header_limit, error) ||
      !h.integer("body_limit", 1024, 1024LL * 1024 * 1024, body_limit, error) ||
      !h.integer("upload_limit", 1024, 1024LL * 1024 * 1024, upload_limit, error))
    return bad();
  const std::pair<const char*, std::chrono::milliseconds> timeouts[] = {
      {"first_byte_timeout", server.first_byte_timeout},
      {"header_timeout", server.header_timeout},
      {"body_timeout", server.body_timeout},
      {"keep_alive_timeout", server.keep_alive_timeout},
      {"send_timeout", server.send_timeout}};
  for (const auto& [key, value] : timeouts) {
    if (value.count() <= 0) {
      error = "\"" + h.path(key) + "\" must be longer than zero";
      return bad();
    }
  }
  server.threads = static_cast<int>(threads);
  server.max_connections = static_cast<std::size_t>(max_connections);
  server.max_connections_per_address = static_cast<std::size_t>(per_address);
  server.header_limit = static_cast<std::size_t>(header_limit);
  server.body_limit = static_cast<std::size_t>(body_limit);
  server.upload_limit = static_cast<std::size_t>(upload_limit);
  if (const auto* a = h.object("auth_failures", error)) {
    const config_section as(*a, "http.auth_failures");
    long long limit = auth.limit, tracked = static_cast<long long>(auth.tracked_clients);
    if (!as.check_keys({"limit", "window", "tracked_clients"}, error) ||
        !as.integer("limit", 0, 1000000, limit, error) || !as.duration("window", auth.window, error) ||
        !as.integer("tracked_clients", 1, 10000000, tracked, error))
      return bad();
    if (auth.window.count() <= 0) {
      error = "\"http.auth_failures.window\" must be longer than zero";
      return bad();
    }
    auth.limit = static_cast<int>(limit);
    auth.tracked_clients = static_cast<std::size_t>(tracked);
  }
  if (!error.empty()) return bad();
  return ok_status();
}

status read_http_limits(const config_file& config, http::server_options& server, http::event_hub_options& stream,
                        http::event_rate_options& rate) {
  // Half the connections at most, unless the config says otherwise: the other half stays
  // for ordinary requests however many dashboards are open.
  stream.max_streams = std::max<std::size_t>(1, server.max_connections / 2);
  auto section = config.section("http");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  std::string error;
  auto bad = [&] { return config.invalid(error); };
  const config_section h(**section, "http");
  if (const auto* st = h.object("stream", error)) {
    const config_section ss(*st, "http.stream");
    long long max_open = static_cast<long long>(stream.max_streams);
    long long per_token = static_cast<long long>(stream.streams_per_token);
    long long queue = static_cast<long long>(server.stream_queue_bytes);
    long long replay = stream.replay_limit;
    if (!ss.check_keys({"max_open", "per_token", "queue_bytes", "replay_limit"}, error) ||
        !ss.integer("max_open", 0, 1000000, max_open, error) ||
        !ss.integer("per_token", 0, 1000000, per_token, error) ||
        !ss.integer("queue_bytes", 64 * 1024, 1024LL * 1024 * 1024, queue, error) ||
        !ss.integer("replay_limit", 0, 100000000, replay, error))
      return bad();
    if (max_open == 0 || static_cast<std::size_t>(max_open) >= server.max_connections) {
      if (server.max_connections > 1) {
        error = "\"http.stream.max_open\" must be from 1 to " + std::to_string(server.max_connections - 1) +
                ", below http.max_connections: streams must not take every connection";
        return bad();
      }
      max_open = 1;  // one connection in all: nothing to keep
    }
    stream.max_streams = static_cast<std::size_t>(max_open);
    stream.streams_per_token = static_cast<std::size_t>(per_token);
    server.stream_queue_bytes = static_cast<std::size_t>(queue);
    stream.replay_limit = static_cast<int>(replay);
  }
  if (!error.empty()) return bad();
  if (const auto* er = h.object("event_rate", error)) {
    const config_section es(*er, "http.event_rate");
    long long tracked = static_cast<long long>(rate.tracked);
    if (!es.check_keys({"unit", "coordinator", "duty", "tracked"}, error) ||
        !es.integer("tracked", 2, 100000000, tracked, error))
      return bad();
    const std::pair<const char*, http::rate_allowance*> allowances[] = {
        {"unit", &rate.unit}, {"coordinator", &rate.coordinator}, {"duty", &rate.duty}};
    for (const auto& [key, a] : allowances) {
      const auto* obj = es.object(key, error);
      if (!error.empty()) return bad();
      if (!obj) continue;
      const config_section as(*obj, es.path(key));
      long long burst = static_cast<long long>(a->burst);
      double per_minute = a->per_minute;
      if (!as.check_keys({"burst", "per_minute"}, error) || !as.integer("burst", 0, 1000000000, burst, error) ||
          !as.number("per_minute", 0, 1e9, per_minute, error))
        return bad();
      a->burst = static_cast<double>(burst);
      a->per_minute = per_minute;
    }
    rate.tracked = static_cast<std::size_t>(tracked);
  }
  if (!error.empty()) return bad();
  return ok_status();
}

status read_plan_limits(const config_file& config, plan_limits& out) {
  auto section = config.section("plan_limits");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  std::string error;
  const config_section l(**section, "plan_limits");
  long long duties = static_cast<long long>(out.max_duties), units = static_cast<long long>(out.max_units),
            groups = static_cast<long long>(out.max_groups), depth = static_cast<long long>(out.max_dependency_depth);
  if (!l.check_keys({"max_duties", "max_units", "max_groups", "max_dependency_depth"}, error) ||
      !l.integer("max_duties", 1, 10000000, duties, error) || !l.integer("max_units", 1, 1000000, units, error) ||
      !l.integer("max_groups", 1, 1000000, groups, error) ||
      !l.integer("max_dependency_depth", 1, 10000000, depth, error))
    return config.invalid(error);
  out.max_duties = static_cast<std::size_t>(duties);
  out.max_units = static_cast<std::size_t>(units);
  out.max_groups = static_cast<std::size_t>(groups);
  out.max_dependency_depth = static_cast<std::size_t>(depth);
  return ok_status();
}

namespace {

// "07:30" -> 450 minutes; false unless HH:MM with HH 00-23 and MM 00-59.
bool clock_time(const std::string& text, std::chrono::minutes& out) {
  if (text.size() != 5 || text[2] != ':') return false;
  for (std::size_t i : {0, 1, 3, 4})
    if (text[i] < '0' || text[i] > '9') return false;
  const int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return false;
  out = std::chrono::minutes(h * 60 + m);
  return true;
}

}  // namespace

status read_engine_settings(const config_file& config, engine_options& out) {
  auto section = config.section("engine");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  std::string error;
  auto bad = [&] { return config.invalid(error); };
  const config_section e(**section, "engine");
  long long due_soon = out.due_soon_working_days, repeat = out.overdue_repeat_limit;
  long long backlog = static_cast<long long>(out.progress_backlog);
  std::string open, close, channel = out.fallback_channel;
  std::chrono::milliseconds ttl = out.idempotency_ttl;
  if (!e.check_keys({"due_soon_working_days", "office_hours_only", "office_open", "office_close",
                     "overdue_repeat_limit", "idempotency_ttl", "fallback_channel", "progress_backlog"},
                    error) ||
      !e.integer("due_soon_working_days", 0, 30, due_soon, error) ||
      !e.boolean("office_hours_only", out.office_hours_only, error) || !e.string("office_open", open, error) ||
      !e.string("office_close", close, error) || !e.integer("overdue_repeat_limit", 0, 1000, repeat, error) ||
      !e.duration("idempotency_ttl", ttl, error) || !e.string("fallback_channel", channel, error) ||
      !e.integer("progress_backlog", 1000, 100'000'000, backlog, error))
    return bad();
  auto opening = out.office_open, closing = out.office_close;
  if (!open.empty() && !clock_time(open, opening)) {
    error = "\"engine.office_open\" must be a time of day HH:MM, e.g. \"07:30\"";
    return bad();
  }
  if (!close.empty() && !clock_time(close, closing)) {
    error = "\"engine.office_close\" must be a time of day HH:MM, e.g. \"17:00\"";
    return bad();
  }
  if (opening >= closing) {
    error = "\"engine.office_open\" must be before \"engine.office_close\"";
    return bad();
  }
  if (ttl < std::chrono::hours(24) || ttl % std::chrono::hours(1) != std::chrono::milliseconds(0)) {
    error = "\"engine.idempotency_ttl\" must be whole hours, at least 24h (answers are promised for 24 hours)";
    return bad();
  }
  // A unit without contacts has no address for email or webhook.
  if (channel != "log" && channel != "file") {
    error = "\"engine.fallback_channel\" must be log or file (a unit without contacts has no address)";
    return bad();
  }
  out.due_soon_working_days = static_cast<int>(due_soon);
  out.overdue_repeat_limit = static_cast<int>(repeat);
  out.progress_backlog = static_cast<std::size_t>(backlog);
  out.office_open = opening;
  out.office_close = closing;
  out.idempotency_ttl = std::chrono::duration_cast<std::chrono::hours>(ttl);
  out.fallback_channel = channel;
  return ok_status();
}

// The same readers over the file at `path`, read for this one section (the CLI, tests).
namespace {
template <class Read>
status with_config(const std::string& path, Read read) {
  auto config = read_config_file(path);
  if (!config) return std::move(config).err();
  return read(*config);
}
}  // namespace

status read_daemon_config(const std::string& path, daemon_options& out) {
  return with_config(path, [&](const config_file& c) { return read_daemon_config(c, out); });
}
status read_metrics_settings(const std::string& path, bool& allow_loopback) {
  return with_config(path, [&](const config_file& c) { return read_metrics_settings(c, allow_loopback); });
}
status read_http_settings(const std::string& path, http::server_options& server, http::auth_limit_options& auth) {
  return with_config(path, [&](const config_file& c) { return read_http_settings(c, server, auth); });
}
status read_http_limits(const std::string& path, http::server_options& server, http::event_hub_options& stream,
                        http::event_rate_options& rate) {
  return with_config(path, [&](const config_file& c) { return read_http_limits(c, server, stream, rate); });
}
status read_plan_limits(const std::string& path, plan_limits& out) {
  return with_config(path, [&](const config_file& c) { return read_plan_limits(c, out); });
}
status read_engine_settings(const std::string& path, engine_options& out) {
  return with_config(path, [&](const config_file& c) { return read_engine_settings(c, out); });
}

}  // namespace dutyflow

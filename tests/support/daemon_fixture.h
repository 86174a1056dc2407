// A real dutyflowd for integration tests: a temp directory with its own journal and
// tokens (created with the real `dutyflow token add`), the daemon started on a free
// loopback port, and a small HTTP client. Stopped by pid when the fixture ends.
#pragma once

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tools/http_client.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dutyflow::testing {

struct reply {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
  std::string raw;
  std::map<std::string, std::string> headers;
};

// The reply as tests read it (header names lower-cased, body parsed when it is JSON).
reply make_reply(const http_reply& r);

class daemon_fixture {
 public:
  // `clock`: "system" or "manual:ISO". `plans_dir`: defaults to the shipped config/plans.
  explicit daemon_fixture(std::string clock = "system", std::string plans_dir = "");
  ~daemon_fixture();

  // Creates a token with the real CLI and returns it.
  std::string add_token(const std::string& name, const std::string& role, const std::string& unit = "");
  // Starts dutyflowd and waits until it listens. Returns false (log in log()) if it did not.
  bool start();
  // start() in two steps, for a test that kills the daemon while it is still starting:
  // spawn() returns at once; wait_ready() is the rest of start().
  void spawn();
  bool wait_ready();
  // Waits until this start's log contains `text` or the daemon exits; true if found.
  bool wait_for_log(const std::string& text);
  // SIGTERM; returns the exit code.
  int stop();
  int kill9();
  // For a daemon built with the power-loss VFS (program "dutyflowd-powerloss"): SIGUSR2
  // with `seed`, and waits until the power has failed and the daemon is dead. Returns the
  // exit code (137: killed by the VFS).
  int lose_power(std::uint64_t seed);
  std::string log() const;
  bool running() const { return proc_ && proc_->running(); }
  // The running daemon's pid (for a test that signals it, e.g. SIGHUP), or -1.
  int pid() const { return proc_ ? proc_->pid() : -1; }

  reply call(const std::string& method, const std::string& target, const std::string& token = "",
             const std::string& body = "", const std::vector<std::pair<std::string, std::string>>& headers = {});
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const temp_dir& dir() const { return dir_; }
  std::string db() const { return dir_.file("journal.db"); }
  std::string tokens() const { return dir_.file("tokens.json"); }
  std::string program = "dutyflowd";   // the executable started (binary() finds it)
  std::vector<std::string> extra_args;  // appended to dutyflowd's command line
  std::string config;  // --config file; empty: the shipped config/dutyflowd.json
  // The --clock of the next start (a restart after "downtime" on a manual clock).
  void set_clock(std::string clock) { clock_ = std::move(clock); }

 private:
  temp_dir dir_;
  std::string clock_;
  std::string plans_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<process> proc_;
};

}  // namespace dutyflow::testing

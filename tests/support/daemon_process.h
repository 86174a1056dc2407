// Starts real programs for integration tests: dutyflowd or the dutyflow CLI, with their
// output captured to files. A started process is stopped by its pid (SIGTERM, then
// SIGKILL if it does not exit) when the handle is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dutyflow::testing {

// Path of a built executable ("dutyflowd", "dutyflow").
std::string binary(const std::string& name);
// Path inside the source tree ("config/plans").
std::string source_path(const std::string& relative);

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion (with a generous safety limit) and captures its output.
run_result run(const std::vector<std::string>& argv, const std::string& cwd = "");

class process {
 public:
  // Starts argv[0] with the given arguments; stdout and stderr go to `log_path`.
  process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& cwd = "");
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  int pid() const { return pid_; }
  // Waits until the log contains `text` or the process exits; true if found.
  bool wait_for_log(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(30));
  std::string log() const;
  // Sends `sig` and waits for the exit; returns the exit code (128+signal if killed).
  int stop(int sig);
  // The same with `value` sent along (sigqueue), for a process that reads it.
  int stop(int sig, std::uint64_t value);
  bool running() const { return pid_ > 0; }

 private:
  // Waits (30 s at most, then SIGKILL) for the signalled process to exit; its exit code.
  int wait_for_exit();

  int pid_ = -1;
  std::string log_path_;
};

}  // namespace dutyflow::testing

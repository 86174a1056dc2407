#include "tests/support/daemon_process.h"

#include "tests/support/temp_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace dutyflow::testing {

std::string binary(const std::string& name) {
  for (const char* dir : {"/tools/", "/tests/", "/"}) {
    std::string path = std::string(DUTYFLOW_BINARY_DIR) + dir + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw std::runtime_error("no built executable " + name);
}

std::string source_path(const std::string& relative) { return std::string(DUTYFLOW_SOURCE_DIR) + "/" + relative; }

namespace {

int spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
          const std::string& cwd) {
  int pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = err_path == out_path ? out : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

run_result run(const std::vector<std::string>& argv, const std::string& cwd) {
  temp_dir tmp;
  auto out = tmp.file("out"), err = tmp.file("err");
  int pid = spawn(argv, out, err, cwd);
  int status = 0;
  // A CLI call that hangs is a failure, not a reason to hang the suite.
  for (int i = 0; i < 6000; ++i) {
    int r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return {decode(status), read_file(out), read_file(err)};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return {-1, read_file(out), read_file(err) + "\n(killed: no exit within 60 s)"};
}

process::process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& cwd)
    : log_path_(log_path) {
  pid_ = spawn(argv, log_path, log_path, cwd);
}

process::~process() {
  if (pid_ > 0) stop(SIGKILL);
}

std::string process::log() const { return read_file(log_path_); }

bool process::wait_for_log(const std::string& text, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(text) != std::string::npos) return true;
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return log().find(text) != std::string::npos;
    }
    // Polls the process's own output; no timer in the system under test is waited on.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int process::stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  return wait_for_exit();
}

int process::stop(int sig, std::uint64_t value) {
  if (pid_ <= 0) return -1;
  sigval v{};
  v.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(value));
  ::sigqueue(pid_, sig, v);
  return wait_for_exit();
}

int process::wait_for_exit() {
  int status = 0;
  for (int i = 0; i < 3000; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return decode(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return decode(status);
}

}  // namespace dutyflow::testing

#include "tests/support/daemon_fixture.h"

#include <signal.h>

#include <regex>
#include <stdexcept>

namespace dutyflow::testing {

daemon_fixture::daemon_fixture(std::string clock, std::string plans_dir)
    : clock_(std::move(clock)), plans_(plans_dir.empty() ? source_path("config/plans") : std::move(plans_dir)) {}

daemon_fixture::~daemon_fixture() {
  if (proc_ && proc_->running()) proc_->stop(SIGKILL);
}

std::string daemon_fixture::add_token(const std::string& name, const std::string& role, const std::string& unit) {
  std::vector<std::string> args = {binary("dutyflow"), "token", "add", "--tokens", tokens(), "--name", name,
                                   "--role", role};
  if (!unit.empty()) {
    args.push_back("--unit");
    args.push_back(unit);
  }
  auto r = run(args);
  if (r.exit_code != 0) throw std::runtime_error("dutyflow token add failed: " + r.err);
  auto token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

bool daemon_fixture::start() {
  spawn();
  return wait_ready();
}

void daemon_fixture::spawn() {
  const auto config_file = config.empty() ? source_path("config/dutyflowd.json") : config;
  std::vector<std::string> args = {binary(program),     "--config", config_file,
                                   "--db",              db(),       "--plans",
                                   plans_,              "--tokens", tokens(),
                                   "--listen",          "127.0.0.1:" + std::to_string(port_), "--clock", clock_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<process>(args, dir_.file("daemon-" + std::to_string(++starts_) + ".log"), source_path(""));
}

bool daemon_fixture::wait_for_log(const std::string& text) { return proc_ && proc_->wait_for_log(text); }

bool daemon_fixture::wait_ready() {
  if (!proc_ || !proc_->wait_for_log("dutyflowd ready")) return false;
  // Port 0 on the first start picks a free port; later starts reuse it.
  std::smatch m;
  auto text = proc_->log();
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  if (!std::regex_search(text, m, listening)) return false;
  port_ = std::stoi(m[1]);
  return true;
}

int daemon_fixture::stop() { return proc_ ? proc_->stop(SIGTERM) : -1; }
int daemon_fixture::kill9() { return proc_ ? proc_->stop(SIGKILL) : -1; }
int daemon_fixture::lose_power(std::uint64_t seed) { return proc_ ? proc_->stop(SIGUSR2, seed) : -1; }
std::string daemon_fixture::log() const { return proc_ ? proc_->log() : std::string(); }

reply daemon_fixture::call(const std::string& method, const std::string& target, const std::string& token,
                           const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  auto r = http_call(url(), method, target, token, body, headers);
  if (!r) throw std::runtime_error(r.err().message);
  return make_reply(*r);
}

reply make_reply(const http_reply& r) {
  reply out;
  out.status = r.status;
  out.raw = r.body;
  out.body = nlohmann::json::parse(r.body, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  for (const auto& [k, v] : r.headers) {
    std::string key = k;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[key] = v;
  }
  return out;
}

}  // namespace dutyflow::testing

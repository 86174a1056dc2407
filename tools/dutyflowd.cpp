// dutyflowd: parses its arguments and runs the daemon (tools/daemon.h). Thin by design.
#include "tools/daemon.h"
#include "tools/safe_text.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

int main(int argc, char** argv) {
  using namespace dutyflow;
  // Everything dutyflowd creates (the journal, var/, notifications/, keys) is the
  // owner's alone: files 0600, directories 0700.
  ::umask(077);
  // Plan titles, notes and request strings reach the log: one message stays one line.
  escape_logged_messages();
  CLI::App app{"dutyflowd — tracks the duties of a plan (Kế hoạch) and reminds the units responsible"};
  std::string config_path = "config/dutyflowd.json";
  daemon_overrides overrides;
  app.add_option("--config", config_path, "JSON config file");
  app.add_option("--listen", overrides.listen, "HOST:PORT for the HTTP API");
  app.add_option("--db", overrides.db, "SQLite database file");
  app.add_option("--plans", overrides.plans, "directory of plan files");
  app.add_option("--tokens", overrides.tokens, "tokens file");
  app.add_option("--clock", overrides.clock, "system | manual:ISO | scaled:ISO:FACTOR");
  CLI11_PARSE(app, argc, argv);

  // The config file is read once, every section at start: a typo stops the start before
  // the journal is opened.
  auto settings = read_daemon_settings(config_path, overrides);
  if (!settings) {
    spdlog::error("{}", settings.err().message);
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(settings->daemon.log_level));
  return run_daemon(*settings);
}

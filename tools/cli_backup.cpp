#include "tools/cli_backup.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/backup.h"
#include "tools/daemon_config.h"

namespace dutyflow::cli {
namespace {

int fail(std::ostream& err, const std::string& message) {
  err << "dutyflow: " << message << "\n";
  return 1;
}

// "1,5": one decimal with the Vietnamese decimal comma.
std::string decimal(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  std::string s = buf;
  if (auto dot = s.find('.'); dot != std::string::npos) s[dot] = ',';
  return s;
}

}  // namespace

int run_backup(const backup_args& args, std::ostream& out, std::ostream& err) {
  std::string source = args.db;
  if (source.empty()) {
    daemon_options opts;
    if (auto s = read_daemon_config(args.config, opts); !s)
      return fail(err, s.err().message + " (or give the journal with --db PATH)");
    source = opts.db;
  }
  backup_options options;
  options.source = source;
  options.dest = args.dest;
  options.force = args.force;
  options.pages_per_step = args.pages_per_step;
  // Real elapsed time on purpose: how long the copy took, for the operator.
  const auto started = std::chrono::steady_clock::now();
  auto r = backup_sqlite(options);
  if (!r) return fail(err, "backup: " + r.err().message);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.json) {
    out << nlohmann::json{{"source", source},    {"dest", args.dest},
                          {"events", r->events}, {"last_event_id", r->last_event_id},
                          {"duties", r->duties}, {"notifications", r->outbox},
                          {"bytes", r->bytes},   {"pages", r->pages},
                          {"steps", r->steps},   {"integrity", "ok"},
                          {"seconds", seconds}}
               .dump()
        << "\n";
    return 0;
  }
  out << "Đã sao lưu " << source << " → " << args.dest << ": " << r->events << " sự kiện, " << r->duties
      << " nhiệm vụ, " << r->outbox << " thông báo, " << decimal(static_cast<double>(r->bytes) / (1024.0 * 1024.0))
      << " MiB; kiểm tra toàn vẹn: ok (" << decimal(seconds) << " giây)\n";
  return 0;
}

}  // namespace dutyflow::cli

CLI::App* add_backup_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<dutyflow::cli::backup_args>();
  auto* cmd = app.add_subcommand("backup", "copy the journal consistently while dutyflowd runs");
  cmd->add_option("DEST", args->dest, "the file to write (refused if it exists, unless --force)")->required();
  cmd->add_option("--db", args->db, "the journal (default: \"db\" of the config file)");
  cmd->add_option("--config", args->config, "dutyflowd's config file, to find the journal")->capture_default_str();
  cmd->add_flag("--force", args->force, "replace DEST if it exists");
  cmd->add_option("--pages-per-step", args->pages_per_step, "pages per step of SQLite's backup API")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "the summary as JSON");
  cmd->callback([args, &exit_code] { exit_code = dutyflow::cli::run_backup(*args, std::cout, std::cerr); });
  return cmd;
}

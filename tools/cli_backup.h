// `dutyflow backup DEST [--db PATH] [--config FILE] [--force] [--json]`: a consistent copy
// of the journal while dutyflowd runs (engine/backup.h does the copying). The journal is
// found the way dutyflowd finds it: --db, else the "db" of --config (default
// config/dutyflowd.json), relative paths from the current directory. Prints one summary
// line; bad input is one line "dutyflow: <message>" on stderr, exit 1. Single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace dutyflow::cli {

struct backup_args {
  std::string dest;                              // the file to write
  std::string db;                                // the journal; empty: from the config
  std::string config = "config/dutyflowd.json";  // dutyflowd's config file
  bool force = false;                            // replace an existing DEST
  bool json = false;                             // the summary as one JSON object
  int pages_per_step = 256;                      // pages per step of SQLite's backup API
};

// Runs the command; returns its exit code (0, or 1 with the reason on `err`).
int run_backup(const backup_args& args, std::ostream& out, std::ostream& err);

}  // namespace dutyflow::cli

// Registers `backup` on `app`; its callback stores the exit code in `exit_code`, which
// must outlive `app`. Returns the subcommand.
CLI::App* add_backup_command(CLI::App& app, int& exit_code);

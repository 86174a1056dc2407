// `dutyflow import-plan FILE [--out PATH] [--offset DUR] [--units DIR] [--coverage] [--json]`:
// reads a Kế hoạch (.txt or .docx), writes the draft plan JSON to stdout or PATH and the
// report of what to check to stderr; --coverage adds, for every line of the assignment
// section, the duty it became or why it is "không theo dõi". Bad input is one line "dutyflow: <message>" on stderr, exit 1.
// Single-threaded, like the rest of the CLI.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace dutyflow::cli {

struct import_args {
  std::string file;    // the document
  std::string out;     // where the plan goes; empty: the `out` stream
  std::string offset;  // offset from the milestone of duties stating no deadline ("-3wd"); empty: per kind
  bool json = false;   // the report as one JSON document instead of lines
  // The units directories (config/units/*.json) giving ids, names and contacts; a
  // directory that does not exist gives none.
  std::string units_dir = "config/units";
  bool coverage = false;  // print the coverage table after the report (JSON: always carried)
};

// Runs the command and returns its exit code: 0 when a plan was written (the report
// may still list points to check), 1 on bad input, a bad --offset, an unwritable --out,
// or a plan the engine's loader rejects (then the plan is still written, for editing).
int run_import_plan(const import_args& args, std::ostream& out, std::ostream& err);

}  // namespace dutyflow::cli

// Registers `import-plan` on `app`; its callback stores the exit code in `exit_code`,
// which must outlive `app`. Returns the subcommand.
CLI::App* add_import_command(CLI::App& app, int& exit_code);

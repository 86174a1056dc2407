// `dutyflow calendar holidays|add-working-days|lunar`: the working calendar from the command
// line. Registers the subcommands on the CLI11 app; their callbacks print to stdout, report
// bad input as one "dutyflow: <message>" line on stderr and set exit_code (0 or 1).
#pragma once

#include <CLI/CLI.hpp>

namespace dutyflow {

// Adds `calendar` and its subcommands to `app`; returns the `calendar` subcommand.
// `exit_code` must outlive app.parse(): the callbacks write it.
CLI::App* add_calendar_command(CLI::App& app, int& exit_code);

}  // namespace dutyflow

// The CLI's client commands (plans, duties, show, ack, fire, milestone) that talk to
// dutyflowd over HTTP, and `token` (add, bootstrap) that edits a tokens file. Each
// registers on `app`; callbacks set `exit_code` (1 on any failure, with one line on stderr).
#pragma once

#include <CLI/CLI.hpp>

namespace dutyflow {

void add_client_commands(CLI::App& app, int& exit_code);
void add_token_command(CLI::App& app, int& exit_code);

}  // namespace dutyflow

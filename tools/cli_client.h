// The CLI's client commands (plans, duties, show, ack, fire, milestone, clock) that talk
// to dutyflowd over HTTP, and `token` (add, bootstrap) that edits a tokens file. Each
// registers on `app`; callbacks set `exit_code` (1 on any failure, with one line on stderr:
// Vietnamese first, the API's English code in brackets, then the server's own message).
#pragma once

#include "engine/status.h"
#include "engine/time.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace dutyflow {

void add_client_commands(CLI::App& app, int& exit_code);
void add_token_command(CLI::App& app, int& exit_code);

// A date as a person types it, read in Vietnam's time (+07:00, Asia/Ho_Chi_Minh) unless it
// names its offset: "20/6/2023 08:00", "20/6/2023 8h30", "20/06/2023" (00:00 of that day),
// "2023-06-20T08:00:00+07:00", "2023-06-20T08:00", "2023-06-20". Fails with errc::invalid
// and a Vietnamese message giving the accepted forms.
result<instant> parse_cli_instant(std::string_view text);

// The one line printed for a refused API call: `lỗi: <Vietnamese> [<code>]: <server's
// message>` plus what helps next (the events allowed now, the plan's errors). `event` is
// the event the call fired, if any, to name it in a 409.
std::string cli_error_line(int http_status, const nlohmann::json& body, const std::string& event = "");

// A deadline as every channel writes it: the API's deadline_text, else the same words
// from the ISO deadline in +07:00; "chưa ấn định" when there is none.
std::string cli_deadline_text(const nlohmann::json& duty);

}  // namespace dutyflow

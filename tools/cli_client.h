// The CLI's client commands (plans, duties, show, ack, fire, milestone, clock) that talk
// to dutyflowd over HTTP, and `token` (add, bootstrap) that edits a tokens file. Each
// registers on `app`; callbacks set `exit_code` (1 on any failure, with one line on stderr:
// Vietnamese first, the API's English code in brackets, then the server's own message).
// The text helpers declared last (parse_cli_instant and the lines printed) are in cli_text.cpp.
#pragma once

#include "engine/status.h"
#include "engine/time.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

namespace dutyflow {

// Where the client commands find dutyflowd and their token.
struct client_options {
  std::string server;
  std::string token;
  std::string token_file;
};

// The token: --token, else --token-file, else DUTYFLOW_TOKEN, else DUTYFLOW_TOKEN_FILE.
std::string token_of(const client_options& o);

// Calls the API; on a non-2xx answer prints cli_error_line and returns nullopt (or, with
// `refusal`, leaves the answer there for the caller to explain). `exit_code` is set to 1
// on any failure. call_raw sends `body` as it is (with the headers' Content-Type), and
// gives the answer's text in `raw_body` too (for a caller that keeps its key order).
std::optional<nlohmann::json> call(const client_options& o, const std::string& method, const std::string& target,
                                   const nlohmann::json& body, int& exit_code,
                                   const std::vector<std::pair<std::string, std::string>>& headers = {},
                                   const std::string& event = "", nlohmann::json* refusal = nullptr);
std::optional<nlohmann::json> call_raw(const client_options& o, const std::string& method, const std::string& target,
                                       const std::string& body, int& exit_code,
                                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                                       const std::string& event = "", nlohmann::json* refusal = nullptr,
                                       std::string* raw_body = nullptr);

void add_client_commands(CLI::App& app, int& exit_code);
// `dutyflow plan upload FILE` (cli_plan.cpp), sharing the client commands' --server/--token.
void add_plan_command(CLI::App& app, std::shared_ptr<const client_options> opts, int& exit_code);
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

// The items of a JSON list joined with ", " (strings as they are, anything else as JSON);
// "" when `list` is not a list.
std::string cli_join(const nlohmann::json& list);

}  // namespace dutyflow

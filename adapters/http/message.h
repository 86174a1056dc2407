// The HTTP request and response as handlers see them: plain structs with no socket and
// no Beast types, so every handler is testable as a function. The session converts
// Beast messages to and from these. Values; any thread.
#pragma once

#include "engine/status.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dutyflow::http {

struct request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received, with the query
  std::string path;    // percent-decoded, without the query
  std::map<std::string, std::string> query;  // percent-decoded; last value wins
  std::string authorization;
  std::string if_match;
  std::string idempotency_key;
  std::string content_type;
  std::string last_event_id;
  std::string body;
  std::string remote;          // peer address, for logs and rate limits
  bool from_loopback = false;
};

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": {"code", "message", "details"}} with the HTTP status of `err.code`.
response error_response(const error& err);
response error_response(int status, std::string_view code, const std::string& message,
                        const nlohmann::json& details = nlohmann::json::object());
response json_response(int status, const nlohmann::json& body);
int http_status(errc code);

// Splits a target into a decoded path and query; false if the percent-encoding is bad.
bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query);

}  // namespace dutyflow::http

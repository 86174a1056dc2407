// A small blocking HTTP/1.1 client for the CLI (and the tools that drive dutyflowd):
// one request per connection, plain http:// only. Errors are values.
#pragma once

#include "engine/status.h"

#include <string>
#include <utility>
#include <vector>

namespace dutyflow {

struct http_reply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// `server` is "http://HOST:PORT" (a trailing slash is fine). Returns errc::invalid for a
// bad URL and errc::storage ("cannot reach ...") when the connection fails.
result<http_reply> http_call(const std::string& server, const std::string& method, const std::string& target,
                             const std::string& token, const std::string& body = "",
                             const std::vector<std::pair<std::string, std::string>>& headers = {});

// Percent-encodes one path segment or query value.
std::string url_encode(const std::string& text);

}  // namespace dutyflow

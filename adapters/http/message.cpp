#include "adapters/http/message.h"

namespace dutyflow::http {

using nlohmann::json;

int http_status(errc code) {
  switch (code) {
    case errc::invalid: return 400;
    case errc::unauthenticated: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::version_mismatch: return 412;
    case errc::too_large: return 413;
    case errc::storage: return 503;
    case errc::internal: return 500;
  }
  return 500;
}

response json_response(int status, const json& body) {
  response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

response error_response(int status, std::string_view code, const std::string& message, const json& details) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}, {"details", details}}}});
}

response error_response(const error& err) {
  return error_response(http_status(err.code), errc_name(err.code), err.message,
                        err.details.is_null() ? json::object() : err.details);
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return false;  // a NUL never belongs in an id or a filter
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  std::string_view raw_path = std::string_view(target).substr(0, q);
  if (!decode(raw_path, path, false)) return false;
  query.clear();
  if (q == std::string::npos) return true;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!decode(pair.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), value, true)) return false;
    query[key] = value;
  }
  return true;
}

}  // namespace dutyflow::http

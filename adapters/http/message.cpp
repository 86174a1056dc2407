#include "adapters/http/message.h"

#include <cstdio>

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

response json_response(int status, const nlohmann::ordered_json& body) {
  response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
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

// Text a route may see: UTF-8 without control characters.
bool is_text(std::string_view s) {
  if (invalid_utf8_at(s) != std::string_view::npos) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // a continuation byte, or C0, C1, F5..FF
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  return n;
}

// The code point of a well-formed sequence of 2 to 4 bytes.
char32_t code_point(std::string_view seq) {
  const auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(seq[i])); };
  if (seq.size() == 2) return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (seq.size() == 3) return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

}  // namespace

std::size_t invalid_utf8_at(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = utf8_sequence(text.substr(i));
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string log_safe(std::string_view text, std::size_t limit) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  const auto end = std::min(text.size(), limit);
  for (std::size_t i = 0; i < end;) {
    const auto n = utf8_sequence(text.substr(i));
    const auto c = static_cast<unsigned char>(text[i]);
    if (n > 1) {
      const auto cp = code_point(text.substr(i, n));
      // C1 controls (a terminal may take U+009B for an escape), line separators, and the
      // bidirectional overrides that make a log line read other than it is.
      if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
          (cp >= 0x2066 && cp <= 0x2069)) {
        char escaped[16];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(cp));
        out += escaped;
      } else {
        out.append(text.substr(i, n));
      }
      i += n;
      continue;
    }
    if (n == 1 && c >= 0x20 && c != 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
    ++i;
  }
  if (text.size() > limit) out += "...";
  return out;
}

bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  std::string_view raw_path = std::string_view(target).substr(0, q);
  if (!decode(raw_path, path, false) || !is_text(path)) return false;
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
    if (!decode(pair.substr(0, eq), key, true) || !is_text(key)) return false;
    if (eq != std::string_view::npos && (!decode(pair.substr(eq + 1), value, true) || !is_text(value))) return false;
    query[key] = value;
  }
  return true;
}

}  // namespace dutyflow::http

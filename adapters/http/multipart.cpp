#include "adapters/http/multipart.h"

#include <algorithm>
#include <cctype>

namespace dutyflow::http {

namespace {

constexpr std::size_t max_part_header_bytes = 8 * 1024;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The parameters of a header value after its first ';': `name=token` or `name="quoted"`
// (in which `\"` and `\\` are escapes). Names are lower-cased; later repeats are kept
// out (the first wins, as RFC 7578 readers do).
struct parameter {
  std::string name;
  std::string value;
};

std::vector<parameter> parameters(std::string_view value, std::string_view& head) {
  std::vector<parameter> out;
  auto semi = value.find(';');
  head = trim(value.substr(0, semi));
  std::size_t i = semi == std::string_view::npos ? value.size() : semi + 1;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == ';')) ++i;
    std::size_t eq = i;
    while (eq < value.size() && value[eq] != '=' && value[eq] != ';') ++eq;
    parameter p;
    for (char c : trim(value.substr(i, eq - i))) p.name += lower(c);
    if (eq >= value.size() || value[eq] == ';') {
      i = eq;
      if (!p.name.empty()) out.push_back(std::move(p));
      continue;
    }
    i = eq + 1;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (i < value.size() && value[i] == '"') {
      ++i;
      while (i < value.size() && value[i] != '"') {
        // `\"` and `\\` are a quote and a backslash (curl writes them so); any other
        // backslash is the character itself: browsers do not escape, and a Windows path
        // ("C:\Tài liệu\KH.docx") keeps its separators.
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) ++i;
        p.value += value[i++];
      }
      ++i;  // the closing quote
      while (i < value.size() && value[i] != ';') ++i;
    } else {
      std::size_t end = i;
      while (end < value.size() && value[end] != ';') ++end;
      p.value = std::string(trim(value.substr(i, end - i)));
      i = end;
    }
    bool seen = std::any_of(out.begin(), out.end(), [&](const parameter& q) { return q.name == p.name; });
    if (!p.name.empty() && !seen) out.push_back(std::move(p));
  }
  return out;
}

const std::string* find_parameter(const std::vector<parameter>& ps, std::string_view name) {
  for (const auto& p : ps)
    if (p.name == name) return &p.value;
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 8187 ext-value: charset'language'percent-encoded. Only UTF-8 (and its ASCII subset)
// is read; anything else gives "" and the plain filename is used instead.
std::string ext_value(std::string_view v) {
  auto q1 = v.find('\'');
  if (q1 == std::string_view::npos) return {};
  auto q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return {};
  auto charset = v.substr(0, q1);
  if (!iequals(charset, "utf-8") && !iequals(charset, "us-ascii")) return {};
  std::string out;
  for (std::size_t i = q2 + 1; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
      if (hi < 0 || lo < 0) return {};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (v[i] == '%') {
      return {};
    } else {
      out += v[i];
    }
  }
  return out;
}

error invalid(std::string message) { return make_error(errc::invalid, "multipart/form-data: " + std::move(message)); }

}  // namespace

std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : trim(content_type.substr(0, content_type.find(';')))) out += lower(c);
  return out;
}

bool is_multipart_form(std::string_view content_type) { return media_type(content_type) == "multipart/form-data"; }

result<std::vector<form_part>> parse_multipart(std::string_view content_type, std::string_view body,
                                               std::size_t max_parts) {
  std::string_view head;
  const auto params = parameters(content_type, head);
  if (!iequals(head, "multipart/form-data")) return invalid("the Content-Type is not multipart/form-data");
  const std::string* boundary = find_parameter(params, "boundary");
  // RFC 2046: 1 to 70 characters, not ending in a space.
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ')
    return invalid("the Content-Type has no usable boundary parameter");
  const std::string delimiter = "--" + *boundary;

  // The first delimiter opens the body or follows a CRLF (anything before it is preamble).
  std::size_t at;
  if (body.substr(0, delimiter.size()) == delimiter) {
    at = delimiter.size();
  } else {
    auto found = body.find("\r\n" + delimiter);
    if (found == std::string_view::npos) return invalid("the body has no part (no boundary line)");
    at = found + 2 + delimiter.size();
  }
  const std::string next_delimiter = "\r\n" + delimiter;
  std::vector<form_part> parts;
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise transport padding, then CRLF.
    if (body.substr(at, 2) == "--") return parts;
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) != "\r\n") return invalid("a boundary line is not followed by a line break");
    at += 2;
    if (parts.size() >= max_parts) return invalid("more than " + std::to_string(max_parts) + " parts");

    std::string_view headers;
    std::size_t content_start;
    if (body.substr(at, 2) == "\r\n") {  // a part with no headers at all
      content_start = at + 2;
    } else {
      auto headers_end = body.find("\r\n\r\n", at);
      if (headers_end == std::string_view::npos) return invalid("a part's headers never end");
      headers = body.substr(at, headers_end - at + 2);  // keep the last line's CRLF
      content_start = headers_end + 4;
    }
    if (headers.size() > max_part_header_bytes) return invalid("a part's headers are larger than 8 KiB");
    form_part part;
    bool form_data = false;
    std::size_t line_start = 0;
    while (line_start < headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      auto line = headers.substr(line_start, line_end - line_start);
      line_start = line_end + 2;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) return invalid("a part header has no ':'");
      auto name = trim(line.substr(0, colon));
      auto value = trim(line.substr(colon + 1));
      if (iequals(name, "content-disposition")) {
        std::string_view disposition;
        auto ps = parameters(value, disposition);
        form_data = iequals(disposition, "form-data");
        if (auto* n = find_parameter(ps, "name")) part.name = *n;
        if (auto* f = find_parameter(ps, "filename")) part.filename = *f;
        if (auto* f = find_parameter(ps, "filename*")) {
          if (auto decoded = ext_value(*f); !decoded.empty()) part.filename = std::move(decoded);
        }
      } else if (iequals(name, "content-type")) {
        part.content_type = std::string(value);
      }
    }
    if (!form_data || part.name.empty())
      return invalid("part " + std::to_string(parts.size() + 1) + " has no Content-Disposition: form-data; name=…");
    // An empty content has its delimiter right after the blank line.
    auto content_end = body.find(next_delimiter, content_start);
    if (content_end == std::string_view::npos)
      return invalid("the body ends before the closing boundary (was the upload cut short?)");
    part.data = body.substr(content_start, content_end - content_start);
    parts.push_back(std::move(part));
    at = content_end + next_delimiter.size();
  }
}

const form_part* find_part(const std::vector<form_part>& parts, std::string_view name) {
  for (const auto& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace dutyflow::http

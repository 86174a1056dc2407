#include "adapters/notify/codec.h"

#include "adapters/security/codec.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dutyflow::notify {

using security::base64_encode;

namespace {

constexpr char upper_hex[] = "0123456789ABCDEF";

// Length of the UTF-8 sequence that starts with `lead` (1 for stray bytes, so
// malformed input still makes progress and is carried through byte by byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Splits text into whole UTF-8 characters.
std::vector<std::string_view> utf8_chars(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto n = std::min(utf8_length(std::uint8_t(text[i])), text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string quoted_printable_encode(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    const bool last_line = end == std::string_view::npos;
    if (last_line) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!first) out += "\r\n";
    first = false;

    const auto chars = utf8_chars(line);
    std::size_t used = 0;
    for (std::size_t k = 0; k < chars.size(); ++k) {
      const auto ch = chars[k];
      const bool at_end = k + 1 == chars.size();
      std::string unit;
      const unsigned char c0 = std::uint8_t(ch[0]);
      const bool literal =
          ch.size() == 1 && ((c0 >= 33 && c0 <= 126 && c0 != '=') || ((c0 == ' ' || c0 == '\t') && !at_end));
      if (literal) {
        unit = std::string(ch);
      } else {
        for (unsigned char b : ch) {
          unit.push_back('=');
          unit.push_back(upper_hex[b >> 4]);
          unit.push_back(upper_hex[b & 15]);
        }
      }
      // 76 characters per line; a soft break needs one of them for its "=".
      const std::size_t limit = at_end ? 76 : 75;
      if (used > 0 && used + unit.size() > limit) {
        out += "=\r\n";
        used = 0;
      }
      out += unit;
      used += unit.size();
    }
    if (last_line) break;
    start = end + 1;
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  const auto flat = base64_encode(bytes);
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += 76) {
    if (i > 0) out += "\r\n";
    out += flat.substr(i, 76);
  }
  return out;
}

std::string rfc2047_encode(std::string_view utf8, std::size_t first_line_used) {
  bool plain = utf8.find("=?") == std::string_view::npos;
  for (unsigned char c : utf8)
    if (c >= 0x80 || c < 0x20 || c == 0x7F) plain = false;
  if (plain) return std::string(utf8);

  static constexpr std::string_view prefix = "=?UTF-8?B?", suffix = "?=";
  const auto chars = utf8_chars(utf8);
  std::string out;
  std::string chunk;
  // Bytes of text per word: the base64 of n bytes is 4*ceil(n/3) long; a word may be 75
  // long, and the first one must also fit the line after the header name (78).
  auto max_bytes = [&](bool first_word) {
    const std::size_t room =
        first_word ? std::min<std::size_t>(75, 78 - std::min<std::size_t>(first_line_used, 60)) : 75;
    return (room - prefix.size() - suffix.size()) / 4 * 3;
  };
  bool first_word = true;
  auto flush = [&] {
    if (chunk.empty()) return;
    if (!first_word) out += "\r\n ";
    out += prefix;
    out += base64_encode(chunk);
    out += suffix;
    chunk.clear();
    first_word = false;
  };
  for (auto ch : chars) {
    if (!chunk.empty() && chunk.size() + ch.size() > max_bytes(first_word)) flush();
    chunk += ch;
  }
  flush();
  return out;
}

}  // namespace dutyflow::notify

#include "adapters/notify/codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <vector>

namespace dutyflow::notify {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char upper_hex[] = "0123456789ABCDEF";
constexpr char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string b64_encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                   std::uint8_t(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const auto n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (pad) out += "==";
  } else if (rest == 2) {
    const auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out += "=";
  }
  return out;
}

std::optional<std::string> b64_decode(std::string_view text, const char* alphabet, bool padded) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (int k = 0; k < 64; ++k) value[std::uint8_t(alphabet[k])] = k;
  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pads = 0;
    while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
    text.remove_suffix(pads);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value[std::uint8_t(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

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

std::string hex_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(hex_digits[b >> 4]);
    out.push_back(hex_digits[b & 15]);
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(char(hi * 16 + lo));
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return b64_encode(bytes, b64_std, true);
}
std::optional<std::string> base64_decode(std::string_view text) {
  return b64_decode(text, b64_std, true);
}
std::string base64url_encode(std::string_view bytes) {
  return b64_encode(bytes, b64_url, false);
}
std::optional<std::string> base64url_decode(std::string_view text) {
  return b64_decode(text, b64_url, false);
}

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

std::string sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest.data()), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest.data(), &len);
  return std::string(reinterpret_cast<const char*>(digest.data()), len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return std::nullopt;
  return out;
}

}  // namespace dutyflow::notify

// Byte-level encodings the notifiers need: hex, base64 (plain and URL-safe), MIME
// quoted-printable, RFC 2047 encoded-words, SHA-256 and HMAC-SHA256. Pure functions,
// callable from any thread; decoders return nullopt on malformed input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dutyflow::notify {

std::string hex_encode(std::string_view bytes);  // lower case
std::optional<std::string> hex_decode(std::string_view text);

std::string base64_encode(std::string_view bytes);  // RFC 4648 §4, padded
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // RFC 4648 §5, no padding
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 2045 §6.7 quoted-printable of UTF-8 text. Line breaks in the text ("\n" or
// "\r\n") become CRLF hard breaks; lines are soft-broken ("=" CRLF) to at most 76
// characters; a multi-byte character's =XX triplets are never split across lines.
std::string quoted_printable_encode(std::string_view text);
// base64 of the bytes with CRLF every 76 characters (RFC 2045 §6.8).
std::string base64_lines(std::string_view bytes);

// An unstructured header value (Subject, a display name) as RFC 2047 "B" encoded-words
// in UTF-8, each at most 75 characters and never splitting a UTF-8 character (§5),
// joined by CRLF SP so the header folds. Pure ASCII text without "=?" is returned as
// it is. `first_line_used` is how much of the first line the header name takes
// ("Subject: " = 9), so the first line also stays within 78 characters.
std::string rfc2047_encode(std::string_view utf8, std::size_t first_line_used = 0);

// Raw 32-byte digests.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// `n` bytes from OpenSSL's CSPRNG; nullopt if it has no entropy.
std::optional<std::string> random_bytes(std::size_t n);

}  // namespace dutyflow::notify

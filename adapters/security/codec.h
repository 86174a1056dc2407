// The byte encodings and primitives every part of dutyflow that signs, hashes or makes
// secrets uses: hex, base64 (plain and URL-safe), SHA-256, HMAC-SHA256, a constant-time
// comparison and OpenSSL's CSPRNG. One implementation of each (the HTTP adapter and the
// notifiers used to carry their own). Pure functions, any thread; decoders return
// nullopt on malformed input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dutyflow::security {

std::string hex_encode(std::string_view bytes);  // lower case
std::optional<std::string> hex_decode(std::string_view text);

std::string base64_encode(std::string_view bytes);  // RFC 4648 §4, padded
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // RFC 4648 §5, no padding
std::optional<std::string> base64url_decode(std::string_view text);

// Raw 32-byte digests.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// hex_encode(sha256(data)): how token hashes are stored.
std::string sha256_hex(std::string_view data);
// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// `n` bytes from OpenSSL's CSPRNG; nullopt if it has no entropy.
std::optional<std::string> random_bytes(std::size_t n);

}  // namespace dutyflow::security

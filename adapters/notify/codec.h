// The MIME encodings mail needs: quoted-printable, base64 in lines, RFC 2047
// encoded-words. (Hex, base64, digests and randomness are adapters/security/codec.h.)
// Pure functions, callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dutyflow::notify {

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

}  // namespace dutyflow::notify

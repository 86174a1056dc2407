// Internet messages as the SMTP channel sends them: RFC 5322 headers (Date, Message-ID,
// RFC 2047 encoded Subject and display names), a MIME 1.0 text/plain UTF-8 body in
// quoted-printable or base64, CRLF line ends. Pure functions; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/time.h"

namespace dutyflow::notify {

enum class body_encoding { quoted_printable, base64 };

struct mail {
  std::string from_address;  // addr-spec, "dutyflow@phongtho.example"
  std::string from_name;     // UTF-8 display name, may be empty
  std::string to_address;
  std::string to_name;
  std::string subject;     // UTF-8
  std::string text;        // UTF-8 body; "\n" line ends are fine
  std::string message_id;  // "<...@...>", see message_id_for()
  instant date{};
  std::chrono::minutes utc_offset{420};                            // zone the Date header is written in
  std::vector<std::pair<std::string, std::string>> extra_headers;  // ASCII names and values
  body_encoding encoding = body_encoding::quoted_printable;
};

// The whole message, headers and body, CRLF line ends, ending with CRLF.
std::string render_mail(const mail& m);

// "Thu, 15 Jun 2023 17:00:00 +0700" (RFC 5322 §3.3).
std::string rfc5322_date(instant at, std::chrono::minutes utc_offset);

// A Message-ID that is the same every time for the same key: "<32 hex of SHA-256(key)
// @domain>", so a retried or re-sent notification is recognised as the same message.
std::string message_id_for(std::string_view key, std::string_view domain);

// "Xã Ma Li Pho <malipho@x.vn>" with the name RFC 2047 encoded, quoted or left as it is.
std::string mailbox(std::string_view name, std::string_view address, std::size_t first_line_used = 0);

// True for a plain addr-spec with one "@", no spaces, brackets, quotes or control
// characters: what is safe to put in a header and in MAIL FROM/RCPT TO.
bool valid_address(std::string_view address);

// The DATA section of SMTP (RFC 5321 §4.5.2): lines starting with "." get another ".",
// bare LF become CRLF, and the result ends with CRLF "." CRLF.
std::string smtp_data(std::string_view message);

}  // namespace dutyflow::notify

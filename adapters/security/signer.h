// The one HMAC-SHA256 signer of dutyflow, with named uses. Each use has its own key
// (derived from, or equal to, its secret) and its own message domain, so a MAC made for
// one use never verifies for another. The derivations are the ones dutyflow used before
// there was one signer, so keys on disk and links already sent stay valid:
//  - calendar_link: key HMAC(secret, "dutyflow link key: calendar"); messages as given
//    (the calendar.ics links of http/signed_urls.h);
//  - action_link: the secret itself is the key (the 32 bytes of the one-click link key
//    file); messages prefixed "dutyflow-link-v1." (link_token.h).
// Immutable after construction; any thread may sign and verify.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace dutyflow::security {

enum class signing_use : std::uint8_t { calendar_link, action_link };

std::string_view use_name(signing_use use);  // "calendar_link", "action_link"

class hmac_signer {
 public:
  // `secret`: raw key material (at least 16 bytes recommended).
  hmac_signer(std::string_view secret, signing_use use);

  // The raw 32-byte MAC of `message` under this use.
  std::string mac(std::string_view message) const;
  // True when `mac` is mac(message); constant time in the MAC's length.
  bool verify(std::string_view message, std::string_view mac) const;
  signing_use use() const { return use_; }

 private:
  std::string key_;
  std::string_view domain_;
  signing_use use_;
};

// The signer of `use` from its secret file (secret_file.h), created when missing. The
// calendar link key is used as the file's text; the action link key file must hold at
// least 32 hex characters, whose bytes are the key. Errors as load_or_create_secret, and
// errc::invalid for an action link key that is not hex.
result<hmac_signer> load_signer(const std::string& path, signing_use use, bool* created = nullptr);

}  // namespace dutyflow::security

// One-click links in notifications: "<base_url>/a/<token>", where the token names a
// plan, a duty, the unit it was sent to and the event it fires (acknowledge), expires,
// and is signed with HMAC-SHA256 under a key only dutyflowd knows. A link_signer is
// immutable once built; any thread may sign and verify.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::notify {

struct link_claims {
  std::string plan;
  std::string duty;
  std::string unit;   // who the link acts as
  std::string event;  // "acknowledge"
  instant expires{};  // whole seconds
};

struct link_check {
  enum class outcome : std::uint8_t { ok, malformed, forged, expired };
  outcome result = outcome::malformed;
  link_claims claims;  // filled for ok and expired (the signature held)
};

class link_signer {
 public:
  // `key`: raw secret bytes (at least 16).
  explicit link_signer(std::string key) : key_(std::move(key)) {}
  // "<base64url claims>.<base64url HMAC>", URL-safe, no padding.
  std::string sign(const link_claims& claims) const;
  // Checks the signature first (in constant time), then the expiry against `now`.
  link_check verify(std::string_view token, instant now) const;

 private:
  std::string key_;
};

// Reads the link key from `path` (64 hex characters), or creates it with 32 random
// bytes and mode 0600 (its directory too) when the file does not exist. Errors:
// errc::invalid for a malformed file or one readable by group or others, errc::storage
// when it cannot be read or written.
// `created` tells whether a new key was written.
result<std::string> load_or_create_link_key(const std::string& path, bool* created = nullptr);

}  // namespace dutyflow::notify

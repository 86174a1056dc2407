// One-click links in notifications: "<base_url>/a/<token>", where the token names a
// plan, a duty, the unit it was sent to and the event it fires (acknowledge), expires,
// and is signed by the action_link signer (signer.h) under a key only dutyflowd knows.
// The notifiers make tokens, the HTTP adapter checks them: both depend on this, not on
// each other. link_tokens is immutable once built; any thread may sign and verify.
#pragma once

#include <string>
#include <string_view>

#include "adapters/security/signer.h"
#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::security {

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

class link_tokens {
 public:
  // `signer` must be an action_link signer.
  explicit link_tokens(hmac_signer signer);
  // "<base64url claims>.<base64url HMAC>", URL-safe, no padding.
  std::string sign(const link_claims& claims) const;
  // Checks the signature first (in constant time), then the expiry against `now`.
  link_check verify(std::string_view token, instant now) const;

 private:
  hmac_signer signer_;
};

}  // namespace dutyflow::security

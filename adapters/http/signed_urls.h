// Signed links for clients that cannot send a bearer token (calendar apps subscribing to
// a unit's calendar.ics): `?exp=<unix seconds>&sig=<base64url MAC>` over the method, the
// path and the expiry, made by the calendar_link signer (adapters/security/signer.h).
// This is the URL format only; the key and the MAC are the security module's.
// Immutable after construction; any thread may call it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/security/signer.h"
#include "engine/time.h"

namespace dutyflow::http {

class signed_urls {
 public:
  explicit signed_urls(security::hmac_signer signer) : signer_(std::move(signer)) {}

  // The signature of `path` valid until `expires` (unix seconds).
  std::string sign(std::string_view path, std::int64_t expires) const;
  // "exp=...&sig=..." for `path`, valid until `expires`.
  std::string query(std::string_view path, std::int64_t expires) const;
  // True when `sig` signs `path` with `expires` and `now` is not past `expires`. Compares
  // in constant time. `expires_text` must be a plain decimal number.
  bool verify(std::string_view path, std::string_view expires_text, std::string_view sig, instant now) const;

 private:
  security::hmac_signer signer_;
};

}  // namespace dutyflow::http

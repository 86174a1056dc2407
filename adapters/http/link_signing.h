// Signed links for clients that cannot send a bearer token (calendar apps subscribing to
// a unit's calendar.ics): `?exp=<unix seconds>&sig=<base64url HMAC-SHA256>` over the path
// and the expiry. The key lives in a secret file (created 0600 on first start). A signer
// is immutable after construction; any thread may call it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::http {

class link_signer {
 public:
  // `key`: the secret (any bytes; at least 32 recommended). `purpose` separates the keys of
  // different kinds of link made from one secret ("calendar").
  link_signer(std::string_view key, std::string_view purpose);

  // The signature of `path` valid until `expires` (unix seconds).
  std::string sign(std::string_view path, std::int64_t expires) const;
  // "exp=...&sig=..." for `path`, valid until `expires`.
  std::string query(std::string_view path, std::int64_t expires) const;
  // True when `sig` signs `path` with `expires` and `now` is not past `expires`. Compares
  // in constant time. `expires_text` must be a plain decimal number.
  bool verify(std::string_view path, std::string_view expires_text, std::string_view sig, instant now) const;

 private:
  std::string key_;  // derived per purpose
};

// Reads the secret from `path`, or creates the file (mode 0600, parent directories too)
// with 32 random bytes as 64 hex characters when it does not exist. A file readable by
// group or others is refused (errc::invalid); errc::storage when it cannot be read or written.
result<std::string> load_or_create_secret(const std::string& path);

// Unpadded base64url (RFC 4648 §5) of raw bytes: what tokens and signatures are written in.
std::string base64url(std::string_view raw);

}  // namespace dutyflow::http

#include "adapters/http/signed_urls.h"

#include "adapters/security/codec.h"

#include <charconv>

namespace dutyflow::http {

namespace {

std::string message(std::string_view path, std::int64_t expires) {
  return std::string("GET\n") + std::string(path) + "\n" + std::to_string(expires);
}

}  // namespace

std::string signed_urls::sign(std::string_view path, std::int64_t expires) const {
  return security::base64url_encode(signer_.mac(message(path, expires)));
}

std::string signed_urls::query(std::string_view path, std::int64_t expires) const {
  return "exp=" + std::to_string(expires) + "&sig=" + sign(path, expires);
}

bool signed_urls::verify(std::string_view path, std::string_view expires_text, std::string_view sig,
                         instant now) const {
  std::int64_t expires = 0;
  auto [p, ec] = std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  if (ec != std::errc{} || p != expires_text.data() + expires_text.size() || expires_text.empty()) return false;
  auto mac = security::base64url_decode(sig);
  if (!mac || !signer_.verify(message(path, expires), *mac)) return false;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return now_s <= expires;
}

}  // namespace dutyflow::http

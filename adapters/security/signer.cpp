#include "adapters/security/signer.h"

#include "adapters/security/codec.h"
#include "adapters/security/secret_file.h"

namespace dutyflow::security {

std::string_view use_name(signing_use use) {
  switch (use) {
    case signing_use::calendar_link: return "calendar_link";
    case signing_use::action_link: return "action_link";
  }
  return "unknown";
}

hmac_signer::hmac_signer(std::string_view secret, signing_use use) : use_(use) {
  switch (use) {
    case signing_use::calendar_link:
      key_ = hmac_sha256(secret, "dutyflow link key: calendar");
      domain_ = "";
      break;
    case signing_use::action_link:
      key_ = std::string(secret);
      domain_ = "dutyflow-link-v1.";
      break;
  }
}

std::string hmac_signer::mac(std::string_view message) const {
  std::string input;
  input.reserve(domain_.size() + message.size());
  input.append(domain_).append(message);
  return hmac_sha256(key_, input);
}

bool hmac_signer::verify(std::string_view message, std::string_view mac_bytes) const {
  return constant_time_equal(mac(message), mac_bytes);
}

result<hmac_signer> load_signer(const std::string& path, signing_use use, bool* created) {
  const std::string what = use == signing_use::calendar_link ? "calendar link key" : "link key";
  auto text = load_or_create_secret(path, what, created);
  if (!text) return std::move(text).err();
  if (use == signing_use::calendar_link) return hmac_signer(*text, use);
  auto key = hex_decode(*text);
  if (!key || key->size() < 16)
    return make_error(errc::invalid, what + ": " + path + " must hold at least 32 hex characters");
  return hmac_signer(*key, use);
}

}  // namespace dutyflow::security

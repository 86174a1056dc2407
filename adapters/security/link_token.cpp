#include "adapters/security/link_token.h"

#include <nlohmann/json.hpp>

#include "adapters/security/codec.h"

namespace dutyflow::security {

link_tokens::link_tokens(hmac_signer signer) : signer_(std::move(signer)) {}

std::string link_tokens::sign(const link_claims& c) const {
  const auto exp = std::chrono::floor<std::chrono::seconds>(c.expires).time_since_epoch().count();
  nlohmann::json doc{{"p", c.plan}, {"d", c.duty}, {"u", c.unit}, {"e", c.event}, {"x", exp}};
  const auto payload = base64url_encode(doc.dump());
  return payload + "." + base64url_encode(signer_.mac(payload));
}

link_check link_tokens::verify(std::string_view token, instant now) const {
  link_check out;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 4096) return out;
  const auto payload = token.substr(0, dot);
  const auto mac = base64url_decode(token.substr(dot + 1));
  if (!mac) return out;
  if (!signer_.verify(payload, *mac)) {
    out.result = link_check::outcome::forged;
    return out;
  }
  const auto text = base64url_decode(payload);
  if (!text) return out;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return out;
  try {
    out.claims.plan = doc.at("p").get<std::string>();
    out.claims.duty = doc.at("d").get<std::string>();
    out.claims.unit = doc.at("u").get<std::string>();
    out.claims.event = doc.at("e").get<std::string>();
    out.claims.expires = instant{std::chrono::seconds{doc.at("x").get<std::int64_t>()}};
  } catch (const nlohmann::json::exception&) {
    return out;
  }
  out.result = now >= out.claims.expires ? link_check::outcome::expired : link_check::outcome::ok;
  return out;
}

}  // namespace dutyflow::security

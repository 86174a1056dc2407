// The view handlers' test fixture: views_env with a router over a token store of one
// token per actor, to call the dashboard, metrics, calendar feed, report and stream
// handlers through the route table as a client would (no socket).
#pragma once

#include "adapters/http/router.h"
#include "adapters/security/codec.h"
#include "tests/unit/http/views_env.h"

#include <gtest/gtest.h>

namespace dutyflow::testing {

inline http::request get(const std::string& target, bool loopback = true, const std::string& token = "") {
  http::request r;
  r.method = "GET";
  r.target = target;
  EXPECT_TRUE(http::parse_target(target, r.path, r.query));
  r.from_loopback = loopback;
  if (!token.empty()) r.authorization = "Bearer " + token;
  return r;
}

inline std::string header(const http::response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// A token store with one token per role (two units); the token text of each actor is its
// name backwards, so view() can present the token of the actor it is given.
inline std::string token_of(const std::string& name) { return {name.rbegin(), name.rend()}; }
inline http::token_store view_tokens() {
  using http::token_store;
  return token_store({{"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex("coord")},
                      {"lanh-dao", role::viewer, "", security::sha256_hex("view")},
                      {"phong-noi-vu", role::coordinator, "phong-noi-vu", security::sha256_hex(token_of("phong-noi-vu"))},
                      {"lanh-dao", role::viewer, "", security::sha256_hex(token_of("lanh-dao"))},
                      {"ubnd-xa-ma-li-pho", role::unit, "xa-ma-li-pho", security::sha256_hex(token_of("ubnd-xa-ma-li-pho"))},
                      {"ubnd-xa-sin-suoi-ho", role::unit, "xa-sin-suoi-ho",
                       security::sha256_hex(token_of("ubnd-xa-sin-suoi-ho"))}});
}

}  // namespace dutyflow::testing

class Views : public ::testing::Test {
 protected:
  dutyflow::testing::views_env env;
  dutyflow::http::router routes{*env.ctx,
                                std::make_shared<const dutyflow::http::token_store>(dutyflow::testing::view_tokens())};

  // Through the router as it comes; nullopt when the router asks for a bearer token (its
  // own 401): the route is not one that answers without a token.
  std::optional<dutyflow::http::response> public_route(const dutyflow::http::request& req) {
    auto r = env.call([&](dutyflow::http::respond_fn respond) { routes.handle(req, respond); });
    if (r.status == 401 && r.body.find("a bearer token is required") != std::string::npos) return std::nullopt;
    return r;
  }
  // Through the router with the token of `caller`.
  dutyflow::http::response view(dutyflow::http::request req, const dutyflow::actor& caller) {
    req.authorization = "Bearer " + dutyflow::testing::token_of(caller.name);
    return env.call([&](dutyflow::http::respond_fn respond) { routes.handle(req, respond); });
  }
};

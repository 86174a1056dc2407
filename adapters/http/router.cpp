#include "adapters/http/router.h"
#include "adapters/http/imports.h"
#include "adapters/http/routes.h"
#include "adapters/http/signed_urls.h"

#include <spdlog/spdlog.h>

namespace dutyflow::http {

namespace {

response method_not_allowed(const std::string& allow) {
  auto r = error_response(405, "method_not_allowed", "use " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

// The 401 for a request without a known bearer token.
response unauthenticated(const std::string& authorization) {
  auto r = error_response(401, "unauthenticated", authorization.empty() ? "a bearer token is required" : "unknown token");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dutyflow\"");
  return r;
}

}  // namespace

router::router(services& ctx, std::shared_ptr<const token_store> tokens, auth_limit_options auth_limit)
    : ctx_(ctx), tokens_(std::move(tokens)), limiter_(auth_limit) {}

void router::set_tokens(std::shared_ptr<const token_store> tokens) {
  std::lock_guard lock(mutex_);
  tokens_ = std::move(tokens);
}

std::shared_ptr<const token_store> router::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

std::optional<actor> router::check_token(const std::string& authorization, const std::string& remote,
                                         std::optional<response>& refusal) {
  std::optional<actor> caller;
  if (authorization.empty()) return caller;
  const auto store = tokens();
  const auto verdict = limiter_.check(remote, std::chrono::steady_clock::now(), [&] {
    if (authorization.size() > 7 && (authorization.starts_with("Bearer ") || authorization.starts_with("bearer ")))
      caller = store->authenticate(std::string_view(authorization).substr(7));
    return caller.has_value();
  });
  if (verdict.result == auth_limiter::outcome::throttled) {
    const auto seconds = std::to_string(verdict.retry_after.count());
    auto r = error_response(429, "too_many_requests",
                            "too many failed token checks from this address; try again in " + seconds + " s",
                            {{"retry_after", verdict.retry_after.count()}});
    r.headers.emplace_back("Retry-After", seconds);
    refusal = std::move(r);
    return std::nullopt;
  }
  if (verdict.locked_now)
    spdlog::warn("http: {} failed {} token checks within {} s; its tokens are refused unchecked until then",
                 log_safe(remote), limiter_.options().limit,
                 std::chrono::duration_cast<std::chrono::seconds>(limiter_.options().window).count());
  return caller;
}

std::optional<response> router::refuse_upload(const std::string& authorization, const std::string& remote) {
  std::optional<response> refusal;
  auto caller = check_token(authorization, remote, refusal);
  if (refusal) return refusal;
  if (!caller) return unauthenticated(authorization);
  return import_refusal(*caller);
}

void router::handle(const request& req, respond_fn respond) {
  const auto parts = path_segments(req.path);
  const auto match = match_routes(parts);
  const route* found = nullptr;
  for (const auto* rt : match.routes)
    if (answers(rt->method, req.method)) {
      found = rt;
      break;
    }
  // Every method of one path has the same kind of access (routes_test checks it).
  const auto who = match.routes.empty() ? route_access::token : match.routes.front()->who;
  auto call = [&](std::optional<actor> caller) {
    found->handler(ctx_, route_call{req, match.params, std::move(caller)}, respond);
  };
  // /healthz, and one-click links from notifications (the signed token is the
  // credential): no bearer token is looked at.
  if (who == route_access::open || who == route_access::action_link) {
    if (!found) return respond(method_not_allowed(allow_header(match)));
    return call(std::nullopt);
  }
  // A presented token is checked here, once, whatever the route (/metrics takes one
  // too): every failed check counts against the client's allowance, and a client that
  // used it up is refused before its token is looked at.
  std::optional<response> refusal;
  std::optional<actor> caller = check_token(req.authorization, req.remote, refusal);
  if (refusal) return respond(std::move(*refusal));
  // The dashboard's assets and /metrics need no bearer token (/metrics decides itself).
  if (who == route_access::anyone || who == route_access::metrics) {
    if (!found) return respond(method_not_allowed(allow_header(match)));
    return call(std::move(caller));
  }
  // A calendar app cannot send a token: a signed link stands in for one.
  if (who == route_access::token_or_signed_link && req.query.contains("sig") && req.authorization.empty()) {
    if (!found) return respond(method_not_allowed(allow_header(match)));
    auto exp = req.query.find("exp");
    if (exp == req.query.end() ||
        !ctx_.calendar_links.verify(req.path, exp->second, req.query.at("sig"), ctx_.clock.now()))
      return respond(
          error_response(403, "forbidden", "the calendar link is not valid or has expired; ask for a new one"));
    return call(std::nullopt);
  }
  if (match.routes.empty() && (parts.size() < 2 || parts[0] != "api" || parts[1] != "v1"))
    return respond(error_response(404, "not_found", "no such resource: " + req.path));

  // Everything under /api needs a known bearer token, before its path or method is judged.
  if (!caller) return respond(unauthenticated(req.authorization));
  spdlog::debug("http: {} {} by {}", log_safe(req.method), log_safe(req.path), caller->name);
  if (match.routes.empty()) return respond(error_response(404, "not_found", "no such resource: " + req.path));
  if (!found) return respond(method_not_allowed(allow_header(match)));
  call(std::move(caller));
}

}  // namespace dutyflow::http

#include "adapters/http/router.h"
#include "adapters/http/ack_link.h"
#include "adapters/http/imports.h"
#include "adapters/http/views.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace dutyflow::http {

namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    out.push_back(path.substr(i, j - i));
    i = j == std::string::npos ? path.size() : j;
  }
  return out;
}

response method_not_allowed(const char* allow) {
  auto r = error_response(405, "method_not_allowed", std::string("use ") + allow);
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

router::router(context& ctx, std::shared_ptr<const token_store> tokens, auth_limit_options auth_limit)
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
  const auto parts = segments(req.path);
  const auto& m = req.method;
  if (parts.size() == 1 && parts[0] == "healthz") {
    if (m != "GET" && m != "HEAD") return respond(method_not_allowed("GET"));
    return get_health(req, respond);
  }
  // One-click links from notifications: the signed token is the credential.
  if (parts.size() == 2 && parts[0] == "a") {
    if (m == "GET") return get_ack_link(ctx_, parts[1], respond);
    if (m == "POST") return post_ack_link(ctx_, parts[1], respond);
    return respond(method_not_allowed("GET, POST"));
  }
  // A presented token is checked here, once, whatever the route (/metrics takes one
  // too): every failed check counts against the client's allowance, and a client that
  // used it up is refused before its token is looked at.
  std::optional<response> refusal;
  const std::optional<actor> caller = check_token(req.authorization, req.remote, refusal);
  if (refusal) return respond(std::move(*refusal));
  // The dashboard's assets, /metrics and signed calendar links need no bearer token.
  if (route_public(ctx_, req, parts, caller, respond)) return;
  if (parts.size() < 2 || parts[0] != "api" || parts[1] != "v1")
    return respond(error_response(404, "not_found", "no such resource: " + req.path));

  // Everything under /api needs a known bearer token.
  if (!caller) return respond(unauthenticated(req.authorization));
  spdlog::debug("http: {} {} by {}", log_safe(m), log_safe(req.path), caller->name);
  if (route_views(ctx_, req, parts, *caller, respond)) return;

  const std::size_t n = parts.size();
  if (n == 3 && parts[2] == "plans") {
    if (m == "GET") return list_plans(ctx_, req, *caller, respond);
    if (m == "POST") return create_plan(ctx_, req, *caller, respond);
    return respond(method_not_allowed("GET, POST"));
  }
  if (n == 4 && parts[2] == "plans") {
    if (m == "GET") return get_plan(ctx_, parts[3], *caller, respond);
    return respond(method_not_allowed("GET"));
  }
  if (n == 6 && parts[2] == "plans" && parts[4] == "milestones") {
    if (m == "PUT") return put_milestone(ctx_, req, parts[3], parts[5], *caller, respond);
    return respond(method_not_allowed("PUT"));
  }
  if (n == 6 && parts[2] == "plans" && parts[4] == "duties") {
    if (m == "GET") return get_duty(ctx_, parts[3], parts[5], *caller, respond);
    return respond(method_not_allowed("GET"));
  }
  if (n == 7 && parts[2] == "plans" && parts[4] == "duties" && parts[6] == "events") {
    if (m == "POST") return post_event(ctx_, req, parts[3], parts[5], *caller, respond);
    return respond(method_not_allowed("POST"));
  }
  if (n == 3 && parts[2] == "imports") {
    if (m == "POST") return post_import(ctx_, req, *caller, respond);
    return respond(method_not_allowed("POST"));
  }
  if (n == 3 && parts[2] == "duties") {
    if (m == "GET") return list_duties(ctx_, req, *caller, respond);
    return respond(method_not_allowed("GET"));
  }
  if (n == 3 && parts[2] == "notifications") {
    if (m == "GET") return list_notifications(ctx_, req, *caller, respond);
    return respond(method_not_allowed("GET"));
  }
  if (n == 4 && parts[2] == "admin" && parts[3] == "clock") {
    if (m == "POST") return admin_clock(ctx_, req, *caller, respond);
    return respond(method_not_allowed("POST"));
  }
  respond(error_response(404, "not_found", "no such resource: " + req.path));
}

}  // namespace dutyflow::http

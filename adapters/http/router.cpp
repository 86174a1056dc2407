#include "adapters/http/router.h"
#include "adapters/http/ack_link.h"
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

}  // namespace

router::router(context& ctx, std::shared_ptr<const token_store> tokens) : ctx_(ctx), tokens_(std::move(tokens)) {}

void router::set_tokens(std::shared_ptr<const token_store> tokens) {
  std::lock_guard lock(mutex_);
  tokens_ = std::move(tokens);
}

std::shared_ptr<const token_store> router::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
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
  // The dashboard's assets, /metrics and signed calendar links need no bearer token.
  if (route_public(ctx_, req, parts, *tokens(), respond)) return;
  if (parts.size() < 2 || parts[0] != "api" || parts[1] != "v1")
    return respond(error_response(404, "not_found", "no such resource: " + req.path));

  // Everything under /api needs a known bearer token.
  std::optional<actor> caller;
  if (req.authorization.size() > 7 && (req.authorization.starts_with("Bearer ") || req.authorization.starts_with("bearer ")))
    caller = tokens()->authenticate(std::string_view(req.authorization).substr(7));
  if (!caller) {
    auto r = error_response(401, "unauthenticated",
                            req.authorization.empty() ? "a bearer token is required" : "unknown token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dutyflow\"");
    return respond(std::move(r));
  }
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

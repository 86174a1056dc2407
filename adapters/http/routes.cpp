#include "adapters/http/routes.h"
#include "adapters/http/ack_link.h"
#include "adapters/http/calendar_feed.h"
#include "adapters/http/dashboard.h"
#include "adapters/http/imports.h"
#include "adapters/http/metrics.h"
#include "adapters/http/report.h"
#include "adapters/http/stream.h"

namespace dutyflow::http {

namespace {

using c = const route_call&;
using r = const respond_fn&;

// The routes whose handlers take a caller are reached only with one (routes.h's access).
const route table[] = {
    {verb::get_or_head, "/healthz", route_access::open, [](services&, c k, r out) { get_health(k.req, out); }},
    // One-click links from notifications: GET shows a confirm page, POST acts.
    {verb::get, "/a/{token}", route_access::action_link,
     [](services& s, c k, r out) { get_ack_link(s, k.params[0], out); }},
    {verb::post, "/a/{token}", route_access::action_link,
     [](services& s, c k, r out) { post_ack_link(s, k.params[0], out); }},
    // The dashboard.
    {verb::get_or_head, "/", route_access::anyone, [](services&, c k, r out) { out(get_asset(k.req)); }},
    {verb::get_or_head, "/index.html", route_access::anyone, [](services&, c k, r out) { out(get_asset(k.req)); }},
    {verb::get_or_head, "/assets/{name}", route_access::anyone, [](services&, c k, r out) { out(get_asset(k.req)); }},
    {verb::get_or_head, "/metrics", route_access::metrics,
     [](services& s, c k, r out) { get_metrics(s, k.req, k.caller, out); }},
    // The API.
    {verb::get, "/api/v1/plans", route_access::token, [](services& s, c k, r out) { list_plans(s, k.req, *k.caller, out); }},
    {verb::post, "/api/v1/plans", route_access::coordinator,
     [](services& s, c k, r out) { create_plan(s, k.req, *k.caller, out); }},
    {verb::get, "/api/v1/plans/{plan}", route_access::token,
     [](services& s, c k, r out) { get_plan(s, k.params[0], *k.caller, out); }},
    {verb::put, "/api/v1/plans/{plan}/milestones/{milestone}", route_access::coordinator,
     [](services& s, c k, r out) { put_milestone(s, k.req, k.params[0], k.params[1], *k.caller, out); }},
    {verb::get, "/api/v1/plans/{plan}/duties/{duty}", route_access::token,
     [](services& s, c k, r out) { get_duty(s, k.params[0], k.params[1], *k.caller, out); }},
    // No viewer fires an event (post_event's 403).
    {verb::post, "/api/v1/plans/{plan}/duties/{duty}/events", route_access::token,
     [](services& s, c k, r out) { post_event(s, k.req, k.params[0], k.params[1], *k.caller, out); }},
    {verb::get_or_head, "/api/v1/plans/{plan}/report.csv", route_access::token,
     [](services& s, c k, r out) { get_report_csv(s, k.params[0], out); }},
    {verb::post, "/api/v1/imports", route_access::coordinator,
     [](services& s, c k, r out) { post_import(s, k.req, *k.caller, out); }},
    {verb::get, "/api/v1/duties", route_access::token, [](services& s, c k, r out) { list_duties(s, k.req, *k.caller, out); }},
    {verb::get, "/api/v1/notifications", route_access::coordinator,
     [](services& s, c k, r out) { list_notifications(s, k.req, *k.caller, out); }},
    // Not HEAD: a stream has no end to describe.
    {verb::get, "/api/v1/stream", route_access::token,
     [](services& s, c k, r out) { stream_events(s, k.req, *k.caller, out); }},
    {verb::get_or_head, "/api/v1/kinds", route_access::token, [](services& s, c, r out) { get_kinds(s, out); }},
    {verb::get_or_head, "/api/v1/now", route_access::token, [](services& s, c, r out) { get_now(s, out); }},
    {verb::get_or_head, "/api/v1/me", route_access::token, [](services&, c k, r out) { out(get_me(*k.caller)); }},
    // A calendar app cannot send a token: a signed link stands in for one.
    {verb::get_or_head, "/api/v1/units/{unit}/calendar.ics", route_access::token_or_signed_link,
     [](services& s, c k, r out) { get_unit_calendar(s, k.params[0], out); }},
    // A coordinator for any unit, a unit for itself (get_calendar_link's 403).
    {verb::get_or_head, "/api/v1/units/{unit}/calendar-link", route_access::token,
     [](services& s, c k, r out) { get_calendar_link(s, k.params[0], *k.caller, out); }},
    // 404 unless the daemon runs on a manual clock, then coordinators only.
    {verb::post, "/api/v1/admin/clock", route_access::coordinator,
     [](services& s, c k, r out) { admin_clock(s, k.req, *k.caller, out); }},
};

// Each route's pattern split into segments, once: a request compares segments only.
const std::vector<std::vector<std::string_view>>& pattern_segments() {
  static const auto all = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const auto& rt : table) {
      std::vector<std::string_view> segs;
      for (std::string_view p = rt.pattern; !p.empty();) {
        const auto slash = p.find('/');
        if (slash != 0) segs.push_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
      }
      out.push_back(std::move(segs));
    }
    return out;
  }();
  return all;
}

// Whether `pattern` matches `parts`, with the "{name}" values in `params`.
bool pattern_matches(const std::vector<std::string_view>& pattern, const std::vector<std::string>& parts,
                     std::vector<std::string>& params) {
  if (pattern.size() != parts.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i)
    if (!pattern[i].starts_with('{') && pattern[i] != parts[i]) return false;
  params.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i)
    if (pattern[i].starts_with('{')) params.push_back(parts[i]);
  return true;
}

}  // namespace

std::string_view access_name(route_access a) {
  switch (a) {
    case route_access::open:
      return "open";
    case route_access::action_link:
      return "action_link";
    case route_access::anyone:
      return "anyone";
    case route_access::metrics:
      return "metrics";
    case route_access::token_or_signed_link:
      return "token_or_signed_link";
    case route_access::token:
      return "token";
    case route_access::coordinator:
      return "coordinator";
  }
  return "token";
}

std::string_view verb_name(verb v) {
  switch (v) {
    case verb::get:
    case verb::get_or_head:
      return "GET";
    case verb::post:
      return "POST";
    case verb::put:
      return "PUT";
  }
  return "GET";
}

bool answers(verb v, std::string_view method) {
  if (v == verb::get_or_head && method == "HEAD") return true;
  return method == verb_name(v);
}

std::span<const route> route_table() { return table; }

std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    out.emplace_back(path.substr(i, j - i));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

route_match match_routes(const std::vector<std::string>& parts) {
  route_match m;
  const auto& patterns = pattern_segments();
  for (std::size_t i = 0; i < std::size(table); ++i) {
    const route& rt = table[i];
    std::vector<std::string> params;
    if (!pattern_matches(patterns[i], parts, params)) continue;
    // One pattern per path (routes.h): the first match decides, its other methods follow.
    if (!m.routes.empty() && m.routes.front()->pattern != rt.pattern) continue;
    if (m.routes.empty()) m.params = std::move(params);
    m.routes.push_back(&rt);
  }
  return m;
}

std::string allow_header(const route_match& m) {
  std::string out;
  for (const auto* rt : m.routes) {
    const auto name = verb_name(rt->method);
    if (out.find(name) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace dutyflow::http

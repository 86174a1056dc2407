// Every route the daemon serves, as data: method, path pattern, who may call it, handler.
// The router (router.h) authenticates by a route's access, matches the table, and
// answers 404 for a path no route has and 405 (with Allow) for a method a path lacks;
// tests read the table to check each route. Built once, immutable; any thread.
//
// Patterns are absolute paths whose "{name}" segments match any one segment; a path
// matches segment by segment, empty segments ignored ("//api/v1/plans" is
// "/api/v1/plans"). No two patterns match the same path (routes_test checks it).
#pragma once

#include "adapters/http/handlers.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::http {

// Who may call a route, in the order the router checks (router.cpp):
enum class route_access : std::uint8_t {
  // Nothing checked, not even a presented bearer token (/healthz).
  open,
  // The signed token in the path is the credential, checked by the handler (/a/{token},
  // one-click links from notifications). A bearer token is not looked at.
  action_link,
  // No credential needed (the dashboard's assets); a presented token is still checked,
  // and counted against the client's failure allowance.
  anyone,
  // A coordinator's token, or a loopback peer when metrics.allow_loopback is set: the
  // handler decides (its 401 and 403), after the router checked a presented token.
  metrics,
  // Any known token, or a signed calendar link (?exp=&sig= without an Authorization
  // header) checked by the router: calendar apps cannot send a token.
  token_or_signed_link,
  // Any known bearer token; the handler may refuse a role (a viewer's event, another
  // unit's calendar link) with its own 403.
  token,
  // A known bearer token, and the handler refuses anyone but a coordinator with its own
  // 403 (in the order its checks always ran: admin/clock's 404 on a daemon without a
  // manual clock comes first).
  coordinator,
};
std::string_view access_name(route_access a);

// A method a route answers. get_or_head answers HEAD as GET does (Allow still says GET).
enum class verb : std::uint8_t { get, get_or_head, post, put };
std::string_view verb_name(verb v);  // "GET", "POST", "PUT"
bool answers(verb v, std::string_view method);

// What a handler is given: the request, the values of the pattern's "{name}" segments
// in order, and the caller the router authenticated (nullopt for open, action_link,
// anyone and metrics routes without a known token, and for a signed calendar link).
struct route_call {
  const request& req;
  std::vector<std::string> params;
  std::optional<actor> caller;
};
using route_handler = void (*)(services& ctx, const route_call& call, const respond_fn& respond);

struct route {
  verb method;
  std::string_view pattern;
  route_access who;
  route_handler handler;
};

// The table, in the order the README lists the API.
std::span<const route> route_table();

// The path's segments ("/a//b/" -> {"a", "b"}).
std::vector<std::string> path_segments(std::string_view path);

// The routes whose pattern matches `parts` (every method of one pattern), in table order,
// and the pattern's parameters; empty routes when no pattern matches.
struct route_match {
  std::vector<const route*> routes;
  std::vector<std::string> params;
};
route_match match_routes(const std::vector<std::string>& parts);

// The Allow header of a matched path: its methods in table order ("GET, POST").
std::string allow_header(const route_match& m);

}  // namespace dutyflow::http

// One HTTP connection (internal to the server): reads requests one at a time with size
// and time limits, hands each to the router, writes the answer, keeps the connection
// alive when the client asks for it. Lives as long as its async operations hold it.
#pragma once

#include "adapters/http/router.h"
#include "adapters/http/server.h"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <optional>
#include <string_view>

namespace dutyflow::http {

// One request read from raw bytes with the parser, limits and conversion a session
// uses, but no socket (tests, fuzzing): what the router would be handed, or the answer a
// session sends without asking the router (400 for garbage or a bad target, 413, 431), or
// neither when no byte was sent. `rest` is what follows the request (a pipelined one) and
// `keep_alive` whether the session reads it: false after garbage and over-limit requests.
struct read_result {
  std::optional<request> req;
  std::optional<response> answer;
  std::string_view rest;
  bool keep_alive = false;
};
read_result read_request(std::string_view bytes, const server_options& options);

// Starts serving `socket`; `in_flight` counts requests whose answer is not written yet.
void start_session(boost::asio::ip::tcp::socket socket, router& r, const server_options& options,
                   std::atomic<std::size_t>& in_flight);

}  // namespace dutyflow::http

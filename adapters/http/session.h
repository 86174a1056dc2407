// One HTTP connection (internal to the server): reads requests one at a time with size
// and time limits, hands each to the router, writes the answer, keeps the connection
// alive when the client asks for it. Lives as long as its async operations hold it.
#pragma once

#include "adapters/http/router.h"
#include "adapters/http/server.h"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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

// Counted across all sessions by the server, which outlives them.
struct session_counters {
  std::atomic<std::size_t> in_flight{0};       // requests received whose answer is not written yet
  std::atomic<std::size_t> connections{0};     // sessions alive
  std::atomic<std::uint64_t> refused{0};       // connections over max_connections
  std::atomic<std::uint64_t> refused_per_address{0};  // connections over max_connections_per_address
  std::atomic<std::uint64_t> timeouts{0};      // connections closed by a timeout
  std::atomic<std::uint64_t> bad_requests{0};  // requests refused before routing (400, 413, 431)

  // Connections open per client (auth_limiter::client_key of the peer address): the
  // listener counts one in before it starts its session, the session counts itself out
  // when it ends, on whichever I/O thread that is.
  // Counts `client` in unless it has `limit` open already (0: no limit); false if it has.
  bool add_client(const std::string& client, std::size_t limit) {
    std::lock_guard lock(clients_mutex_);
    auto& n = clients_[client];
    if (limit > 0 && n >= limit) return false;
    ++n;
    return true;
  }
  void remove_client(const std::string& client) {
    std::lock_guard lock(clients_mutex_);
    auto it = clients_.find(client);
    if (it != clients_.end() && --it->second == 0) clients_.erase(it);
  }
  std::size_t clients() const {
    std::lock_guard lock(clients_mutex_);
    return clients_.size();
  }

 private:
  mutable std::mutex clients_mutex_;
  std::unordered_map<std::string, std::size_t> clients_;
};

// Starts serving `socket`. The caller has counted it in `counters.connections` and, under
// `client`, with add_client(); the session takes both off when it ends.
void start_session(boost::asio::ip::tcp::socket socket, router& r, const server_options& options,
                   session_counters& counters, std::string client);

}  // namespace dutyflow::http

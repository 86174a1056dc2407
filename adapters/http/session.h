// One HTTP connection (internal to the server): reads requests one at a time with size
// and time limits, hands each to the router, writes the answer, keeps the connection
// alive when the client asks for it. Lives as long as its async operations hold it.
#pragma once

#include "adapters/http/router.h"
#include "adapters/http/server.h"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>

namespace dutyflow::http {

// Starts serving `socket`; `in_flight` counts requests whose answer is not written yet.
void start_session(boost::asio::ip::tcp::socket socket, router& r, const server_options& options,
                   std::atomic<std::size_t>& in_flight);

}  // namespace dutyflow::http

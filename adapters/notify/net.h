// Shared plumbing of the network channels (smtp.cpp, webhook.cpp): each delivery runs
// as a C++20 coroutine on its own io_context, on the calling lane thread, until it
// finishes or the daemon asks to stop. Operations report errors as values (as_tuple);
// nothing throws out of a handler. Internal to dutyflow_notify.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "adapters/notify/channel.h"

namespace dutyflow::notify::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Runs the coroutine made by `make(io)` to completion, or gives up (retry later) when
// `cancel` becomes true. Any exception escaping the coroutine becomes a retry.
template <class Make>
delivery run(Make make, const std::atomic<bool>& cancel) {
  std::optional<delivery> out;
  asio::io_context io;
  asio::co_spawn(io, make(io), [&out](std::exception_ptr e, delivery d) {
    if (!e) {
      out = std::move(d);
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      out = delivery::retry(std::string("internal error: ") + ex.what());
    } catch (...) {
      out = delivery::retry("internal error");
    }
  });
  while (!out) {
    if (cancel.load()) return delivery::retry("dutyflowd is stopping");
    io.run_for(std::chrono::milliseconds(100));
    if (io.stopped() && !out) io.restart();
  }
  return *out;
}

// Resolves and connects with a deadline. Returns an error text, or "" when connected.
inline asio::awaitable<std::string> connect(beast::tcp_stream& stream, const std::string& host, const std::string& port,
                                            std::chrono::seconds timeout) {
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  auto [rerr, endpoints] = co_await resolver.async_resolve(host, port, use_tuple);
  if (rerr) co_return "cannot resolve " + host + ": " + rerr.message();
  stream.expires_after(timeout);
  auto [cerr, ep] = co_await stream.async_connect(endpoints, use_tuple);
  if (cerr) {
    co_return "cannot connect to " + host + ":" + port + ": " +
        (cerr == beast::error::timeout ? std::string("timed out") : cerr.message());
  }
  co_return std::string();
}

// A client TLS context: system CAs (or `ca_file`), peer verification unless turned off.
// Returns an error text, or "".
inline std::string init_tls_context(asio::ssl::context& ctx, bool verify, const std::string& ca_file) {
  boost::system::error_code ec;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                  ec);
  if (ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(ca_file, ec);
  if (ec)
    return "cannot load CA certificates" + (ca_file.empty() ? std::string() : " from " + ca_file) + ": " + ec.message();
  ctx.set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return {};
}

inline bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace dutyflow::notify::net

#include "adapters/http/auth_limit.h"
#include "adapters/http/server.h"
#include "adapters/http/session.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <thread>
#include <vector>

namespace dutyflow::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The whole answer to a connection refused at the door, written in one go without
// waiting: the socket is new, so its send buffer has room.
std::string refusal_text(int status, const char* reason, const char* code, const std::string& message) {
  const auto body = error_response(status, code, message, {{"retry_after", 1}}).body;
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nServer: dutyflowd\r\nContent-Type: application/json; "
         "charset=utf-8\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

struct server::impl {
  impl(router& r, server_options o) : router_(r), options_(std::move(o)), acceptor_(ioc_), accept_retry_(ioc_) {}

  void do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of file descriptors or memory: the connection stays in the backlog and
        // accepting again at once would fail at once, in a loop. Wait a moment.
        if (report_due(last_accept_report_))
          spdlog::warn("http: accept failed: {} (retrying in 100 ms; is ulimit -n below http.max_connections?)",
                       ec.message());
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec && acceptor_.is_open()) do_accept();
        });
        return;
      }
      boost::system::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      auto client = peer_ec ? std::string("?") : auth_limiter::client_key(peer.address().to_string());
      if (counters_.connections.load() >= options_.max_connections) {
        refuse(std::move(socket));
      } else if (!counters_.add_client(client, options_.max_connections_per_address)) {
        refuse_client(std::move(socket), client);
      } else {
        ++counters_.connections;
        start_session(std::move(socket), router_, options_, counters_, std::move(client));
      }
      do_accept();
    });
  }

  void refuse(tcp::socket socket) {
    ++counters_.refused;
    if (report_due(last_refusal_report_))
      spdlog::warn("http: {} connections open, the most allowed (http.max_connections); refusing new ones ({} so far)",
                   options_.max_connections, counters_.refused.load());
    static const std::string text =
        refusal_text(503, "Service Unavailable", "unavailable", "too many connections; try again shortly");
    answer_and_close(socket, text);
  }

  // One client holds max_connections_per_address already: the others' places stay theirs.
  void refuse_client(tcp::socket socket, const std::string& client) {
    ++counters_.refused_per_address;
    if (report_due(last_client_report_))
      spdlog::warn("http: {} has {} connections open, the most one client may (http.max_connections_per_address); "
                   "refusing its new ones ({} so far)",
                   log_safe(client), options_.max_connections_per_address, counters_.refused_per_address.load());
    static const std::string text =
        refusal_text(429, "Too Many Requests", "too_many_requests",
                     "too many connections from your address; close some or try again shortly");
    answer_and_close(socket, text);
  }

  static void answer_and_close(tcp::socket& socket, const std::string& text) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(text), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }

  // One log line per 10 s at most for a condition that may repeat thousands of times a
  // second. Runs on the acceptor's handlers only, which never run concurrently.
  static bool report_due(std::chrono::steady_clock::time_point& last) {
    const auto now = std::chrono::steady_clock::now();
    if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::seconds(10)) return false;
    last = now;
    return true;
  }

  router& router_;
  server_options options_;
  // Before ioc_: sessions still queued in ioc_ when it is destroyed count themselves off.
  session_counters counters_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  std::chrono::steady_clock::time_point last_accept_report_, last_refusal_report_, last_client_report_;
  std::vector<std::thread> threads_;
  unsigned short port_ = 0;
};

server::server(router& r, server_options options) : impl_(std::make_unique<impl>(r, std::move(options))) {}

server::~server() { stop(); }

status server::start() {
  const auto& listen = impl_->options_.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return make_error(errc::invalid, "listen address must be HOST:PORT, got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto port_text = listen.substr(colon + 1);
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535)
    return make_error(errc::invalid, "bad port in listen address \"" + listen + "\"");
  boost::system::error_code err;
  auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, err);
  if (err) return make_error(errc::invalid, "bad host in listen address \"" + listen + "\"");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor_;
  acc.open(endpoint.protocol(), err);
  if (!err) acc.set_option(net::socket_base::reuse_address(true), err);
  if (!err) acc.bind(endpoint, err);
  if (!err) acc.listen(net::socket_base::max_listen_connections, err);
  if (err) return make_error(errc::storage, "cannot listen on " + listen + ": " + err.message());
  impl_->port_ = acc.local_endpoint().port();
  impl_->do_accept();
  int n = std::max(1, impl_->options_.threads);
  for (int i = 0; i < n; ++i) impl_->threads_.emplace_back([this] { impl_->ioc_.run(); });
  return ok_status();
}

unsigned short server::port() const { return impl_->port_; }

void server::stop_accepting() {
  net::post(impl_->ioc_, [this] {
    boost::system::error_code ec;
    impl_->acceptor_.close(ec);
    impl_->accept_retry_.cancel();
  });
}

std::size_t server::in_flight() const { return impl_->counters_.in_flight.load(); }

server_stats server::stats() const {
  const auto& c = impl_->counters_;
  server_stats s;
  s.connections = c.connections.load();
  s.connections_refused = c.refused.load();
  s.connections_refused_per_address = c.refused_per_address.load();
  s.timeouts = c.timeouts.load();
  s.bad_requests = c.bad_requests.load();
  return s;
}

void server::stop() {
  if (!impl_) return;
  impl_->ioc_.stop();
  for (auto& t : impl_->threads_)
    if (t.joinable()) t.join();
  impl_->threads_.clear();
}

}  // namespace dutyflow::http

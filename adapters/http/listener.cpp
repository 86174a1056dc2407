#include "adapters/http/server.h"
#include "adapters/http/session.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <thread>
#include <vector>

namespace dutyflow::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct server::impl {
  impl(router& r, server_options o) : router_(r), options_(std::move(o)), acceptor_(ioc_) {}

  void do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) start_session(std::move(socket), router_, options_, in_flight_);
      else spdlog::warn("http: accept failed: {}", ec.message());
      do_accept();
    });
  }

  router& router_;
  server_options options_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> in_flight_{0};
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
  });
}

std::size_t server::in_flight() const { return impl_->in_flight_.load(); }

void server::stop() {
  if (!impl_) return;
  impl_->ioc_.stop();
  for (auto& t : impl_->threads_)
    if (t.joinable()) t.join();
  impl_->threads_.clear();
}

}  // namespace dutyflow::http

#include "adapters/http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

namespace dutyflow::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, router& r, const server_options& options, std::atomic<std::size_t>& in_flight)
      : stream_(std::move(socket)), router_(r), options_(options), in_flight_(in_flight) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().to_string();
      loopback_ = ep.address().is_loopback();
    }
  }

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this())); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    stream_.expires_after(options_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return do_close();
    }
    if (ec) {
      // The request could not be read: answer what we can, then close.
      int status = 400;
      std::string code = "invalid", message = "malformed HTTP request: " + ec.message();
      if (ec == bhttp::error::body_limit) {
        status = 413;
        code = "too_large";
        message = "request body is larger than " + std::to_string(options_.body_limit) + " bytes";
      } else if (ec == bhttp::error::header_limit) {
        status = 431;
        code = "headers_too_large";
        message = "request headers are larger than " + std::to_string(options_.header_limit) + " bytes";
      }
      keep_alive_ = false;
      ++in_flight_;
      return write(error_response(status, code, message), 11);
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;

    request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.body = std::move(msg.body());
    req.remote = remote_;
    req.from_loopback = loopback_;
    auto header = [&](bhttp::field f) { return std::string(msg[f]); };
    req.authorization = header(bhttp::field::authorization);
    req.if_match = header(bhttp::field::if_match);
    req.content_type = header(bhttp::field::content_type);
    req.idempotency_key = std::string(msg["Idempotency-Key"]);
    req.last_event_id = std::string(msg["Last-Event-ID"]);
    ++in_flight_;
    if (!parse_target(req.target, req.path, req.query)) {
      return write(error_response(400, "invalid", "bad percent-encoding in the request target"), version_);
    }
    // Stop the idle timer while the engine works on the answer.
    stream_.expires_never();
    router_.handle(req, [self = shared_from_this()](response r) {
      // Called from the engine thread or this one: hop back onto the session's strand.
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r), self->version_); });
    });
  }

  void write(response r, unsigned version) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "dutyflowd");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    if (head_) res->body().clear();
    stream_.expires_after(options_.idle_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      --self->in_flight_;
      if (ec) return self->do_close();
      if (!self->keep_alive_) return self->do_close();
      self->do_read();
    });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  router& router_;
  const server_options& options_;
  std::atomic<std::size_t>& in_flight_;
  std::string remote_;
  bool loopback_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace

void start_session(tcp::socket socket, router& r, const server_options& options, std::atomic<std::size_t>& in_flight) {
  std::make_shared<session>(std::move(socket), r, options, in_flight)->run();
}

}  // namespace dutyflow::http

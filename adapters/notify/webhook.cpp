#include "adapters/notify/webhook.h"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "adapters/notify/codec.h"
#include "adapters/notify/net.h"

namespace dutyflow::notify {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using net::use_tuple;

std::string webhook_signature(std::string_view secret, std::int64_t unix_time, std::string_view body) {
  const auto t = std::to_string(unix_time);
  return "t=" + t + ",sha256=" + hex_encode(hmac_sha256(secret, t + "." + std::string(body)));
}

std::optional<parsed_url> parse_url(std::string_view url) {
  parsed_url out;
  if (url.starts_with("https://")) {
    out.https = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '#') return std::nullopt;
  const auto slash = url.find_first_of("/?");
  auto authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target.front() == '?') out.target = "/" + out.target;
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (port.empty()) {
    out.port = out.https ? "443" : "80";
  } else {
    if (port.size() > 5) return std::nullopt;
    for (char c : port)
      if (c < '0' || c > '9') return std::nullopt;
    if (std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) return std::nullopt;
    out.port = std::string(port);
  }
  return out;
}

namespace {

struct post {
  parsed_url url;
  std::string where;  // "webhook https://host:port", for errors
  std::string body;
  std::string id, reason, signature, user_agent;
  std::chrono::seconds timeout;
  bool verify = true;
  asio::ssl::context* tls_ctx = nullptr;

  delivery classify(unsigned status) const {
    const auto why = where + ": answered " + std::to_string(status);
    if (status >= 200 && status < 300) return delivery::done();
    if (status == 408 || status == 425 || status == 429 || status >= 500) return delivery::retry(why);
    if (status >= 300 && status < 400) return delivery::fail(why + " (redirects are not followed)");
    return delivery::fail(why);
  }

  template <class Stream>
  awaitable<delivery> exchange(Stream& s) {
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    const bool default_port = url.port == (url.https ? "443" : "80");
    const auto host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(http::field::host, default_port ? host : host + ":" + url.port);
    req.set(http::field::user_agent, user_agent);
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.set("X-Dutyflow-Id", id);
    req.set("X-Dutyflow-Reason", reason);
    req.set("X-Dutyflow-Signature", signature);
    req.set(http::field::connection, "close");
    req.body() = body;
    req.prepare_payload();
    beast::get_lowest_layer(s).expires_after(timeout);
    auto [werr, wn] = co_await http::async_write(s, req, use_tuple);
    (void)wn;
    if (werr) co_return delivery::retry(where + ": sending: " + werr.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    beast::get_lowest_layer(s).expires_after(timeout);
    auto [rerr, rn] = co_await http::async_read(s, buffer, parser, use_tuple);
    (void)rn;
    if (rerr) {
      co_return delivery::retry(where + ": " +
                                (rerr == beast::error::timeout ? std::string("no answer in time") : rerr.message()));
    }
    co_return classify(parser.get().result_int());
  }

  awaitable<delivery> run() {
    beast::tcp_stream plain(co_await asio::this_coro::executor);
    if (auto err = co_await net::connect(plain, url.host, url.port, timeout); !err.empty())
      co_return delivery::retry(where + ": " + err);
    if (!url.https) co_return co_await exchange(plain);
    beast::ssl_stream<beast::tcp_stream> tls(std::move(plain), *tls_ctx);
    if (!net::is_ip_address(url.host) && !SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str()))
      co_return delivery::retry(where + ": cannot set TLS server name");
    if (verify) tls.set_verify_callback(asio::ssl::host_name_verification(url.host));
    beast::get_lowest_layer(tls).expires_after(timeout);
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec) co_return delivery::retry(where + ": TLS handshake failed: " + ec.message());
    auto result = co_await exchange(tls);
    beast::get_lowest_layer(tls).expires_after(timeout);
    co_await tls.async_shutdown(use_tuple);  // a failed close_notify changes nothing once answered
    co_return result;
  }
};

}  // namespace

webhook_channel::webhook_channel(webhook_options options) : options_(std::move(options)) {
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  config_error_ = net::init_tls_context(*tls_, options_.verify_certificate, options_.ca_file);
  if (!options_.unix_now)
    options_.unix_now = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

webhook_channel::~webhook_channel() = default;

std::string webhook_channel::lane(const contact& c) const {
  auto url = parse_url(c.to);
  if (!url) return "webhook:invalid";
  return "webhook:" + std::string(url->https ? "https://" : "http://") + url->host + ":" + url->port;
}

delivery webhook_channel::deliver(const message& m, const contact& c, instant, const std::atomic<bool>& cancel) {
  auto url = parse_url(c.to);
  if (!url) return delivery::fail("webhook contact \"" + c.to + "\" is not an http(s) URL");
  if (url->https && !config_error_.empty()) return delivery::fail("webhook: " + config_error_);
  const auto& ref = c.secret_ref.empty() ? c.to : c.secret_ref;
  auto secret = options_.secrets.find(ref);
  if (secret == options_.secrets.end() || secret->second.empty())
    return delivery::fail("webhook " + c.to + ": no secret named \"" + ref + "\" in the webhook secrets file");
  auto p = std::make_shared<post>();
  p->url = *url;
  p->where = "webhook " + std::string(url->https ? "https://" : "http://") + url->host + ":" + url->port;
  p->body = m.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  p->id = m.id;
  p->reason = m.reason;
  p->signature = webhook_signature(secret->second, options_.unix_now(), p->body);
  p->user_agent = options_.user_agent;
  p->timeout = options_.timeout;
  p->verify = options_.verify_certificate;
  p->tls_ctx = tls_.get();
  return net::run(
      [p](asio::io_context&) {
        return [](std::shared_ptr<post> self) -> awaitable<delivery> { co_return co_await self->run(); }(p);
      },
      cancel);
}

}  // namespace dutyflow::notify

#include "adapters/notify/webhook.h"
#include "adapters/security/codec.h"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

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
  return "t=" + t + ",sha256=" + security::hex_encode(security::hmac_sha256(secret, t + "." + std::string(body)));
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

using bytes16 = std::array<unsigned char, 16>;

// The address as 16 bytes, IPv4 as ::ffff:a.b.c.d; nullopt if it is not an address.
std::optional<bytes16> address_bytes(std::string_view text) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

bool in_prefix(const bytes16& a, const bytes16& net, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((a[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

std::string_view v4_range(std::uint32_t a) {
  auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  if (a == 0xA9FEA9FE) return "metadata";  // 169.254.169.254
  if (in(0x00000000, 8)) return "unspecified";
  if (in(0x7F000000, 8)) return "loopback";
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) return "private";
  if (in(0xA9FE0000, 16)) return "link-local";
  if (in(0x64400000, 10)) return "shared";
  if (in(0xE0000000, 4)) return "multicast";
  if (in(0xF0000000, 4) || in(0xC0000000, 24) || in(0xC6120000, 15)) return "reserved";  // 240/4, 192.0.0/24, 198.18/15
  return "";
}

std::uint32_t v4_at(const bytes16& b, int i) {
  return (std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) | (std::uint32_t{b[i + 2]} << 8) | b[i + 3];
}

std::string_view range_of(const bytes16& b) {
  static const bytes16 mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static const bytes16 nat64{0, 0x64, 0xFF, 0x9B};
  static const bytes16 six_to_four{0x20, 0x02};
  static const bytes16 ec2_metadata{0xFD, 0, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (in_prefix(b, mapped, 96) || in_prefix(b, nat64, 96)) return v4_range(v4_at(b, 12));
  if (in_prefix(b, six_to_four, 16)) return v4_range(v4_at(b, 2));
  if (b == bytes16{}) return "unspecified";
  bytes16 loopback{};
  loopback[15] = 1;
  if (b == loopback) return "loopback";
  if (in_prefix(b, bytes16{}, 96)) return "reserved";  // IPv4-compatible and other ::/96
  if (b == ec2_metadata) return "metadata";
  if (in_prefix(b, bytes16{0xFC}, 7)) return "private";
  if (in_prefix(b, bytes16{0xFE, 0x80}, 10)) return "link-local";
  if (in_prefix(b, bytes16{0xFE, 0xC0}, 10)) return "private";  // site-local, deprecated
  if (in_prefix(b, bytes16{0xFF}, 8)) return "multicast";
  if (in_prefix(b, bytes16{0x01, 0x00}, 64)) return "reserved";  // discard prefix
  return "";
}

bool port_matches(const webhook_allow_rule& r, std::string_view port) {
  return r.port.empty() || r.port == port;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool name_matches(const std::string& pattern, const std::string& host) {
  if (pattern == "*") return true;
  if (pattern.starts_with("*.")) return host.size() > pattern.size() - 1 && host.ends_with(pattern.substr(1));
  return pattern == host;
}

std::optional<std::string> normal_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return std::nullopt;
  for (char c : p)
    if (c < '0' || c > '9') return std::nullopt;
  const int n = std::stoi(std::string(p));
  if (n < 1 || n > 65535) return std::nullopt;
  return std::to_string(n);
}

}  // namespace

std::optional<webhook_allow_rule> parse_webhook_allow(std::string_view pattern) {
  webhook_allow_rule r;
  std::string_view host, port;
  bool bracketed = false;
  if (pattern.starts_with('[')) {
    const auto close = pattern.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = pattern.substr(1, close - 1);
    auto rest = pattern.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
    bracketed = true;
  } else if (std::count(pattern.begin(), pattern.end(), ':') > 1) {
    host = pattern;  // a bare IPv6 address or network: no port
  } else {
    const auto colon = pattern.find(':');
    host = pattern.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = pattern.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (!port.empty()) {
    auto p = normal_port(port);
    if (!p) return std::nullopt;
    r.port = *p;
  }
  if (host.empty()) return std::nullopt;
  const auto slash = host.find('/');
  const auto bytes = address_bytes(host.substr(0, slash));
  if (bytes) {
    const bool v4 = host.substr(0, slash).find(':') == std::string_view::npos;
    int bits = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      auto len = host.substr(slash + 1);
      if (len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
      bits = std::stoi(std::string(len));
      if (bits > (v4 ? 32 : 128)) return std::nullopt;
    }
    r.network = *bytes;
    r.prefix = v4 ? 96 + bits : bits;
    return r;
  }
  if (bracketed || slash != std::string_view::npos || host == "*.") return std::nullopt;
  r.host = lower(host);
  auto name = std::string_view(r.host);
  if (name == "*") return r;
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.front() == '.' || name.find("..") != std::string_view::npos) return std::nullopt;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) return std::nullopt;
  return r;
}

std::string_view webhook_address_range(std::string_view address) {
  auto b = address_bytes(address);
  return b ? range_of(*b) : "invalid";
}

std::string webhook_host_refusal(const std::vector<webhook_allow_rule>& allow, std::string_view host,
                                 std::string_view port) {
  const auto literal = address_bytes(host);
  const auto name = lower(host);
  for (const auto& r : allow) {
    if (!port_matches(r, port)) continue;
    if (r.prefix >= 0 ? literal && in_prefix(*literal, r.network, r.prefix)
                      : (literal ? r.host == "*" : name_matches(r.host, name)))
      return {};
  }
  if (allow.empty()) return "notify.webhook.allow is empty";
  return "not in notify.webhook.allow";
}

std::string webhook_address_refusal(const std::vector<webhook_allow_rule>& allow, std::string_view address,
                                    std::string_view port) {
  const auto b = address_bytes(address);
  if (!b) return "not an address";
  const auto range = range_of(*b);
  if (range.empty()) return {};
  for (const auto& r : allow)
    if (r.prefix >= 0 && port_matches(r, port) && in_prefix(*b, r.network, r.prefix)) return {};
  return std::string(address) + " is a " + std::string(range) +
         " address, which notify.webhook.allow does not list";
}

namespace {

// All an API caller learns of a refused destination; the log says why.
constexpr std::string_view not_allowed = "destination not allowed";

struct post {
  parsed_url url;
  std::string where;  // "webhook https://host:port", for errors
  std::string body;
  std::string id, reason, signature, user_agent;
  std::chrono::seconds timeout;
  bool verify = true;
  asio::ssl::context* tls_ctx = nullptr;
  const std::vector<webhook_allow_rule>* allow = nullptr;
  std::string refused;  // why the destination was refused: for the log, never for last_error

  // Resolves once, keeps the addresses `allow` lets through, and connects to one of
  // those: what was checked is what is reached.
  awaitable<delivery> connect(beast::tcp_stream& stream) {
    asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
    auto [rerr, found] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
    if (rerr) co_return delivery::retry(where + ": cannot resolve " + url.host + ": " + rerr.message());
    std::vector<asio::ip::tcp::endpoint> checked;
    for (const auto& entry : found) {
      const auto ep = entry.endpoint();
      auto why = webhook_address_refusal(*allow, ep.address().to_string(), url.port);
      if (why.empty())
        checked.push_back(ep);
      else
        refused += (refused.empty() ? "" : "; ") + why;
    }
    if (checked.empty()) co_return delivery::fail(std::string(not_allowed));
    refused.clear();
    stream.expires_after(timeout);
    auto [cerr, ep] = co_await stream.async_connect(checked, use_tuple);
    (void)ep;
    if (cerr) {
      co_return delivery::retry(where + ": cannot connect to " + url.host + ":" + url.port + ": " +
                                (cerr == beast::error::timeout ? std::string("timed out") : cerr.message()));
    }
    co_return delivery::done();
  }

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
    if (auto connected = co_await connect(plain); !connected.ok) co_return connected;
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
  if (auto why = webhook_host_refusal(options_.allow, url->host, url->port); !why.empty()) {
    spdlog::warn("notify: {}/{} {} for {}: webhook to {}:{} refused: {} [id {}]", m.plan, m.duty, m.reason, m.unit,
                 url->host, url->port, why, m.id);
    return delivery::fail(std::string(not_allowed));
  }
  auto p = std::make_shared<post>();
  p->url = *url;
  p->allow = &options_.allow;
  p->where = "webhook " + std::string(url->https ? "https://" : "http://") + url->host + ":" + url->port;
  p->body = m.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  p->id = m.id;
  p->reason = m.reason;
  p->signature = webhook_signature(secret->second, options_.unix_now(), p->body);
  p->user_agent = options_.user_agent;
  p->timeout = options_.timeout;
  p->verify = options_.verify_certificate;
  p->tls_ctx = tls_.get();
  auto result = net::run(
      [p](asio::io_context&) {
        return [](std::shared_ptr<post> self) -> awaitable<delivery> { co_return co_await self->run(); }(p);
      },
      cancel);
  if (!p->refused.empty())
    spdlog::warn("notify: {}/{} {} for {}: webhook to {}:{} refused: {} [id {}]", m.plan, m.duty, m.reason, m.unit,
                 url->host, url->port, p->refused, m.id);
  return result;
}

}  // namespace dutyflow::notify

#include "adapters/notify/smtp.h"

#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <set>

#include "adapters/notify/codec.h"
#include "adapters/security/codec.h"
#include "adapters/notify/net.h"

namespace dutyflow::notify {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using net::use_tuple;

namespace {

struct reply {
  int code = 0;                    // 0: the connection failed, see error
  std::vector<std::string> lines;  // the text after the code, one per line
  std::string error;
  std::string text() const {
    std::string out = std::to_string(code);
    for (const auto& l : lines) out += " " + l;
    if (out.size() > 300) out.resize(300);
    return out;
  }
};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// What EHLO told about the relay.
struct capabilities {
  bool starttls = false;
  std::set<std::string> auth;  // mechanisms, upper case
};

capabilities parse_ehlo(const reply& r) {
  capabilities caps;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {  // the first line is the greeting
    auto line = upper(r.lines[i]);
    if (line == "STARTTLS") caps.starttls = true;
    if (line.starts_with("AUTH ") || line.starts_with("AUTH=")) {
      std::size_t pos = 5;
      while (pos < line.size()) {
        auto end = line.find(' ', pos);
        if (end == std::string::npos) end = line.size();
        if (end > pos) caps.auth.insert(line.substr(pos, end - pos));
        pos = end + 1;
      }
    }
  }
  return caps;
}

class session {
 public:
  session(const smtp_options& o, asio::ssl::context* tls, std::string data, std::string rcpt)
      : o_(o), tls_ctx_(tls), data_(std::move(data)), rcpt_(std::move(rcpt)) {
    where_ = "smtp " + o_.host + ":" + std::to_string(o_.port);
  }

  awaitable<delivery> run() {
    beast::tcp_stream plain(co_await asio::this_coro::executor);
    if (auto err = co_await net::connect(plain, o_.host, std::to_string(o_.port), o_.timeout); !err.empty())
      co_return delivery::retry(where_ + ": " + err);

    if (o_.security == smtp_security::tls) {
      beast::ssl_stream<beast::tcp_stream> tls(std::move(plain), *tls_ctx_);
      if (auto err = co_await handshake(tls); !err.empty()) co_return delivery::retry(where_ + ": " + err);
      auto greeting = co_await read_reply(tls);
      if (greeting.code != 220) co_return failed("greeting", greeting);
      capabilities caps;
      if (auto d = co_await hello(tls, caps)) co_return *d;
      co_return co_await transaction(tls, caps, true);
    }

    auto greeting = co_await read_reply(plain);
    if (greeting.code != 220) co_return failed("greeting", greeting);
    capabilities caps;
    if (auto d = co_await hello(plain, caps)) co_return *d;
    const bool want_tls =
        o_.security == smtp_security::starttls || (o_.security == smtp_security::starttls_if_offered && caps.starttls);
    if (!want_tls) co_return co_await transaction(plain, caps, false);
    if (!caps.starttls)
      co_return delivery::fail(where_ + ": the relay does not offer STARTTLS and the config requires it");
    auto r = co_await command(plain, "STARTTLS", "STARTTLS");
    if (r.code != 220) co_return failed("STARTTLS", r);
    // Anything the relay sent after its 220 was not protected by TLS (RFC 3207 §4.2
    // and the "STARTTLS command injection" attacks): refuse rather than read it later.
    if (!buf_.empty()) co_return delivery::retry(where_ + ": data after the STARTTLS reply; refusing to go on");
    beast::ssl_stream<beast::tcp_stream> tls(std::move(plain), *tls_ctx_);
    if (auto err = co_await handshake(tls); !err.empty()) co_return delivery::retry(where_ + ": " + err);
    // Everything learnt before TLS is forgotten; EHLO again (RFC 3207 §4.2).
    caps = {};
    if (auto d = co_await hello(tls, caps)) co_return *d;
    co_return co_await transaction(tls, caps, true);
  }

 private:
  delivery failed(const std::string& step, const reply& r) const {
    if (r.code == 0) return delivery::retry(where_ + ": " + step + ": " + r.error);
    // 4xx: try again later; 5xx: the relay refuses for good.
    auto why = where_ + ": " + step + " refused: " + r.text();
    return r.code >= 500 ? delivery::fail(why) : delivery::retry(why);
  }

  awaitable<std::string> handshake(beast::ssl_stream<beast::tcp_stream>& tls) {
    if (!net::is_ip_address(o_.host) && !SSL_set_tlsext_host_name(tls.native_handle(), o_.host.c_str()))
      co_return std::string("cannot set TLS server name");
    if (o_.verify_certificate) tls.set_verify_callback(asio::ssl::host_name_verification(o_.host));
    beast::get_lowest_layer(tls).expires_after(o_.timeout);
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec) co_return "TLS handshake failed: " + ec.message();
    co_return std::string();
  }

  template <class Stream>
  awaitable<reply> read_reply(Stream& s) {
    reply r;
    for (;;) {
      beast::get_lowest_layer(s).expires_after(o_.timeout);
      auto [ec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(buf_, 64 * 1024), "\r\n", use_tuple);
      if (ec) {
        r.code = 0;
        r.error = ec == beast::error::timeout ? "timed out waiting for the relay" : "connection: " + ec.message();
        co_return r;
      }
      std::string line = buf_.substr(0, n - 2);
      buf_.erase(0, n);
      if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
          !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2]))) {
        r.code = 0;
        r.error = "not an SMTP reply";
        co_return r;
      }
      r.code = std::stoi(line.substr(0, 3));
      r.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
      if (line.size() == 3 || line[3] != '-') co_return r;
    }
  }

  // Sends one command line; `shown` is how it appears in errors (never a credential).
  template <class Stream>
  awaitable<reply> command(Stream& s, const std::string& line, const std::string& shown) {
    std::string out = line + "\r\n";
    beast::get_lowest_layer(s).expires_after(o_.timeout);
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(out), use_tuple);
    (void)n;
    if (ec) {
      reply r;
      r.error = "sending " + shown + ": " + ec.message();
      co_return r;
    }
    co_return co_await read_reply(s);
  }

  template <class Stream>
  awaitable<std::optional<delivery>> hello(Stream& s, capabilities& caps) {
    auto r = co_await command(s, "EHLO " + helo_name(), "EHLO");
    if (r.code == 250) {
      caps = parse_ehlo(r);
      co_return std::nullopt;
    }
    if (r.code == 0) co_return failed("EHLO", r);
    // An old relay without ESMTP: HELO, and no extensions at all.
    r = co_await command(s, "HELO " + helo_name(), "HELO");
    if (r.code != 250) co_return failed("HELO", r);
    caps = {};
    co_return std::nullopt;
  }

  template <class Stream>
  awaitable<delivery> transaction(Stream& s, const capabilities& caps, bool secure) {
    if (!o_.username.empty()) {
      if (!secure && !o_.allow_plaintext_auth)
        co_return delivery::fail(where_ +
                                 ": refusing to send the password without TLS (set allow_plaintext_auth "
                                 "only for a relay on loopback)");
      if (caps.auth.contains("PLAIN")) {
        const std::string creds = std::string(1, '\0') + o_.username + std::string(1, '\0') + o_.password;
        auto r = co_await command(s, "AUTH PLAIN " + security::base64_encode(creds), "AUTH PLAIN");
        if (r.code != 235) co_return failed("AUTH PLAIN", r);
      } else if (caps.auth.contains("LOGIN")) {
        auto r = co_await command(s, "AUTH LOGIN", "AUTH LOGIN");
        if (r.code != 334) co_return failed("AUTH LOGIN", r);
        r = co_await command(s, security::base64_encode(o_.username), "AUTH LOGIN user name");
        if (r.code != 334) co_return failed("AUTH LOGIN user name", r);
        r = co_await command(s, security::base64_encode(o_.password), "AUTH LOGIN password");
        if (r.code != 235) co_return failed("AUTH LOGIN", r);
      } else {
        co_return delivery::fail(where_ + ": the relay offers neither AUTH PLAIN nor AUTH LOGIN" +
                                 (secure ? std::string() : std::string(" (without TLS)")));
      }
    }
    auto r = co_await command(s, "MAIL FROM:<" + o_.from_address + ">", "MAIL FROM");
    if (r.code != 250) co_return failed("MAIL FROM", r);
    r = co_await command(s, "RCPT TO:<" + rcpt_ + ">", "RCPT TO <" + rcpt_ + ">");
    if (r.code != 250 && r.code != 251) co_return failed("RCPT TO <" + rcpt_ + ">", r);
    r = co_await command(s, "DATA", "DATA");
    if (r.code != 354) co_return failed("DATA", r);
    beast::get_lowest_layer(s).expires_after(o_.timeout);
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(data_), use_tuple);
    (void)n;
    if (ec) co_return delivery::retry(where_ + ": sending the message: " + ec.message());
    r = co_await read_reply(s);
    if (r.code != 250) co_return failed("end of DATA", r);
    // The message is accepted; a failing QUIT changes nothing.
    co_await command(s, "QUIT", "QUIT");
    co_return delivery::done();
  }

  std::string helo_name() const {
    if (!o_.helo.empty()) return o_.helo;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return name;
    return "localhost";
  }

  const smtp_options& o_;
  asio::ssl::context* tls_ctx_;
  std::string data_;
  std::string rcpt_;
  std::string where_;
  std::string buf_;
};

}  // namespace

smtp_channel::smtp_channel(smtp_options options) : options_(std::move(options)) {
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  config_error_ = net::init_tls_context(*tls_, options_.verify_certificate, options_.ca_file);
  if (config_error_.empty() && !valid_address(options_.from_address))
    config_error_ = "from address \"" + options_.from_address + "\" is not a plain address";
  if (config_error_.empty() && options_.host.empty()) config_error_ = "no relay host";
}

smtp_channel::~smtp_channel() = default;

std::string smtp_channel::lane(const contact&) const {
  return "smtp:" + options_.host + ":" + std::to_string(options_.port);
}

std::string smtp_channel::render(const message& m, const contact& c, instant now) const {
  mail mm;
  mm.from_address = options_.from_address;
  mm.from_name = options_.from_name;
  mm.to_address = c.to;
  mm.to_name = m.unit_name;
  mm.subject = m.subject;
  mm.text = m.text;
  const auto at = options_.from_address.find('@');
  mm.message_id = message_id_for(m.id, at == std::string::npos ? "" : options_.from_address.substr(at + 1));
  mm.date = now;
  mm.utc_offset = m.utc_offset;
  mm.extra_headers = {{"X-Dutyflow-Id", m.id}, {"X-Dutyflow-Reason", m.reason}, {"Auto-Submitted", "auto-generated"}};
  mm.encoding = options_.encoding;
  return render_mail(mm);
}

delivery smtp_channel::deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) {
  if (!config_error_.empty()) return delivery::fail("smtp: " + config_error_);
  if (!valid_address(c.to)) return delivery::fail("email contact \"" + c.to + "\" is not a plain address");
  // Header values other than the encoded ones must stay on one line.
  for (char ch : m.id)
    if (ch == '\r' || ch == '\n') return delivery::fail("message id contains a line break");
  auto data = smtp_data(render(m, c, now));
  return net::run(
      [&](asio::io_context&) {
        auto s = std::make_shared<session>(options_, tls_.get(), std::move(data), c.to);
        return [](std::shared_ptr<session> self) -> awaitable<delivery> { co_return co_await self->run(); }(s);
      },
      cancel);
}

}  // namespace dutyflow::notify

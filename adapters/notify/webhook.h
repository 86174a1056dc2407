// The `webhook` channel: an HTTP or HTTPS POST of the message's JSON form to the URL in
// the contact, signed with the endpoint's secret:
//   X-Dutyflow-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256(secret, "<t>.<body>")>
// plus X-Dutyflow-Id (the stable id) and X-Dutyflow-Reason. 2xx is delivered; 408, 425,
// 429 and 5xx are retried; other answers (redirects included) fail for good.
// Thread-safe: deliver() may run on several lane threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "adapters/notify/channel.h"

namespace boost::asio::ssl {
class context;
}

namespace dutyflow::notify {

struct webhook_options {
  // Signing secrets by name: a contact's "secret_ref", or its URL when it has none. A
  // contact with no secret is not sent to (secrets never live in plan files; the config
  // reads them from a secrets file). Default: none.
  std::map<std::string, std::string, std::less<>> secrets;
  // Limit for each step (connect, TLS handshake, the request, the answer). Default: 10 s.
  std::chrono::seconds timeout{10};
  // Check the server's certificate and host name for https. Default: true.
  bool verify_certificate = true;
  // PEM file of CAs to trust instead of the system store. Default: "" (system store).
  std::string ca_file;
  // Sent as User-Agent. Default: "dutyflow-webhook/1".
  std::string user_agent = "dutyflow-webhook/1";
  // The "t" of the signature: real Unix time, so that receivers can refuse old replays
  // whatever clock the daemon runs on. Default: the system clock.
  std::function<std::int64_t()> unix_now;
};

// "t=<unix>,sha256=<hex>" for `body` sent at `unix_time`.
std::string webhook_signature(std::string_view secret, std::int64_t unix_time, std::string_view body);

struct parsed_url {
  bool https = false;
  std::string host;
  std::string port;    // "80"/"443" when not written
  std::string target;  // path and query, "/" at least
};
// Parses http(s)://host[:port][/path][?query]; nullopt for anything else (user info,
// fragments, spaces and control characters included).
std::optional<parsed_url> parse_url(std::string_view url);

class webhook_channel final : public channel {
 public:
  explicit webhook_channel(webhook_options options);
  ~webhook_channel() override;
  const std::string& config_error() const { return config_error_; }
  std::string lane(const contact& c) const override;
  delivery deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) override;

 private:
  webhook_options options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::string config_error_;
};

}  // namespace dutyflow::notify

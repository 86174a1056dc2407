// The `webhook` channel: an HTTP or HTTPS POST of the message's JSON form to the URL in
// the contact, signed with the endpoint's secret:
//   X-Dutyflow-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256(secret, "<t>.<body>")>
// plus X-Dutyflow-Id (the stable id) and X-Dutyflow-Reason. 2xx is delivered; 408, 425,
// 429 and 5xx are retried; other answers (redirects included) fail for good.
// Plan files name the URLs, but only the daemon's config (notify.webhook.allow) decides
// which hosts may be reached; the name is resolved once, every address checked, and the
// connection goes to a checked address. A refusal reads "destination not allowed" in
// last_error; the reason goes to the log only.
// Thread-safe: deliver() may run on several lane threads at once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/notify/channel.h"

namespace boost::asio::ssl {
class context;
}

namespace dutyflow::notify {

// One entry of notify.webhook.allow. Written as a host name ("hooks.phongtho.example"), a
// name and everything below it ("*.phongtho.example"), any name ("*"), an address
// ("127.0.0.1", "[::1]") or a network ("10.0.0.0/8", "[fd00::/8]"), each optionally
// followed by ":port" (without one, any port).
struct webhook_allow_rule {
  // Lower-case name, "*.suffix" or "*"; empty for an address rule.
  std::string host;
  // An address rule: the network (IPv4 as ::ffff:a.b.c.d) and its prefix in bits of
  // those 16 bytes; -1 for a name rule. Only an address rule lets a webhook reach a
  // loopback, private, link-local, metadata, CGNAT, multicast or other non-public address.
  std::array<unsigned char, 16> network{};
  int prefix = -1;
  // Decimal port, "" for any.
  std::string port;
};
// nullopt when `pattern` is none of the forms above.
std::optional<webhook_allow_rule> parse_webhook_allow(std::string_view pattern);

// Which special range `address` (an IPv4 or IPv6 address as text) is in: "loopback",
// "private", "link-local", "metadata", "shared" (CGNAT 100.64/10), "multicast",
// "unspecified", "reserved"; "" for an ordinary public address; "invalid" for text that
// is not an address. IPv4 inside IPv6 (::ffff:, NAT64 64:ff9b::/96, 6to4) is judged as
// the IPv4 address it carries.
std::string_view webhook_address_range(std::string_view address);

// Whether `allow` lets a webhook go to `host` (as written in the URL: a name or an address
// literal) on `port`, before resolution. "" when it does, else why not (for the log).
std::string webhook_host_refusal(const std::vector<webhook_allow_rule>& allow, std::string_view host,
                                 std::string_view port);
// Whether a resolved `address` of an allowed host may be connected to on `port`: a public
// one yes, a special one only when an address rule covers it. "" or why not.
std::string webhook_address_refusal(const std::vector<webhook_allow_rule>& allow, std::string_view address,
                                    std::string_view port);

struct webhook_options {
  // Where webhooks may go (notify.webhook.allow). Default: none: no webhook is sent.
  std::vector<webhook_allow_rule> allow;
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

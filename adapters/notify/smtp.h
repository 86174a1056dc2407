// The `email` channel: SMTP submission (RFC 5321) to one configured relay over
// Boost.Asio: EHLO, STARTTLS (RFC 3207) when the relay offers it or the config requires
// it, or TLS from the first byte (port 465), AUTH PLAIN or LOGIN (RFC 4954) when a user
// is configured, then one message per contact (mime.h). One connection per message.
// Thread-safe: deliver() may run on several lane threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "adapters/notify/channel.h"
#include "adapters/notify/mime.h"

namespace boost::asio::ssl {
class context;
}

namespace dutyflow::notify {

enum class smtp_security : std::uint8_t {
  starttls_if_offered,  // "auto": STARTTLS when the relay offers it, plain otherwise
  starttls,             // "starttls": refuse to send unless STARTTLS succeeds
  tls,                  // "tls": TLS from the first byte (SMTPS, usually port 465)
  none,                 // "none": never TLS (a relay on loopback)
};

struct smtp_options {
  // Relay host name or address. Default: "" (no relay: email contacts are written to the log).
  std::string host;
  // Relay port. Default: 587 (submission).
  unsigned short port = 587;
  // How the connection is protected. Default: starttls_if_offered.
  smtp_security security = smtp_security::starttls_if_offered;
  // Check the relay's certificate and host name. Default: true.
  bool verify_certificate = true;
  // PEM file of CAs to trust instead of the system store. Default: "" (system store).
  std::string ca_file;
  // AUTH user; empty sends no AUTH. Default: "".
  std::string username;
  // AUTH password (the config names a file holding it; never logged). Default: "".
  std::string password;
  // Allow AUTH over a connection without TLS (only for a relay on loopback). Default: false.
  bool allow_plaintext_auth = false;
  // Envelope sender and From address. Default: "dutyflow@localhost".
  std::string from_address = "dutyflow@localhost";
  // From display name (UTF-8). Default: "Hệ thống theo dõi nhiệm vụ".
  std::string from_name = "Hệ thống theo dõi nhiệm vụ";
  // Name sent with EHLO. Default: "" (this machine's host name).
  std::string helo;
  // Limit for each step (connect, each command, the TLS handshake). Default: 30 s.
  std::chrono::seconds timeout{30};
  // Body transfer encoding. Default: quoted_printable.
  body_encoding encoding = body_encoding::quoted_printable;
};

class smtp_channel final : public channel {
 public:
  explicit smtp_channel(smtp_options options);
  ~smtp_channel() override;
  // "" when the options are usable, else what is wrong (bad CA file, bad from address).
  const std::string& config_error() const { return config_error_; }
  std::string lane(const contact& c) const override;
  delivery deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) override;
  // The message as it goes into DATA (before dot-stuffing), for tests and the file channel.
  std::string render(const message& m, const contact& c, instant now) const;

 private:
  smtp_options options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::string config_error_;
};

}  // namespace dutyflow::notify

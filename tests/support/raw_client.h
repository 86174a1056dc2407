// A TCP client for tests that misbehave on purpose: it sends exactly the bytes it is
// given (garbage, half a request, one byte at a time), from a chosen source address,
// and reads answers or the connection's end with deadlines, never sleeping. Blocking;
// one thread per client.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dutyflow::testing {

struct raw_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  nlohmann::json json;  // null when the body is not JSON
  bool keep_alive = false;
};

class raw_client {
 public:
  using ms = std::chrono::milliseconds;

  // Connects to 127.0.0.1:`port` from `source` (bound first: 127.0.0.2 is another client
  // to the daemon). connected() says whether it worked. `receive_buffer` > 0 sets the
  // socket's receive buffer (bytes) first: a client that stops reading then holds little
  // in its kernel.
  explicit raw_client(unsigned short port, const std::string& source = "127.0.0.1", int receive_buffer = 0);
  ~raw_client();
  raw_client(raw_client&& other) noexcept;
  raw_client& operator=(raw_client&&) = delete;
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false if the server closed or reset the connection first, or
  // the bytes did not go out within `limit`.
  bool send(std::string_view bytes, ms limit = ms(10000));
  // The next answer on the connection (pipelined answers come one per call); nullopt if
  // the connection ended, or no whole answer came, within `limit`.
  std::optional<raw_response> read_response(ms limit = ms(10000));
  // True once the server has closed (or reset) the connection, reading and dropping
  // whatever it still sends; false if it is still open after `limit`.
  bool wait_closed(ms limit = ms(10000));
  // True if something (bytes or the end) arrives within `limit`; nothing is consumed.
  bool readable_within(ms limit);
  // The bytes that arrived, as they are (for a body that never ends: an event stream):
  // what was there already, else whatever comes within `limit`; "" once the connection
  // ended (ended() says so) or if nothing came.
  std::string read_some(ms limit = ms(10000));
  bool ended() const { return eof_; }
  // Closes from this side.
  void close();

 private:
  // Reads what is there into buffer_ within `limit`; false on end, error or timeout
  // (eof_ tells which).
  bool fill(ms limit);

  int fd_ = -1;
  std::string buffer_;  // read, not yet parsed
  bool eof_ = false;
};

}  // namespace dutyflow::testing

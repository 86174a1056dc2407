// The HTTP request and response as handlers see them: plain structs with no socket and
// no Beast types, so every handler is testable as a function. The session converts
// Beast messages to and from these. Values; any thread.
#pragma once

#include "engine/status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dutyflow::http {

struct request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received, with the query
  std::string path;    // percent-decoded, without the query
  std::map<std::string, std::string> query;  // percent-decoded; last value wins
  std::string authorization;
  std::string if_match;
  std::string idempotency_key;
  std::string content_type;
  std::string last_event_id;
  std::string body;
  std::string remote;          // peer address, for logs and rate limits
  bool from_loopback = false;
};

// The writing end of a response body that goes on (Server-Sent Events). The session owns
// the connection; whoever holds the sink writes from any thread. Writes never block:
// each connection queues at most server_options::stream_queue_bytes. A writer whose chunk
// would pass that is told so and decides (the live stream throws the queue away and sends
// one "reset" event instead: the client reloads, it is not dropped to come back and ask
// for the same old events again).
class stream_sink {
 public:
  enum class offer : std::uint8_t {
    queued,  // it goes out after what was queued before
    full,    // nothing was queued: the client is a queue behind
    closed,  // the client is gone (or close() was called): let the sink go
  };
  virtual ~stream_sink() = default;
  virtual offer write(std::string chunk) = 0;
  // Throws away what is queued and not yet being sent (a chunk half sent still ends
  // whole), then queues `chunk`, whatever its size. False once the client is gone.
  virtual bool restart(std::string chunk) = 0;
  // Bytes queued and not yet sent.
  virtual std::size_t queued() const = 0;
  // Calls `fn` once when at most `bytes` are queued: at once, on this thread, if that is
  // so now, else on the connection's thread as the queue drains. A writer that must not
  // outrun the client (a replay) waits this way without holding a thread. If the
  // connection closes first `fn` is never called, only destroyed. One waiter at a time.
  virtual void when_queued_at_most(std::size_t bytes, std::function<void()> fn) = 0;
  virtual bool is_open() const = 0;
  // Ends the response and closes the connection after what is queued.
  virtual void close() = 0;
};

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streamed body: the session sends the status and headers (chunked), then
  // calls `stream` once, on an I/O thread, with the sink for the body; `body` is ignored.
  std::function<void(std::shared_ptr<stream_sink>)> stream;
  // Kept by the session until the connection closes, then let go: a stream's place under
  // the stream limits is given back the moment its client leaves.
  std::shared_ptr<const void> lease;
};

// {"error": {"code", "message", "details"}} with the HTTP status of `err.code`.
response error_response(const error& err);
response error_response(int status, std::string_view code, const std::string& message,
                        const nlohmann::json& details = nlohmann::json::object());
response json_response(int status, const nlohmann::json& body);
// The same for a document whose keys keep their order (a plan file in DESIGN.md's order).
response json_response(int status, const nlohmann::ordered_json& body);
int http_status(errc code);

// Splits a target into a decoded path and query; false if the percent-encoding is bad or
// a decoded path or query part is not UTF-8 text (invalid UTF-8, or a control character),
// so that no such bytes reach a handler, a log line or the journal.
bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query);

// The offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos if there is none.
std::size_t invalid_utf8_at(std::string_view text);

// `text` made fit for one log line: control characters, backslashes and bytes that are
// not UTF-8 are written as \xNN; C1 controls, line separators and bidirectional
// overrides as \uNNNN; anything past `limit` bytes is cut (marked "..."). Everything a
// client sent goes through this before it is logged.
std::string log_safe(std::string_view text, std::size_t limit = 256);

}  // namespace dutyflow::http

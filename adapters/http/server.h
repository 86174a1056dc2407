// The HTTP/1.1 server: accepts connections on a listen address and hands each request
// to the router. Owns its I/O threads. start() and stop() are called from the daemon's
// main thread; everything else happens on the I/O threads.
#pragma once

#include "adapters/http/router.h"
#include "engine/status.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace dutyflow::http {

struct server_options {
  // "HOST:PORT"; port 0 picks a free port (see port()). Default: 127.0.0.1:8080.
  std::string listen = "127.0.0.1:8080";
  // I/O threads. Default: 2 (the engine has its own thread).
  int threads = 2;
  // Largest request body; larger gets 413. Default: 1 MiB.
  std::size_t body_limit = 1024 * 1024;
  // Largest plan document POST /api/v1/imports takes; larger gets 413. A body over
  // body_limit is read only after the bearer token proved to be a coordinator's.
  // Default: 16 MiB.
  std::size_t upload_limit = 16 * 1024 * 1024;
  // Largest request header block; larger gets 431. Default: 16 KiB.
  std::size_t header_limit = 16 * 1024;
  // A new connection must send its first byte this long after it was accepted, or it is
  // closed: one that sends nothing holds a place under max_connections for nothing, and
  // real clients send their request at once. Default: 10 s.
  std::chrono::milliseconds first_byte_timeout{10000};
  // A request's whole head (request line and headers) must have arrived this long after
  // its first byte; otherwise the connection is closed. A deadline, not an idle time: a
  // client that trickles a byte at a time is closed too. Default: 30 s.
  std::chrono::milliseconds header_timeout{30000};
  // The body must have arrived this long after the head; otherwise the connection is
  // closed. Default: 60 s (1 MiB at about 17 KB/s).
  std::chrono::milliseconds body_timeout{60000};
  // A kept-alive connection whose next request does not start within this is closed.
  // Default: 15 s.
  std::chrono::milliseconds keep_alive_timeout{15000};
  // An answer, or one chunk of a stream, that the client does not take within this is
  // abandoned and the connection closed. Default: 30 s.
  std::chrono::milliseconds send_timeout{30000};
  // Connections open at once (streams included). A connection beyond it is answered 503
  // and closed at once, so that no client can make the daemon run out of file
  // descriptors; keep it below the process's limit (ulimit -n, 1024 under systemd by
  // default) less about 64 for the journal and the rest. Default: 512.
  std::size_t max_connections = 512;
  // Connections open at once from one client (an address; an IPv6 address by its /64),
  // so that one client cannot take every place. One more is answered 429 and closed at
  // once. 0: no limit (behind a reverse proxy every client has the proxy's address).
  // Default: 32 (a browser opens at most 6 to a host, a dashboard one stream more).
  std::size_t max_connections_per_address = 32;
  // Bytes a streamed response (/api/v1/stream) may have queued for a client that reads
  // slowly; beyond it the client is dropped. Default: 4 MiB.
  std::size_t stream_queue_bytes = 4 * 1024 * 1024;
};

// What the server counts, for /metrics and tests.
struct server_stats {
  std::size_t connections = 0;            // open now
  std::uint64_t connections_refused = 0;  // over max_connections, answered 503
  std::uint64_t connections_refused_per_address = 0;  // over max_connections_per_address, answered 429
  std::uint64_t timeouts = 0;             // closed by header, body, keep-alive or send timeout
  std::uint64_t bad_requests = 0;         // malformed, too large: answered 400, 413 or 431
};

class server {
 public:
  server(router& r, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts accepting. Returns errc::invalid for a bad address, errc::storage
  // (the closest code we have for "the system refused") when the port cannot be bound.
  status start();
  unsigned short port() const;
  // Stops accepting new connections; requests in flight still get their answers.
  void stop_accepting();
  // Number of requests received whose answer has not been written yet.
  std::size_t in_flight() const;
  server_stats stats() const;
  // Stops the I/O threads (after stop_accepting and in_flight() == 0 for a clean stop).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dutyflow::http

// The HTTP/1.1 server: accepts connections on a listen address and hands each request
// to the router. Owns its I/O threads. start() and stop() are called from the daemon's
// main thread; everything else happens on the I/O threads.
#pragma once

#include "adapters/http/router.h"
#include "engine/status.h"

#include <atomic>
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
  // Largest request header block; larger gets 431. Default: 16 KiB.
  std::size_t header_limit = 16 * 1024;
  // A connection with no complete request for this long is closed. Default: 30 s.
  std::chrono::seconds idle_timeout{30};
  // Bytes a streamed response (/api/v1/stream) may have queued for a client that reads
  // slowly; beyond it the client is dropped. Default: 4 MiB.
  std::size_t stream_queue_bytes = 4 * 1024 * 1024;
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
  // Stops the I/O threads (after stop_accepting and in_flight() == 0 for a clean stop).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dutyflow::http

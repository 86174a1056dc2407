// The HTTP request path of dutyflowd without a socket: raw bytes as a client would send
// them on one connection, read by the session's Beast parser with the server's limits
// (http::read_request), each request handed to the router of a real engine (seed plan,
// temp SQLite journal, manual clock, three tokens: see fuzz_world.h). Up to four pipelined
// requests per input. Every answer has a status in 2xx-4xx (5xx means dutyflow failed:
// the journal here is healthy), JSON answers are JSON and refusals say why in the API's
// error shape, and a refusal or a GET changes nothing anyone can read.
#include "adapters/http/session.h"
#include "tests/fuzz/fuzz_world.h"

#include <future>
#include <mutex>

namespace {

using namespace dutyflow;
using nlohmann::json;

// The body of a streamed answer (/api/v1/stream): kept up to a bound, then refused.
class recording_sink final : public http::stream_sink {
 public:
  offer write(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_) return offer::closed;
    if (bytes_ + chunk.size() > 1 << 20) return offer::full;
    bytes_ += chunk.size();
    return offer::queued;
  }
  bool restart(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    bytes_ = chunk.size();
    return true;
  }
  std::size_t queued() const override { return 0; }  // taken at once
  void when_queued_at_most(std::size_t, std::function<void()> fn) override { fn(); }
  bool is_open() const override {
    std::lock_guard lock(mutex_);
    return !closed_;
  }
  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

 private:
  mutable std::mutex mutex_;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

void check_answer(const http::request* req, const http::response& r) {
  const std::string what = (req ? req->method + " " + req->target : std::string("unreadable request")) +
                           " -> " + std::to_string(r.status) + " " + r.body.substr(0, 300);
  FUZZ_CHECK(r.status >= 200 && r.status <= 499, what);
  if (r.stream) {
    FUZZ_CHECK(r.status == 200 && r.content_type.starts_with("text/event-stream"), what);
    return;
  }
  if (r.content_type.starts_with("application/json")) {
    const auto body = json::parse(r.body, nullptr, false);
    FUZZ_CHECK(!body.is_discarded(), "a JSON answer is JSON: " + what);
    if (r.status >= 400) {
      auto e = body.find("error");
      FUZZ_CHECK(e != body.end() && e->is_object() && e->value("code", "") != "" && e->value("message", "") != "",
                 "a refusal says why: " + what);
    }
  }
  for (const auto& [k, v] : r.headers)
    FUZZ_CHECK(k.find_first_of("\r\n") == std::string::npos && v.find_first_of("\r\n") == std::string::npos,
               "no header splitting: " + what);
}

http::response handle(fuzz::world& w, const http::request& req) {
  auto p = std::make_shared<std::promise<http::response>>();
  auto f = p->get_future();
  w.router().handle(req, [p](http::response r) { p->set_value(std::move(r)); });
  if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
    fuzz::fail("no answer in 30 s to " + req.method + " " + req.target);
  auto r = f.get();
  if (r.stream) {
    // As the session does: the stream's opening, then the replay on the replay thread.
    auto sink = std::make_shared<recording_sink>();
    r.stream(sink);
    w.wait_replays();
    sink->close();
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::world world(true);
  static const http::server_options options;  // the daemon's limits
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto& before = world.initial_snapshot();
  bool may_have_changed = false;
  for (int i = 0; i < 4; ++i) {
    auto read = http::read_request(bytes, options);
    if (read.answer) {
      FUZZ_CHECK(read.answer->status >= 400 && read.answer->status <= 499, "an unreadable request gets a 4xx");
      check_answer(nullptr, *read.answer);
      if (!read.keep_alive || read.rest.empty()) break;  // the session answers and closes
      bytes = read.rest;
      continue;
    }
    if (!read.req) break;  // nothing more was sent
    auto& req = *read.req;
    req.remote = "127.0.0.1";
    req.from_loopback = true;
    const auto prior = may_have_changed ? world.snapshot() : before;
    auto r = handle(world, req);
    check_answer(&req, r);
    const bool reads = req.method == "GET" || req.method == "HEAD";
    if (r.status >= 400 || reads) {
      FUZZ_CHECK(world.snapshot() == prior, "a refusal or a read changes nothing: " + req.method + " " + req.target +
                                                " -> " + std::to_string(r.status));
    } else {
      may_have_changed = true;
    }
    bytes = read.rest;
    if (bytes.empty() || !read.keep_alive || r.stream) break;
  }
  if (may_have_changed) world.reset_if_changed();
  return 0;
}

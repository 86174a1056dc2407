#include "adapters/http/session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace dutyflow::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using beast_request = bhttp::request<bhttp::string_body>;

// The answer to a request that could not be read (garbage, limits): the session sends it
// and closes.
response read_error_response(beast::error_code ec, const server_options& options) {
  if (ec == bhttp::error::body_limit)
    return error_response(413, "too_large",
                          "request body is larger than " + std::to_string(options.body_limit) + " bytes");
  if (ec == bhttp::error::header_limit)
    return error_response(431, "headers_too_large",
                          "request headers are larger than " + std::to_string(options.header_limit) + " bytes");
  return error_response(400, "invalid", "malformed HTTP request: " + ec.message());
}

// The head is read under the largest body limit of any route (Beast refuses a
// Content-Length over the limit while it parses the head); the request's own limit is
// set by body_allowance() once the head says which route it is for.
void limit(bhttp::request_parser<bhttp::string_body>& parser, const server_options& options) {
  parser.body_limit(std::max(options.body_limit, options.upload_limit));
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options.header_limit, UINT32_MAX)));
}

// POST /api/v1/imports takes a document up to upload_limit; everything else body_limit.
bool is_upload(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& msg = parser.get();
  if (msg.method() != bhttp::verb::post) return false;
  auto target = msg.target();
  auto path = target.substr(0, target.find('?'));
  return path == "/api/v1/imports";
}

// After the head: the body limit of the request's route. Returns the 413 when the
// declared Content-Length is over it; otherwise sets it on the parser (no body byte has
// been parsed yet, so Beast counts a chunked or close-delimited body against it).
std::optional<response> body_allowance(bhttp::request_parser<bhttp::string_body>& parser,
                                       const server_options& options) {
  const std::size_t allowed = is_upload(parser) ? std::max(options.body_limit, options.upload_limit) : options.body_limit;
  if (auto length = parser.content_length(); length && *length > allowed)
    return error_response(413, "too_large", "request body is larger than " + std::to_string(allowed) + " bytes");
  parser.body_limit(allowed);
  return std::nullopt;
}

// A body over body_limit (only an upload may have one) is read only for a coordinator:
// whoever else sends it is refused before a byte of it is buffered.
bool large_body(const bhttp::request_parser<bhttp::string_body>& parser, const server_options& options) {
  auto length = parser.content_length();
  return options.upload_limit > options.body_limit && (!length || *length > options.body_limit);
}

// The handlers' view of a request read off the wire; false (and a 400 in `refusal`) when
// its target's percent-encoding is bad.
bool to_request(beast_request&& msg, request& req, response& refusal) {
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.body = std::move(msg.body());
  auto header = [&](bhttp::field f) { return std::string(msg[f]); };
  req.authorization = header(bhttp::field::authorization);
  req.if_match = header(bhttp::field::if_match);
  req.content_type = header(bhttp::field::content_type);
  req.idempotency_key = std::string(msg["Idempotency-Key"]);
  req.last_event_id = std::string(msg["Last-Event-ID"]);
  if (!parse_target(req.target, req.path, req.query)) {
    refusal = error_response(400, "invalid",
                             "the request target has bad percent-encoding, control characters or bytes that are "
                             "not UTF-8");
    return false;
  }
  return true;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, router& r, const server_options& options, session_counters& counters,
          std::string client)
      : stream_(std::move(socket)),
        first_byte_timer_(stream_.get_executor()),
        router_(r),
        options_(options),
        counters_(counters),
        client_(std::move(client)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().to_string();
      loopback_ = ep.address().is_loopback();
    }
  }
  ~session() {
    --counters_.connections;
    counters_.remove_client(client_);
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this())); }

 private:
  // Reading a request runs against three clocks: the next request must start within
  // keep_alive_timeout (on a new connection: first_byte_timeout, shorter, as a connection
  // that sends nothing holds a place every client needs), its head must be complete
  // header_timeout after its first byte, and its body body_timeout after the head. Each is
  // a deadline for the whole step, so a client trickling bytes gains nothing.
  void do_read() {
    parser_.emplace();
    limit(*parser_, options_);
    if (first_request_) {
      first_request_ = false;
      return do_wait_first_byte();
    }
    if (buffer_.size() > 0) return do_read_header();  // a pipelined request already here
    stream_.expires_after(options_.keep_alive_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&session::on_first_bytes, shared_from_this()));
  }

  // A new connection: waits until it has something to read, without reading it (Beast
  // reads the head as it always did: it checks header_limit against what it is handed at
  // once), or closes it once first_byte_timeout passed.
  void do_wait_first_byte() {
    first_byte_timer_.expires_after(options_.first_byte_timeout);
    first_byte_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the first byte came
      ++self->counters_.timeouts;
      self->do_close();
    });
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (self->first_byte_timer_.cancel() == 0 || ec) return self->do_close();  // too late, or gone
      self->do_read_header();
    });
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec) return on_read_error(ec);
    buffer_.commit(n);
    do_read_header();
  }

  void do_read_header() {
    stream_.expires_after(options_.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    if (auto refusal = body_allowance(*parser_, options_)) {
      ++counters_.bad_requests;
      return refuse_unread(std::move(*refusal));
    }
    if (parser_->is_done()) return on_request();
    if (is_upload(*parser_) && large_body(*parser_, options_)) {
      const auto& msg = parser_->get();
      if (auto refusal = router_.refuse_upload(std::string(msg[bhttp::field::authorization]), remote_))
        return refuse_unread(std::move(*refusal));
    }
    stream_.expires_after(options_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    on_request();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      // tcp_stream has closed the socket already: nothing can be answered.
      ++counters_.timeouts;
      return do_close();
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return do_close();
    }
    // The request could not be read: answer what we can, then close.
    ++counters_.bad_requests;
    keep_alive_ = false;
    drain_ = true;
    ++counters_.in_flight;
    write(read_error_response(ec, options_), 11);
  }

  // Answers a request whose body is not read, then closes (draining what the client
  // still sends, so that it reads the answer rather than a reset).
  void refuse_unread(response r) {
    keep_alive_ = false;
    drain_ = true;
    ++counters_.in_flight;
    write(std::move(r), parser_->get().version());
  }

  void on_request() {
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;

    request req;
    response refusal;
    req.remote = remote_;
    req.from_loopback = loopback_;
    ++counters_.in_flight;
    if (!to_request(std::move(msg), req, refusal)) {
      // No client of ours sends such a target: whatever else it sends is not worth reading.
      ++counters_.bad_requests;
      keep_alive_ = false;
      return write(std::move(refusal), version_);
    }
    // No timer while the engine works on the answer: the client is waiting for us.
    stream_.expires_never();
    router_.handle(req, [self = shared_from_this()](response r) {
      // Called from the engine thread or this one: hop back onto the session's strand.
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r), self->version_); });
    });
  }

  void write(response r, unsigned version) {
    if (r.stream) return write_stream_head(std::move(r), version);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "dutyflowd");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    if (head_) res->body().clear();
    stream_.expires_after(options_.send_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      --self->counters_.in_flight;
      if (ec == beast::error::timeout) ++self->counters_.timeouts;
      if (ec) return self->do_close();
      if (self->drain_) return self->do_drain();
      if (!self->keep_alive_) return self->do_close();
      self->do_read();
    });
  }

  // After refusing a request we did not read to its end (413, 431, garbage), stop sending
  // and read what the client is still sending for a while, so that it gets to read our
  // answer instead of a reset.
  void do_drain() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(5));
    drain_buffer_.resize(64 * 1024);
    drain_one();
  }

  void drain_one() {
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > 16 * 1024 * 1024) return self->do_close();
      self->drain_one();
    });
  }

  // The body of a streamed response (Server-Sent Events): writers on any thread queue
  // chunks here, bounded by stream_queue_bytes; this session's strand writes them out one
  // at a time. A chunk that would pass the bound is not queued and its writer is told
  // (offer::full), so a slow client costs memory up to the bound, never a blocked writer.
  class sink final : public stream_sink {
   public:
    sink(std::weak_ptr<session> owner, std::size_t limit) : owner_(std::move(owner)), limit_(limit) {}

    offer write(std::string chunk) override {
      bool start = false;
      {
        std::lock_guard lock(mutex_);
        if (closed_) return offer::closed;
        if (queued_ + chunk.size() > limit_) return offer::full;
        queued_ += chunk.size();
        queue_.push_back(std::move(chunk));
        start = !writing_;
        writing_ = true;
      }
      return !start || kick() ? offer::queued : offer::closed;
    }

    bool restart(std::string chunk) override {
      bool start = false;
      {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        queue_.clear();
        queued_ = chunk.size();
        queue_.push_back(std::move(chunk));
        start = !writing_;
        writing_ = true;
      }
      return !start || kick();
    }

    std::size_t queued() const override {
      std::lock_guard lock(mutex_);
      return queued_;
    }

    void when_queued_at_most(std::size_t bytes, std::function<void()> fn) override {
      {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        if (queued_ > bytes) {
          waiter_ = std::move(fn);
          waiter_mark_ = bytes;
          return;
        }
      }
      fn();
    }

    bool is_open() const override {
      std::lock_guard lock(mutex_);
      return !closed_;
    }

    void close() override {
      std::function<void()> gone;
      {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = ending_ = true;
        gone.swap(waiter_);
      }
      if (auto s = owner_.lock()) net::post(s->stream_.get_executor(), [s] { s->pump(); });
    }

    void mark_closed() {
      std::function<void()> gone;  // destroyed after the lock: it may hold a writer's state
      std::lock_guard lock(mutex_);
      closed_ = true;
      queue_.clear();
      queued_ = 0;
      gone.swap(waiter_);
    }

    // The next chunk to write; false when there is none (the pump stops until a write()
    // starts it again). `end` is set when close() asked for the stream to end; `ready` gets
    // the waiter whose mark the queue is down to, for the caller to run.
    bool next(std::string& out, bool& end, std::function<void()>& ready) {
      std::lock_guard lock(mutex_);
      end = ending_ && queue_.empty();
      const bool any = !queue_.empty();
      if (any) {
        out = std::move(queue_.front());
        queue_.pop_front();
        queued_ -= out.size();
      } else {
        writing_ = false;
      }
      if (waiter_ && queued_ <= waiter_mark_) ready.swap(waiter_);
      return any;
    }

   private:
    // Starts the pump on the session's strand; false (and the sink closed) once the
    // session is gone.
    bool kick() {
      if (auto s = owner_.lock()) {
        net::post(s->stream_.get_executor(), [s] { s->pump(); });
        return true;
      }
      mark_closed();
      return false;
    }

    std::weak_ptr<session> owner_;
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    bool writing_ = false;
    bool closed_ = false;
    bool ending_ = false;
    std::function<void()> waiter_;
    std::size_t waiter_mark_ = 0;
  };

  void write_stream_head(response r, unsigned version) {
    lease_ = std::move(r.lease);
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::server, "dutyflowd");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(false);  // the stream ends with the connection
    res->chunked(true);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
    stream_.expires_after(options_.send_timeout);
    bhttp::async_write_header(
        stream_, *sr, [self = shared_from_this(), res, sr, open = std::move(r.stream)](beast::error_code ec, std::size_t) {
          // An open stream is answered: it must not hold up a SIGTERM drain.
          --self->counters_.in_flight;
          self->stream_.expires_never();
          if (ec) return self->do_close();
          self->sink_ = std::make_shared<sink>(self->weak_from_this(), self->options_.stream_queue_bytes);
          // The client never sends more on this connection: readable means it went away.
          self->stream_.socket().async_wait(tcp::socket::wait_read, [self](beast::error_code) {
            self->sink_->mark_closed();
            self->do_close();
          });
          open(self->sink_);
        });
  }

  // Writes queued chunks one at a time; runs on the strand.
  void pump() {
    if (!sink_ || chunk_writing_) return;
    bool end = false;
    std::function<void()> ready;
    const bool more = sink_->next(chunk_, end, ready);
    if (ready) ready();
    if (!more) {
      if (end) {
        chunk_writing_ = true;
        net::async_write(stream_, bhttp::make_chunk_last(), [self = shared_from_this()](beast::error_code, std::size_t) {
          self->do_close();
        });
      }
      return;
    }
    chunk_writing_ = true;
    stream_.expires_after(options_.send_timeout);  // a client that stops reading is dropped
    net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->chunk_writing_ = false;
                       self->stream_.expires_never();
                       if (ec == beast::error::timeout) ++self->counters_.timeouts;
                       if (ec) {
                         self->sink_->mark_closed();
                         return self->do_close();
                       }
                       self->pump();
                     });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  net::steady_timer first_byte_timer_;  // a new connection's first_byte_timeout
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  router& router_;
  const server_options& options_;
  session_counters& counters_;
  std::string remote_;
  const std::string client_;  // the key counters_ counts this connection under
  bool first_request_ = true;
  bool loopback_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  bool drain_ = false;
  std::vector<char> drain_buffer_;
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  std::shared_ptr<sink> sink_;  // set once a streamed response has started
  std::shared_ptr<const void> lease_;  // response::lease: let go when the session ends
  std::string chunk_;           // the chunk being written
  bool chunk_writing_ = false;
};

}  // namespace

read_result read_request(std::string_view bytes, const server_options& options) {
  read_result out;
  bhttp::request_parser<bhttp::string_body> parser;
  limit(parser, options);
  beast::error_code ec;
  // Offered whole, as if the session's buffer held everything the client sent: the head
  // first, then the route's body limit, then the body.
  std::size_t used = 0;
  auto feed = [&](auto until) {
    while (!ec && !until() && used < bytes.size()) {
      auto n = parser.put(net::buffer(bytes.data() + used, bytes.size() - used), ec);
      used += n;
      if (ec == bhttp::error::need_more) ec = {};
      if (n == 0) break;
    }
  };
  parser.eager(false);
  feed([&] { return parser.is_header_done(); });
  if (!ec && parser.is_header_done()) {
    if (auto refusal = body_allowance(parser, options)) {
      out.answer = std::move(*refusal);
      return out;
    }
  }
  parser.eager(true);
  feed([&] { return parser.is_done(); });
  if (!ec && !parser.is_done()) {
    if (bytes.empty()) return out;  // nothing was sent: the session closes without a word
    // The client stopped sending mid-request: the session's read meets the end of the stream.
    parser.put_eof(ec);
    if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
  }
  if (ec) {
    out.answer = read_error_response(ec, options);
    return out;
  }
  out.rest = bytes.substr(used);
  out.keep_alive = parser.get().keep_alive();
  request req;
  response refusal;
  if (!to_request(parser.release(), req, refusal)) {
    out.answer = std::move(refusal);
    return out;
  }
  out.req = std::move(req);
  return out;
}

void start_session(tcp::socket socket, router& r, const server_options& options, session_counters& counters,
                   std::string client) {
  std::make_shared<session>(std::move(socket), r, options, counters, std::move(client))->run();
}

}  // namespace dutyflow::http

// The live stream behind GET /api/v1/stream: every journaled event goes to every connected
// client as one Server-Sent Event (id = the journal's global event id). publish() runs on
// the engine thread (a commit observer) and only formats and queues: a slow client never
// holds the engine up. A client whose queue is full gets one "reset" event in place of
// what it had queued (reload, then go on from that id) rather than being dropped and
// coming back for the same events again. A reconnecting client is replayed what it missed
// off the engine thread (stream_replay.h) and then handed over with join_after(), which
// with the per-client position makes the hand-over lose nothing and send nothing twice.
// The hub also keeps the stream limits (admit()). A thread of the hub's own writes
// heartbeat comments. Thread-safe; owned by the daemon, outlives the HTTP server's use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/message.h"
#include "engine/store_rows.h"

namespace dutyflow::http {

struct event_hub_options {
  // A comment line is sent this often so proxies keep the connection and dead clients are
  // noticed. Default: 15 s.
  std::chrono::milliseconds heartbeat{15000};
  // Offset of the "at" times in event data. Default: +07:00 (Asia/Ho_Chi_Minh), as the API.
  std::chrono::minutes display_offset{420};
  // At most this many missed events are replayed to a reconnecting client; beyond that it
  // gets a "reset" event (reload everything) at once and continues live. Default: 10000.
  int replay_limit = 10000;
  // The reconnection delay suggested to EventSource clients ("retry:"). Default: 1 s.
  std::chrono::milliseconds retry{1000};
  // Streams open at once, all tokens together. Keep it below http.max_connections, so
  // that streams never take the places ordinary requests need. 0: no limit. Default: 256
  // (half of the default max_connections).
  std::size_t max_streams = 256;
  // Streams one token may have open at once (a dashboard tab holds one). 0: no limit.
  // Default: 4.
  std::size_t streams_per_token = 4;
};

// One event as the stream sends it: "id: N\nevent: TYPE\ndata: {json}\n\n". The data is
// {"id", "plan", "duty", "seq", "type", "actor", "at", "note", "data"}.
std::string sse_message(const event_row& e, std::chrono::minutes display_offset);

class event_hub {
 public:
  explicit event_hub(event_hub_options options = {});
  ~event_hub();
  event_hub(const event_hub&) = delete;
  event_hub& operator=(const event_hub&) = delete;

  // Starts and stops the heartbeat thread. stop() also closes every client.
  void start();
  void stop();

  // Engine thread: sends the committed events to every client that does not have them.
  void publish(const std::vector<event_row>& events);
  // Adds a client that gets every event published from now on.
  void join(std::shared_ptr<stream_sink> sink);
  // The end of a replay that sent `sink` every event up to id `sent`: adds the client if
  // nothing newer was published yet, and returns true (an event of `sent` or older that
  // is published after this is not sent again). False, and nothing changed, if newer ones
  // were published: the replay reads on from `sent` and tries again.
  bool join_after(std::shared_ptr<stream_sink> sink, std::int64_t sent);
  // The opening of every stream: the retry hint and a comment.
  std::string preamble() const;
  // "id: ID\nevent: reset\ndata: {"reason": ...}": reload everything, then go on from ID.
  static std::string reset_message(std::int64_t id, const std::string& reason);

  // A place for one more stream of the token named `token`, held until the returned lease
  // is let go (the session keeps it while the connection lives). Null when `token` has
  // streams_per_token open (`per_token` set) or max_streams are open.
  std::shared_ptr<const void> admit(const std::string& token, bool& per_token);

  const event_hub_options& options() const { return options_; }
  std::size_t clients() const;
  // Clients dropped because they were gone when written to.
  std::uint64_t dropped() const { return dropped_.load(); }
  // Clients sent a reset because their queue was full (a replay's are the replayer's).
  std::uint64_t resets() const { return resets_.load(); }
  struct stream_counts {
    std::size_t open = 0;                 // streams admitted and not let go
    std::uint64_t refused_per_token = 0;  // over streams_per_token
    std::uint64_t refused_all = 0;        // over max_streams
  };
  stream_counts streams() const;
  // Waits until `done(clients(), dropped())` holds or `limit` passed; returns whether it
  // holds. Lets tests (and anyone watching) wait for a join or a drop instead of polling.
  bool wait_until(const std::function<bool(std::size_t clients, std::uint64_t dropped)>& done,
                  std::chrono::milliseconds limit) const;

 private:
  struct client {
    std::shared_ptr<stream_sink> sink;
    std::int64_t has = 0;  // the newest event id the client has been sent
  };
  struct lease;
  // Under mutex_: queues `text` (ending with event `last`) for `c`, or a reset in its
  // place if the client's queue is full. False when the client is gone.
  bool deliver(client& c, const std::string& text, std::int64_t last);
  void send_all(const std::string& text);
  void heartbeat_loop();
  void release(const std::string& token);

  event_hub_options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // clients_ or dropped_ changed (under mutex_)
  std::vector<client> clients_;
  std::int64_t published_ = 0;  // the newest event id published
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> resets_{0};
  // Stream places, under streams_mutex_ (a lease may be let go from any thread).
  mutable std::mutex streams_mutex_;
  std::map<std::string, std::size_t, std::less<>> per_token_;
  stream_counts streams_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace dutyflow::http

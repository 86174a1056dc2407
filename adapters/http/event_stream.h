// The live stream behind GET /api/v1/stream: every journaled event goes to every connected
// client as one Server-Sent Event (id = the journal's global event id). publish() runs on
// the engine thread (a commit observer) and only formats and queues: a slow client never
// holds the engine up, it is dropped when its connection's queue overflows. Clients are
// added on the engine thread too, right after their replay from the journal, so replay
// and live events join with no gap and no duplicate. A thread of the hub's own writes
// heartbeat comments. Thread-safe; owned by the daemon, outlives the HTTP server's use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/message.h"
#include "engine/store.h"

namespace dutyflow::http {

struct event_hub_options {
  // A comment line is sent this often so proxies keep the connection and dead clients are
  // noticed. Default: 15 s.
  std::chrono::milliseconds heartbeat{15000};
  // Offset of the "at" times in event data. Default: +07:00 (Asia/Ho_Chi_Minh), as the API.
  std::chrono::minutes display_offset{420};
  // At most this many missed events are replayed to a reconnecting client; beyond that it
  // gets a "reset" event (reload everything) and continues live. Default: 10000.
  int replay_limit = 10000;
  // The reconnection delay suggested to EventSource clients ("retry:"). Default: 1 s.
  std::chrono::milliseconds retry{1000};
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

  // Engine thread: sends the committed events to every client.
  void publish(const std::vector<event_row>& events);
  // Engine thread: sends `missed` (read from the journal after the client's Last-Event-ID)
  // and then adds the client to the live stream. With `reset_id` (more were missed than
  // replay_limit) it sends one "reset" event with that id instead: reload everything.
  void join(std::shared_ptr<stream_sink> sink, const std::vector<event_row>& missed,
            std::optional<std::int64_t> reset_id = std::nullopt);
  // The opening of every stream: the retry hint and a comment.
  std::string preamble() const;

  const event_hub_options& options() const { return options_; }
  std::size_t clients() const;
  // Clients dropped because they were too slow (their queue overflowed) or gone.
  std::uint64_t dropped() const { return dropped_.load(); }
  // Waits until `done(clients(), dropped())` holds or `limit` passed; returns whether it
  // holds. Lets tests (and anyone watching) wait for a join or a drop instead of polling.
  bool wait_until(const std::function<bool(std::size_t clients, std::uint64_t dropped)>& done,
                  std::chrono::milliseconds limit) const;

 private:
  void send_all(const std::string& text);
  void heartbeat_loop();

  event_hub_options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // clients_ or dropped_ changed (under mutex_)
  std::vector<std::shared_ptr<stream_sink>> clients_;
  std::atomic<std::uint64_t> dropped_{0};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace dutyflow::http

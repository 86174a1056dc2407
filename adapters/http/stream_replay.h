// The live stream's replay for a client that reconnects with Last-Event-ID: the events it
// missed, read from the journal by threads of the replayer's own, each with a read-only
// connection (journal_reader), a bounded page at a time: never on the engine thread, so
// commands and reads go on while any number of clients catch up. A replay never runs
// ahead of its client: the next page is read once the client's queue is down to a page,
// so a replay costs a page or two of memory however far behind its client is and however
// large the journal; it waits without holding a thread. At the end the client
// is handed to the hub (event_hub::join_after), with no gap and no duplicate.
// More than replay_limit missed events, or a Last-Event-ID the journal never had, get one
// "reset" event at once instead (reload, then go on from the journal's last id).
// The same threads run other work that must stay off the engine (post()).
// Thread-safe. Owned by the daemon; stop() it before the hub and the journal go away.
#pragma once

#include "adapters/http/event_stream.h"
#include "engine/journal.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dutyflow::http {

struct stream_replay_options {
  // Threads that read the journal (each opens one read-only connection). Default: 1.
  int threads = 1;
  // Events read per page at most. Default: 500.
  int page_events = 500;
  // What a client's connection queues at most (server_options::stream_queue_bytes). A
  // page ends once its notes and data pass a quarter of it (256 KiB at most), and the
  // next is read once the queue is down to that much, so a page always has room.
  // Default: 4 MiB.
  std::size_t queue_bytes = 4 * 1024 * 1024;
};

class stream_replayer {
 public:
  // Opens a reader for one replay thread; called once per thread, on that thread.
  using open_fn = std::function<result<std::unique_ptr<journal_reader>>()>;

  stream_replayer(event_hub& hub, open_fn open, stream_replay_options options = {});
  ~stream_replayer();
  stream_replayer(const stream_replayer&) = delete;
  stream_replayer& operator=(const stream_replayer&) = delete;

  void start();
  // Ends the threads after the step each is in; replays not finished are dropped with
  // their clients' connections left to the server.
  void stop();

  // Sends `sink` every event after `last`, then adds it to the hub's live stream. An error
  // reading the journal closes the sink (and is logged).
  void replay(std::shared_ptr<stream_sink> sink, std::int64_t last);
  // Runs `fn` on a replay thread with its reader (null if it could not be opened).
  void post(std::function<void(journal_reader*)> fn);

  // Replays begun and not yet handed to the hub (or given up with their client).
  std::size_t in_progress() const;
  // Replays that sent a reset instead of the missed events.
  std::uint64_t resets() const;

 private:
  struct job;
  struct shared;
  static void step(const std::shared_ptr<shared>& s, const std::shared_ptr<job>& j, journal_reader* reader);
  static void schedule(const std::weak_ptr<shared>& s, std::shared_ptr<job> j);

  // The queue and counters, shared with the callbacks parked in sinks: one that fires
  // after the replayer is gone finds it expired and does nothing.
  std::shared_ptr<shared> shared_;
  std::vector<std::thread> threads_;
};

}  // namespace dutyflow::http

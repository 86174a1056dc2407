#include "adapters/http/stream_replay.h"

#include <spdlog/spdlog.h>

namespace dutyflow::http {

struct stream_replayer::shared {
  shared(event_hub& h, open_fn o, stream_replay_options opts)
      : hub(h),
        open(std::move(o)),
        options(opts),
        page_bytes(std::max<std::size_t>(1024, std::min<std::size_t>(256 * 1024, opts.queue_bytes / 4))) {}

  // Queues `fn` for a replay thread; dropped once the replayer stops.
  void push(std::function<void(journal_reader*)> fn) {
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      queue.push_back(std::move(fn));
    }
    wake.notify_one();
  }

  event_hub& hub;
  const open_fn open;
  const stream_replay_options options;
  const std::size_t page_bytes;  // a page's notes and data, and the queue's mark for the next
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void(journal_reader*)>> queue;
  bool stopping = false;
  std::atomic<std::size_t> in_progress{0};
  std::atomic<std::uint64_t> resets{0};
};

// One client's replay between its steps. It holds the sink weakly: the sink may hold the
// job (a callback waiting for the queue to drain), and the connection decides how long
// the sink lives.
struct stream_replayer::job {
  job(std::shared_ptr<shared> s, std::weak_ptr<stream_sink> k, std::int64_t a)
      : owner(std::move(s)), sink(std::move(k)), after(a) {
    ++owner->in_progress;
  }
  ~job() { --owner->in_progress; }
  job(const job&) = delete;
  job& operator=(const job&) = delete;

  std::shared_ptr<shared> owner;
  std::weak_ptr<stream_sink> sink;
  std::int64_t after;    // the newest event id the client has (been sent)
  bool checked = false;  // the limits were looked at
};

stream_replayer::stream_replayer(event_hub& hub, open_fn open, stream_replay_options options)
    : shared_(std::make_shared<shared>(hub, std::move(open), options)) {}

stream_replayer::~stream_replayer() { stop(); }

void stream_replayer::start() {
  if (!threads_.empty()) return;
  const int n = std::max(1, shared_->options.threads);
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([s = shared_] {
      std::unique_ptr<journal_reader> reader;
      while (true) {
        std::function<void(journal_reader*)> fn;
        {
          std::unique_lock lock(s->mutex);
          s->wake.wait(lock, [&] { return s->stopping || !s->queue.empty(); });
          if (s->stopping) return;
          fn = std::move(s->queue.front());
          s->queue.pop_front();
        }
        if (!reader) {
          // Opened here, on first use, and again after a failure: the journal may have been
          // busy or not there yet.
          auto opened = s->open();
          if (opened) {
            reader = std::move(*opened);
          } else {
            spdlog::error("stream: cannot read the journal: {}", opened.err().message);
          }
        }
        try {
          fn(reader.get());
        } catch (const std::exception& e) {
          // Nothing a replay step throws may take the thread (and every later replay) with it.
          spdlog::error("stream: a replay step failed: {}", e.what());
        }
      }
    });
  }
}

void stream_replayer::stop() {
  std::deque<std::function<void(journal_reader*)>> dropped;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    dropped.swap(shared_->queue);
  }
  shared_->wake.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void stream_replayer::replay(std::shared_ptr<stream_sink> sink, std::int64_t last) {
  schedule(shared_, std::make_shared<job>(shared_, sink, last));
}

void stream_replayer::post(std::function<void(journal_reader*)> fn) { shared_->push(std::move(fn)); }

std::size_t stream_replayer::in_progress() const { return shared_->in_progress.load(); }

std::uint64_t stream_replayer::resets() const { return shared_->resets.load(); }

void stream_replayer::schedule(const std::weak_ptr<shared>& s, std::shared_ptr<job> j) {
  if (auto owner = s.lock())
    owner->push([w = s, j = std::move(j)](journal_reader* reader) {
      if (auto o = w.lock()) step(o, j, reader);
    });
}

// One page: the limits first (once), then the next page after what the client has, or
// the hand-over when there is none. Runs on a replay thread.
void stream_replayer::step(const std::shared_ptr<shared>& s, const std::shared_ptr<job>& j, journal_reader* reader) {
  auto sink = j->sink.lock();
  if (!sink || !sink->is_open()) return;  // the client left: the job ends here
  auto fail = [&](const error& e) {
    spdlog::error("stream: cannot replay events after {}: {}", j->after, e.message);
    sink->close();
  };
  if (!reader) return fail(make_error(errc::storage, "no journal reader"));
  event_hub& hub = s->hub;
  // Instead of the events: one reset to the journal's last id. The replayed part of a
  // queue is stale once the client is told to reload, so it is thrown away.
  auto reset = [&](const std::string& reason, bool keep_queue) {
    auto last = reader->last_event_id();
    if (!last) {
      fail(last.err());
      return false;
    }
    const auto text = event_hub::reset_message(*last, reason);
    const bool sent = keep_queue ? sink->write(text) == stream_sink::offer::queued : sink->restart(text);
    if (!sent) return false;
    spdlog::info("stream: sent a reset to event {} instead of the events after {} ({})", *last, j->after, reason);
    ++s->resets;
    j->after = *last;
    return true;
  };
  if (!j->checked) {
    j->checked = true;
    auto last = reader->last_event_id();
    if (!last) return fail(last.err());
    if (j->after > *last) {
      if (!reset("event " + std::to_string(j->after) + " is not in this journal; reload", true)) return;
    } else {
      const int limit = hub.options().replay_limit;
      auto more = reader->more_than(j->after, limit);
      if (!more) return fail(more.err());
      if (*more && !reset("more than " + std::to_string(limit) + " events were missed; reload", true)) return;
    }
  }
  auto page = reader->events_after(j->after, s->options.page_events, s->page_bytes);
  if (!page) return fail(page.err());
  if (page->empty()) {
    // Caught up with the journal. If commits were published since, read them first.
    if (!hub.join_after(sink, j->after)) schedule(s, j);
    return;
  }
  std::string text;
  for (const auto& e : *page) text += sse_message(e, hub.options().display_offset);
  switch (sink->write(std::move(text))) {
    case stream_sink::offer::queued:
      j->after = page->back().id;
      break;
    case stream_sink::offer::full:
      // A page larger than the room its queue has left (a queue smaller than a page).
      if (!reset("the missed events do not fit the client's queue; reload", false)) return;
      break;
    case stream_sink::offer::closed:
      return;
  }
  // Read on once the client has taken most of what is queued: a client that reads
  // slowly is replayed slowly, and one that stops holds no thread.
  sink->when_queued_at_most(s->page_bytes, [w = std::weak_ptr<shared>(s), j] { schedule(w, j); });
}

}  // namespace dutyflow::http

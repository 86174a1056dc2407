#include "adapters/http/event_stream.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace dutyflow::http {

using nlohmann::json;

std::string sse_message(const event_row& e, std::chrono::minutes display_offset) {
  json data{{"id", e.id},
            {"plan", e.plan},
            {"duty", e.duty},
            {"seq", e.seq},
            {"type", e.type},
            {"actor", e.actor},
            {"at", format_instant(e.at, display_offset)},
            {"note", e.note},
            {"data", e.data}};
  // dump() escapes newlines inside strings, so the data stays on one "data:" line; the
  // event type is an API name ([a-z_]) and cannot break the framing either.
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type +
         "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

std::string event_hub::reset_message(std::int64_t id, const std::string& reason) {
  return "id: " + std::to_string(id) + "\nevent: reset\ndata: " + json{{"reason", reason}}.dump() + "\n\n";
}

// Gives the stream's place back when the connection that held it is gone.
struct event_hub::lease {
  event_hub& hub;
  std::string token;
  ~lease() { hub.release(token); }
};

event_hub::event_hub(event_hub_options options) : options_(options) {}

event_hub::~event_hub() {
  stop();
}

void event_hub::start() {
  std::lock_guard lock(stop_mutex_);
  if (heartbeat_.joinable()) return;
  stopping_ = false;
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

void event_hub::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  std::vector<client> gone;
  {
    std::lock_guard lock(mutex_);
    gone.swap(clients_);
  }
  changed_.notify_all();
  for (auto& c : gone) c.sink->close();
}

std::string event_hub::preamble() const {
  return "retry: " + std::to_string(options_.retry.count()) + "\n: dutyflow event stream\n\n";
}

std::size_t event_hub::clients() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

bool event_hub::wait_until(const std::function<bool(std::size_t, std::uint64_t)>& done,
                           std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return done(clients_.size(), dropped_.load()); });
}

bool event_hub::deliver(client& c, const std::string& text, std::int64_t last) {
  // sink::write only queues (and posts to the connection's strand), so holding the lock
  // here costs microseconds per client, never a network wait.
  switch (c.sink->write(text)) {
    case stream_sink::offer::queued:
      break;
    case stream_sink::offer::full:
      // A queue behind: what it holds is stale by now anyway. The client reloads and goes
      // on from `last`, instead of being dropped and asking for those events again.
      if (!c.sink->restart(reset_message(last, "the client fell too far behind; reload"))) return false;
      resets_.fetch_add(1);
      spdlog::info("stream: a client fell a whole queue behind; sent it a reset at event {}", last);
      break;
    case stream_sink::offer::closed:
      return false;
  }
  c.has = std::max(c.has, last);
  return true;
}

void event_hub::send_all(const std::string& text) {
  std::size_t gone = 0;
  {
    std::lock_guard lock(mutex_);
    gone = std::erase_if(clients_, [&](client& c) {
      if (deliver(c, text, std::max(c.has, published_))) return false;
      dropped_.fetch_add(1);
      spdlog::info("stream: dropped a client (gone)");
      return true;
    });
  }
  if (gone > 0) changed_.notify_all();
}

void event_hub::publish(const std::vector<event_row>& events) {
  if (events.empty()) return;
  // One text for everyone; a client that joined from a replay may have its first events
  // already, and gets the rest of the text from where its news begins.
  std::string text;
  std::vector<std::size_t> starts;
  starts.reserve(events.size());
  for (const auto& e : events) {
    starts.push_back(text.size());
    text += sse_message(e, options_.display_offset);
  }
  const std::int64_t last = events.back().id;
  std::size_t gone = 0;
  {
    std::lock_guard lock(mutex_);
    published_ = std::max(published_, last);
    gone = std::erase_if(clients_, [&](client& c) {
      if (c.has >= last) return false;
      bool ok = true;
      if (c.has < events.front().id) {
        ok = deliver(c, text, last);
      } else {
        std::size_t i = 0;
        while (i < events.size() && events[i].id <= c.has) ++i;
        ok = deliver(c, text.substr(starts[i]), last);
      }
      if (ok) return false;
      dropped_.fetch_add(1);
      spdlog::info("stream: dropped a client (gone)");
      return true;
    });
  }
  if (gone > 0) changed_.notify_all();
}

void event_hub::join(std::shared_ptr<stream_sink> sink) {
  {
    std::lock_guard lock(mutex_);
    clients_.push_back(client{std::move(sink), published_});
  }
  changed_.notify_all();
}

bool event_hub::join_after(std::shared_ptr<stream_sink> sink, std::int64_t sent) {
  {
    std::lock_guard lock(mutex_);
    if (sent < published_) return false;
    clients_.push_back(client{std::move(sink), sent});
  }
  changed_.notify_all();
  return true;
}

std::shared_ptr<const void> event_hub::admit(const std::string& token, bool& per_token) {
  per_token = false;
  std::lock_guard lock(streams_mutex_);
  if (options_.max_streams > 0 && streams_.open >= options_.max_streams) {
    ++streams_.refused_all;
    return nullptr;
  }
  auto it = per_token_.find(token);
  if (options_.streams_per_token > 0 && it != per_token_.end() && it->second >= options_.streams_per_token) {
    ++streams_.refused_per_token;
    per_token = true;
    return nullptr;
  }
  if (it == per_token_.end()) it = per_token_.emplace(token, 0).first;
  ++it->second;
  ++streams_.open;
  return std::shared_ptr<const void>(new lease{*this, token});
}

void event_hub::release(const std::string& token) {
  std::lock_guard lock(streams_mutex_);
  --streams_.open;
  auto it = per_token_.find(token);
  if (it != per_token_.end() && --it->second == 0) per_token_.erase(it);
}

event_hub::stream_counts event_hub::streams() const {
  std::lock_guard lock(streams_mutex_);
  return streams_;
}

void event_hub::heartbeat_loop() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, options_.heartbeat, [this] { return stopping_; })) break;
    lock.unlock();
    send_all(": heartbeat\n\n");
    lock.lock();
  }
}

}  // namespace dutyflow::http

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
  std::vector<std::shared_ptr<stream_sink>> gone;
  {
    std::lock_guard lock(mutex_);
    gone.swap(clients_);
  }
  changed_.notify_all();
  for (auto& c : gone) c->close();
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

void event_hub::send_all(const std::string& text) {
  std::size_t gone = 0;
  {
    std::lock_guard lock(mutex_);
    // sink::write only queues (and posts to the connection's strand), so holding the lock
    // here costs microseconds per client, never a network wait.
    gone = std::erase_if(clients_, [&](const std::shared_ptr<stream_sink>& c) {
      if (c->write(text)) return false;
      dropped_.fetch_add(1);
      spdlog::info("stream: dropped a client (gone, or too slow to keep up)");
      return true;
    });
  }
  if (gone > 0) changed_.notify_all();
}

void event_hub::publish(const std::vector<event_row>& events) {
  if (events.empty()) return;
  std::string text;
  for (const auto& e : events) text += sse_message(e, options_.display_offset);
  send_all(text);
}

void event_hub::join(std::shared_ptr<stream_sink> sink, const std::vector<event_row>& missed,
                     std::optional<std::int64_t> reset_id) {
  std::string text;
  if (reset_id) {
    text = "id: " + std::to_string(*reset_id) + "\nevent: reset\ndata: {\"reason\":\"more than " +
           std::to_string(options_.replay_limit) + " missed events; reload\"}\n\n";
  } else {
    for (const auto& e : missed) text += sse_message(e, options_.display_offset);
  }
  {
    std::lock_guard lock(mutex_);
    if (!text.empty() && !sink->write(std::move(text)))
      dropped_.fetch_add(1);
    else
      clients_.push_back(std::move(sink));
  }
  changed_.notify_all();
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

#include "adapters/http/stream.h"
#include "adapters/http/stream_replay.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace dutyflow::http {

namespace {

bool parse_id(std::string_view text, std::int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && p == text.data() + text.size() && out >= 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Live stream

void stream_events(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  std::optional<std::int64_t> last;
  std::string last_text = req.last_event_id;
  if (last_text.empty()) {
    if (auto it = req.query.find("last_event_id"); it != req.query.end()) last_text = it->second;
  }
  if (!last_text.empty()) {
    std::int64_t id = 0;
    if (!parse_id(last_text, id)) {
      respond(error_response(400, "invalid", "Last-Event-ID must be an event id (a whole number)"));
      return;
    }
    last = id;
  }
  // A place under the stream limits, given back when the connection closes: one token
  // cannot hold every stream, and streams cannot hold every connection.
  bool per_token = false;
  auto lease = ctx.hub.admit(caller.name, per_token);
  if (!lease) {
    auto r = per_token ? error_response(429, "too_many_requests",
                                        "this token has " + std::to_string(ctx.hub.options().streams_per_token) +
                                            " streams open already, the most one token may; close one",
                                        {{"retry_after", 5}})
                       : error_response(503, "unavailable", "too many streams are open; try again shortly",
                                        {{"retry_after", 5}});
    r.headers.emplace_back("Retry-After", "5");
    respond(std::move(r));
    return;
  }
  spdlog::info("stream: {} connected from {} (last event {})", caller.name, log_safe(req.remote), last ? *last : -1);
  response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.lease = std::move(lease);
  event_hub& hub = ctx.hub;
  stream_replayer* replay = &ctx.replay;
  r.stream = [&hub, replay, last](std::shared_ptr<stream_sink> sink) {
    if (sink->write(hub.preamble()) != stream_sink::offer::queued) return;
    // No engine thread here: a new client joins the live stream as it is, a returning one
    // is replayed from the journal by the replayer's threads, which then hand it over.
    if (!last) return hub.join(std::move(sink));
    replay->replay(std::move(sink), *last);
  };
  respond(std::move(r));
}

}  // namespace dutyflow::http

// GET /api/v1/stream: the live event stream (Server-Sent Events). A new client joins the
// hub (event_stream.h) as it is; one with Last-Event-ID (or ?last_event_id=) is first
// replayed what it missed by the stream_replayer (stream_replay.h). Holds a place under
// the hub's stream limits for as long as the connection lives. Any I/O thread; never the
// engine's.
#pragma once

#include "adapters/http/handlers.h"

namespace dutyflow::http {

void stream_events(services& ctx, const request& req, const actor& caller, const respond_fn& respond);

}  // namespace dutyflow::http

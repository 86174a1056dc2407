// The dashboard: its compiled-in assets ("/", "/index.html", "/assets/...") and the small
// API helpers it reads (the duty kinds with their Vietnamese labels, the server's clock,
// the caller's own token). Plain handlers as in handlers.h; any I/O thread, get_kinds and
// get_now answer at once without the engine thread.
#pragma once

#include "adapters/http/handlers.h"

namespace dutyflow::http {

response get_asset(const request& req);  // 404 for an unknown asset
void get_kinds(services& ctx, const respond_fn& respond);
void get_now(services& ctx, const respond_fn& respond);
// {"name", "role", "unit"} of the token: the dashboard shows a unit its own duties first.
response get_me(const actor& caller);

}  // namespace dutyflow::http

// One-click acknowledgement links from notifications: GET /a/{token} shows a small
// Vietnamese confirm page and changes nothing (mail scanners prefetch links); POST
// /a/{token} fires the token's event on its duty as the unit it names, through the
// engine runner. Tokens are made and checked by security::link_tokens. No bearer token:
// the signed token is the credential. Handlers are plain functions; any I/O thread.
#pragma once

#include <string>

#include "adapters/http/handlers.h"

namespace dutyflow::http {

void get_ack_link(services& ctx, const std::string& token, const respond_fn& respond);
void post_ack_link(services& ctx, const std::string& token, const respond_fn& respond);

}  // namespace dutyflow::http

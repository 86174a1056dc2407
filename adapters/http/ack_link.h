// One-click acknowledgement links from notifications: GET /a/{token} shows a small
// Vietnamese confirm page and changes nothing (mail scanners prefetch links); POST
// /a/{token} fires the token's event on its duty as the unit it names, through the
// engine runner. Tokens are made and checked by security::link_tokens. No bearer token:
// the signed token is the credential. Handlers are plain functions; any I/O thread.
#pragma once

#include <string>

#include "adapters/http/handlers.h"

namespace dutyflow::security {
class link_tokens;
}

namespace dutyflow::http {

// What the link routes need; owned by the daemon. Null in context: the routes answer 404.
struct ack_links {
  const security::link_tokens& signer;
};

void get_ack_link(context& ctx, const std::string& token, const respond_fn& respond);
void post_ack_link(context& ctx, const std::string& token, const respond_fn& respond);

}  // namespace dutyflow::http

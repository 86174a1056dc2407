// Turns an outbox row into the message the channels send: the template of its reason
// rendered with the plan, the duty, the unit and the row's payload, plus the one-click
// link for the duty's owner. Pure: no I/O, any thread.
#pragma once

#include <chrono>
#include <string>

#include "adapters/notify/channel.h"
#include "adapters/security/link_token.h"
#include "adapters/notify/templates.h"
#include "engine/plan.h"
#include "engine/status.h"
#include "engine/store_rows.h"

namespace dutyflow::notify {

struct compose_options {
  // Public address of dutyflowd for links, without a trailing slash. Default: "http://127.0.0.1:8080".
  std::string base_url = "http://127.0.0.1:8080";
  // How long a one-click link works, counted from when the notification was queued. Default: 30 days.
  std::chrono::seconds link_ttl = std::chrono::hours(24 * 30);
};

// Reasons whose message goes to the duty's owner with an acknowledge link.
bool carries_ack_link(std::string_view reason);

// The placeholders' values for `row` (see templates.h). `links` may be null (no links).
template_vars message_vars(const outbox_row& row, const plan& p, const security::link_tokens* links,
                           const compose_options& options);

// Fails with errc::not_found when there is no template for the row's reason.
result<message> compose(const outbox_row& row, const plan& p, const template_set& templates, const security::link_tokens* links,
                        const compose_options& options);

// The unit's contacts. A unit with none (or unknown) gets the channel the engine recorded
// on its outbox row when it queued it (engine.fallback_channel): `fallback` "file" is the
// file "<unit>.jsonl" under file.dir, anything else one "log" contact.
std::vector<contact> contacts_of(const plan& p, const std::string& unit, std::string_view fallback = "log");

}  // namespace dutyflow::notify

// dutyflowd's notifications: the "notify" section of the config file parsed into the
// notifier components' options, and the components built from them (link signer,
// channels, dispatcher). Called once at start-up on the main thread.
#pragma once

#include <memory>
#include <string>

#include "adapters/notify/dispatcher.h"
#include "adapters/security/link_token.h"
#include "adapters/notify/local_channels.h"
#include "adapters/notify/smtp.h"
#include "adapters/notify/webhook.h"
#include "engine/clock.h"
#include "engine/status.h"
#include "engine/workflow.h"
#include "tools/config_section.h"  // parse_setting_duration, for the settings readers

namespace dutyflow {

struct notify_settings {
  // false: no dispatcher runs; outbox rows stay pending (another process may send them). Default: true.
  bool enabled = true;
  // Dispatcher, retry and link options; compose.base_url "" means the address dutyflowd listens on.
  notify::dispatcher_options dispatcher = [] {
    notify::dispatcher_options d;
    d.compose.base_url = "";
    return d;
  }();
  // Directory of the message templates, one <reason>.txt each. Default: "config/templates/vi".
  std::string templates = "config/templates/vi";
  // File holding the HMAC key of one-click links, created (0600) on first start.
  // Default: "" (link.key next to the database, in var/).
  std::string link_key;
  // The SMTP relay; host "" sends e-mail contacts to the log instead. Default: see smtp_options.
  notify::smtp_options smtp;
  // File holding the SMTP password (mode 0600). Default: "" (no password).
  std::string smtp_password_file;
  // Webhook options; the secrets come from `webhook_secrets`. Default: see webhook_options.
  notify::webhook_options webhook;
  // JSON file {"<secret_ref or URL>": "<secret>"} (mode 0600). Default: "" (webhook-secrets.json
  // next to the database); a missing file means no webhook can be signed, so none is sent.
  std::string webhook_secrets;
  // Where "file" contacts write. dir "" means notifications/ next to the database.
  notify::file_options file{""};
};

// Reads the "notify" object of the config file into `out` (absent keys keep their
// value; no section at all keeps every default). Errors: errc::invalid naming the key.
status read_notify_settings(const config_file& config, notify_settings& out);
status read_notify_settings(const std::string& config_path, notify_settings& out);

// Loads (or creates) the one-click link key. Errors as security::load_signer.
result<std::shared_ptr<const security::link_tokens>> load_link_signer(const notify_settings& s,
                                                                    const std::string& db_path);

// Builds the dispatcher (not started) with its own store connection, the templates, the
// secrets and the channels. `listen_url` is used as base_url when none is configured.
// Errors: bad templates, unreadable secrets, a store that does not open.
result<std::unique_ptr<notify::dispatcher>> make_dispatcher(const notify_settings& s, const std::string& db_path,
                                                            const std::string& synchronous,
                                                            std::shared_ptr<const security::link_tokens> links,
                                                            const clock_source& clock, const kind_registry& kinds,
                                                            const std::string& listen_url);

}  // namespace dutyflow

// What every notification channel (smtp, webhook, file, log) implements, and the
// message it is given. Channels are called from the dispatcher's lane threads: one lane
// per destination, so a channel's deliver() may run on several threads at once for
// different destinations and must be thread-safe in that sense.
#pragma once

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/time.h"

namespace dutyflow::notify {

// One entry of a unit's "contacts" in the plan file.
struct contact {
  std::string channel;     // "email", "webhook", "file", "log"
  std::string to;          // address, URL or file name; empty for "log"
  std::string secret_ref;  // webhook: the entry of the secrets file to sign with; default: `to`
  static contact from_json(const nlohmann::json& j);
  std::string describe() const { return to.empty() ? channel : channel + " " + to; }
};

// One notification, rendered, as the channels send it.
struct message {
  std::string id;  // the outbox key: the stable id receivers deduplicate on
  std::string plan, duty, unit, reason;
  std::string unit_name;
  std::string subject;                   // one line
  std::string text;                      // the body, "\n" line ends
  std::chrono::minutes utc_offset{420};  // the plan's zone
  nlohmann::json document;               // the JSON form: webhook body, file line
};

// The outcome of one attempt at one contact.
struct delivery {
  bool ok = false;
  bool permanent = false;  // retrying cannot help (refused address, no secret, bad config)
  std::string error;       // one line for the log and last_error; never a secret
  // Nothing could carry it (an e-mail contact with no SMTP relay configured): not sent, not
  // an error to retry, and never recorded as delivered. `error` says why.
  bool skipped = false;
  static delivery done() { return delivery{true, false, {}}; }
  static delivery retry(std::string why) { return delivery{false, false, std::move(why)}; }
  static delivery fail(std::string why) { return delivery{false, true, std::move(why)}; }
  static delivery skip(std::string why) { return delivery{false, true, std::move(why), true}; }
};

class channel {
 public:
  virtual ~channel() = default;
  // Deliveries with the same lane run one after another on one thread; different lanes
  // run in parallel, so a dead destination only delays its own lane.
  virtual std::string lane(const contact& c) const = 0;
  // Sends `m` to `c`, blocking, bounded by the channel's own timeouts. `now` is the
  // daemon clock's time (for a Date header). When `cancel` becomes true the daemon is
  // stopping: give up within a fraction of a second.
  virtual delivery deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) = 0;
};

}  // namespace dutyflow::notify

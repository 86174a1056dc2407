// The outbox as a work queue: the notifications commits queued (journal::commit writes the
// rows), read back by the dispatcher to deliver and settled with the outcome of each
// attempt, and listed and counted for the API and /metrics.
//
// The dispatcher uses its own instance (its own connection) from its own thread; the
// engine lists and counts through its store on its strand. An instance is not
// thread-safe. Every call reports failure as an errc::storage value, never an exception.
#pragma once

#include "engine/status.h"
#include "engine/store_rows.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dutyflow {

class outbox_queue {
 public:
  virtual ~outbox_queue() = default;
  // Up to `limit` pending rows whose next attempt is due at `now`, oldest first. A row
  // stays pending (and is handed out again) until record_attempts() settles or delays it:
  // the caller skips the rows it has under way. SQLite has one dispatcher per file, so a
  // claim is a read; a backend with several dispatchers must give a due row to one of them.
  virtual result<std::vector<outbox_row>> claim_due(instant now, int limit) = 0;
  // Records delivery attempts, in the order given, in one transaction: the notifier settles
  // rows in rounds, and a sync to disk per row held the write lock away from the engine's
  // commits. A record whose id has no outbox row is skipped and its id returned (in the
  // order given); every other record is written. Nothing is written on failure.
  virtual result<std::vector<std::int64_t>> record_attempts(const std::vector<attempt_record>& records) = 0;
  // The stored plan `id` (a row names it; its text renders the message); nullopt if none.
  virtual result<std::optional<plan_row>> stored_plan(const std::string& id) = 0;
  // Rows matching `filter`, newest first.
  virtual result<std::vector<outbox_row>> outbox(const outbox_filter& filter) = 0;
  // Rows per status name (outbox_status_name) for /metrics: only statuses with rows appear.
  virtual result<std::map<std::string, std::int64_t>> outbox_counts() = 0;
};

}  // namespace dutyflow

// The rows the store keeps and the batch a commit writes: plain values shared by the store's
// interfaces (journal.h, outbox_queue.h) and their users. Any thread may create and copy them.
#pragma once

#include "engine/time.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow {

// One journaled event. Plan-level events (a milestone set, a plan loaded) have duty "".
struct event_row {
  std::int64_t id = 0;   // global order, assigned by the store on commit
  std::string plan;
  std::string duty;
  std::int64_t seq = 0;  // per duty: 1 for "assigned"; equals the duty's version after it
  std::string type;
  std::string actor;
  instant at{};
  std::string note;
  nlohmann::json data = nlohmann::json::object();
};

// One journaled event as journal::scan() hands it out: views into the row being read, valid
// only during the callback. `data` is the stored JSON text, parsed only by who needs it:
// a restart replays every event, and most carry nothing the replay reads.
struct event_view {
  std::int64_t id = 0;
  std::string_view plan;
  std::string_view duty;
  std::int64_t seq = 0;
  std::string_view type;
  instant at{};
  std::string_view data;
};

// The current state of one duty, kept in step with the journal for queries and tools.
struct duty_row {
  std::string plan;
  std::string duty;
  std::string kind;
  std::string owner;
  std::string progress;
  std::string timeliness;
  std::int64_t version = 0;
  std::optional<instant> deadline;
  instant updated_at{};
  std::optional<instant> finished_at;
  bool finished_late = false;
  // The scheduler has sent every reminder whose point is up to here. Null in a row
  // means "unchanged" on write (most writes are not the scheduler's). The column may lag
  // behind the outbox: see journal::unflushed_reminders().
  std::optional<instant> reminded_until;
  // How commit() writes the row: upsert (any row), or update an existing row's state
  // (with or without its owner; `kind` never changes), or only its reminded_until
  // (`progress`: the scheduler's deferred write; nothing else is read from the row). An
  // update that finds no row fails the commit.
  enum class how : std::uint8_t { upsert, update, update_owner, progress };
  how write = how::upsert;
  // Compare-and-set: the version the writer expects the stored row to have before this
  // write (for an update, the version before the event it records). When set and the
  // stored row has another version (another writer moved it), commit() writes nothing and
  // returns errc::conflict. Unset: no check (a new duty's upsert).
  std::optional<std::int64_t> expected_version{};
};

// What a restart checks of a duties row (journal::scan_duty_rows): the views point into the
// backend's row buffers and are valid during the callback only.
struct duty_row_view {
  std::string_view plan;
  std::string_view duty;
  std::string_view owner;
  std::string_view progress;
  std::string_view timeliness;
  std::int64_t version = 0;
  std::optional<instant> reminded_until;
};

// Where a notification is in its delivery: a closed set, written and compared only as the
// enum; outbox_status_name() is the one table of the names the store and the API use.
enum class outbox_status : std::uint8_t {
  pending,    // waiting for its first or next attempt
  delivered,  // every contact reachable took it (final)
  failed,     // attempts ran out or a channel said retrying cannot help (final)
  skipped,    // no contact of the unit could be reached by any channel (final)
};
inline constexpr outbox_status outbox_statuses[] = {outbox_status::pending, outbox_status::delivered,
                                                     outbox_status::failed, outbox_status::skipped};
// The status's name in the store and the API (the table in store_rows.cpp).
std::string_view outbox_status_name(outbox_status s);
// The status named `name`; nullopt for any other text.
std::optional<outbox_status> parse_outbox_status(std::string_view name);

// A notification to deliver. `key` is unique: (plan/duty, reason, point).
struct outbox_row {
  std::int64_t id = 0;  // commit() fills it in; stays 0 for a row skipped because its key existed
  std::string key;
  std::string plan;
  std::string duty;
  std::string unit;
  std::string reason;
  instant point{};
  std::string channel;
  outbox_status status = outbox_status::pending;
  int attempts = 0;
  std::string last_error;
  instant created_at{};
  std::optional<instant> delivered_at;
  nlohmann::json payload = nlohmann::json::object();
};

// The first answer to a request sent with an Idempotency-Key, kept so that a retry gets
// the same answer and nothing is applied twice.
struct idempotency_row {
  std::string key;          // "<actor>\n<Idempotency-Key>"
  std::string fingerprint;  // what the request asked, to catch a key reused for another request
  std::string plan;
  std::string duty;
  std::int64_t version = 0;
  std::int64_t event_id = 0;     // filled by commit from events[event_index]
  std::size_t event_index = 0;   // index into write_batch::events of the event it answered
  nlohmann::json answer;
  instant created_at{};
};

struct plan_row {
  std::string id;
  std::int64_t version = 1;
  std::string content;  // canonical JSON of the plan file
  instant loaded_at{};
};

// Everything one transaction writes. Outbox rows whose key exists already are skipped
// (that is what makes a replayed or retried notification harmless).
struct write_batch {
  std::vector<plan_row> plans;
  std::vector<event_row> events;
  std::vector<duty_row> duties;
  std::vector<outbox_row> outbox;
  std::vector<idempotency_row> idempotency;
  // When set: every reminder outbox row with an id up to this one is reflected in the
  // duties' reminded_until (journal::unflushed_reminders()). The watermark relies on
  // store_capabilities::outbox_ids_in_commit_order.
  std::optional<std::int64_t> reminders_flushed_through;
  bool empty() const {
    return plans.empty() && events.empty() && duties.empty() && outbox.empty() && idempotency.empty() &&
           !reminders_flushed_through;
  }
};

// What journal::unflushed_reminders() reads at a restart.
struct reminder_progress {
  struct duty_point {
    std::string plan, duty;
    instant point{};  // the latest reminder point of the duty past the watermark
  };
  std::int64_t flushed_through = 0;  // the watermark: reminders up to this outbox id are in the duties table
  std::int64_t last_outbox_id = 0;   // the largest outbox id there is (0: none)
  std::vector<duty_point> duties;
};

// One delivery attempt to record (outbox_queue::record_attempts).
struct attempt_record {
  std::int64_t id = 0;     // the outbox row
  outbox_status status = outbox_status::pending;  // final, or pending (retry at next_attempt)
  int attempts = 0;        // attempts made so far, this one included
  std::string last_error;  // "" when delivered
  std::optional<instant> delivered_at;
  std::optional<instant> next_attempt;
};

struct outbox_filter {
  // "" matches any. `status` is a name as outbox_status_name() gives it (the API's query
  // text, passed through): another text matches no row.
  std::string plan, unit, duty, reason, status;
  int limit = 1000;
};

}  // namespace dutyflow

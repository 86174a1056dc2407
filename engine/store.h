// Durable state of dutyflow: the append-only event journal, the duties view, the
// outbox of notifications and the loaded plans. `store` is the interface (a PostgreSQL
// backend can implement it for several replicas); `sqlite_store` is the embedded default.
// A store is owned by the engine and used only from the engine's strand; it is not
// thread-safe. Every call reports failure as an errc::storage error, never an exception.
#pragma once

#include "engine/status.h"
#include "engine/time.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
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

// One journaled event as scan_journal() hands it out: views into the row being read, valid
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
  // behind the outbox: see store::unflushed_reminders().
  std::optional<instant> reminded_until;
  // How commit() writes the row: upsert (any row), or update an existing row's state
  // (with or without its owner; `kind` never changes), or only its reminded_until
  // (`progress`: the scheduler's deferred write; nothing else is read from the row). An
  // update that finds no row fails the commit.
  enum class how : std::uint8_t { upsert, update, update_owner, progress };
  how write = how::upsert;
};

// What a restart checks of a duties row (store::scan_duty_rows): the views point into the
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
  std::string status = "pending";  // pending, delivered, failed
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
  // duties' reminded_until (store::unflushed_reminders()).
  std::optional<std::int64_t> reminders_flushed_through;
  bool empty() const {
    return plans.empty() && events.empty() && duties.empty() && outbox.empty() && idempotency.empty() &&
           !reminders_flushed_through;
  }
};

// What store::unflushed_reminders() reads at a restart.
struct reminder_progress {
  struct duty_point {
    std::string plan, duty;
    instant point{};  // the latest reminder point of the duty past the watermark
  };
  std::int64_t flushed_through = 0;  // the watermark: reminders up to this outbox id are in the duties table
  std::int64_t last_outbox_id = 0;   // the largest outbox id there is (0: none)
  std::vector<duty_point> duties;
};

// One delivery attempt to record (store::record_attempts).
struct attempt_record {
  std::int64_t id = 0;     // the outbox row
  std::string status;      // "delivered", "failed" (final) or "pending" (retry at next_attempt)
  int attempts = 0;        // attempts made so far, this one included
  std::string last_error;  // "" when delivered
  std::optional<instant> delivered_at;
  std::optional<instant> next_attempt;
};

struct outbox_filter {
  std::string plan, unit, duty, reason, status;
  int limit = 1000;
};

class store {
 public:
  virtual ~store() = default;
  // Writes the whole batch in one transaction, or nothing. On success the events'
  // ids are filled in. Returns errc::storage (nothing written) on failure.
  virtual status commit(write_batch& batch) = 0;
  virtual result<std::vector<plan_row>> plans() = 0;
  // Calls `fn` for every event in journal order. Returns errc::storage on failure.
  virtual status replay(const std::function<void(const event_row&)>& fn) = 0;
  // The same walk as replay() without copying: what a restart uses. The default adapts
  // replay(); backends override it to hand out views of their rows.
  virtual status scan_journal(const std::function<void(const event_view&)>& fn);
  // The events of one duty in seq order.
  virtual result<std::vector<event_row>> history(const std::string& plan, const std::string& duty) = 0;
  virtual result<std::vector<duty_row>> duty_rows(const std::string& plan) = 0;
  // Every duties row, by plan and duty, without copying: what a restart checks against the
  // replay. The default adapts plans() and duty_rows(), so it sees the rows of stored plans
  // only; backends override it with one scan of the table.
  virtual status scan_duty_rows(const std::function<void(const duty_row_view&)>& fn);
  virtual result<std::vector<outbox_row>> outbox(const outbox_filter& filter) = 0;
  virtual result<std::int64_t> event_count() = 0;
  // Pending outbox rows whose next attempt is due at `now`, oldest first.
  virtual result<std::vector<outbox_row>> due_outbox(instant now, int limit) = 0;
  // Records delivery attempts, in the order given, in one transaction: the notifier settles
  // rows in rounds, and a sync to disk per row held the write lock away from the engine's
  // commits. A record whose id has no outbox row is skipped and its id returned (in the
  // order given); every other record is written. Returns errc::storage on failure, with
  // nothing written.
  virtual result<std::vector<std::int64_t>> record_attempts(const std::vector<attempt_record>& records) = 0;
  // record_attempts() of one record. Returns errc::not_found for an unknown id,
  // errc::storage on failure.
  status record_attempt(std::int64_t id, const std::string& outcome, int attempts, const std::string& last_error,
                        std::optional<instant> delivered_at, std::optional<instant> next_attempt);
  // Idempotency answers created at or after `since`; older ones are deleted first.
  virtual result<std::vector<idempotency_row>> idempotency(instant since) = 0;
  // The scheduler writes a reminder's outbox row at once but the duty's reminded_until
  // later, many duties together (a reminder alone would otherwise write a random page
  // of the duties table per row). This reads what the table may lag behind: per duty,
  // the latest point among the reminder outbox rows past the watermark that
  // write_batch::reminders_flushed_through last set — reasons "reminder", "catch_up",
  // and "overdue" rows that are repeated reminders (payload "repeat"), not the overdue
  // state's own notice. Errors: errc::storage.
  virtual result<reminder_progress> unflushed_reminders() = 0;
  // Up to `limit` events with id > `after`, in journal order (the live stream's replay
  // for a client reconnecting with Last-Event-ID). The default walks replay(); backends
  // override it with an indexed read.
  virtual result<std::vector<event_row>> events_after(std::int64_t after, int limit);
  // Outbox rows per status ("pending", "delivered", "failed", ...) for /metrics. The
  // default counts outbox(); backends override it with one aggregate query.
  virtual result<std::map<std::string, std::int64_t>> outbox_counts();
};

struct sqlite_options {
  // Where the database lives. Its directory must exist. Default: none (required).
  std::string path;
  // "full" (default): a commit survives power loss. "normal": survives a crash of
  // dutyflowd but may lose the last commits on power loss (faster).
  std::string synchronous = "full";
  // How long a writer waits for a lock held by another connection (a backup). Default: 5 s.
  int busy_timeout_ms = 5000;
  // SQLite's page cache in KiB. The journal's indexes grow with every duty; with the 2 MiB
  // default a plan of 100,000 duties spends its commits reading index pages back. Default: 64 MiB.
  int cache_kib = 64 * 1024;
  // WAL checkpoints on a thread of the store's own instead of inside a commit (see
  // store.cpp). Default: on.
  bool background_checkpoints = true;
};

// The journal read on a connection of its own, read-only, so that readers off the engine
// strand (the live stream's replay, /metrics' journal figures) never queue behind commands
// and never hold the engine while they read. Each call is one short read transaction and
// sees what was committed before it began. Not thread-safe: one thread uses a reader at a
// time (open one per thread). Errors are errc::storage values, never exceptions.
class journal_reader {
 public:
  virtual ~journal_reader() = default;
  // Events with id > `after` in journal order: at most `max_events`, and none after the one
  // whose notes and data take the page past `max_bytes` (a page has at least one event), so
  // a page of large notes stays small.
  virtual result<std::vector<event_row>> events_after(std::int64_t after, int max_events, std::size_t max_bytes) = 0;
  // The id of the last event; 0 when the journal is empty.
  virtual result<std::int64_t> last_event_id() = 0;
  // Whether more than `n` events follow `after`, found by the primary key without reading them.
  virtual result<bool> more_than(std::int64_t after, std::int64_t n) = 0;
  // The database's size in bytes as its connections see it (pages in use, the write-ahead
  // log's included): what the journal and the tables beside it take.
  virtual result<std::int64_t> size_bytes() = 0;
};

// Opens a reader of the SQLite journal at `path`, which dutyflowd has created (WAL mode).
// Errors: errc::storage with the reason.
result<std::unique_ptr<journal_reader>> open_sqlite_journal_reader(const std::string& path);

// Opens (creating and migrating as needed) the SQLite store. Returns errc::storage
// with the reason when the file cannot be opened or is from a newer dutyflow.
result<std::unique_ptr<store>> open_sqlite_store(const sqlite_options& options);

// The schema version this build writes (PRAGMA user_version).
int sqlite_schema_version();

}  // namespace dutyflow

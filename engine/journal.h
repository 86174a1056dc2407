// The journal: the durable record the engine writes and reads back at a restart. The
// append-only events, the duties view kept in step with them, the loaded plans and the
// idempotency answers; commit() is the one write of a transaction and also queues the
// batch's outbox rows (outbox_queue.h delivers them). A second backend (PostgreSQL, for
// several dutyflowd replicas) implements this beside the SQLite one.
//
// `journal` is used by the engine only, from the engine's strand: not thread-safe. Its
// reads see every commit made through it. `journal_reader` is the read-only side for
// threads off the strand. Every call reports failure as an error value (errc::storage
// unless said otherwise), never an exception.
#pragma once

#include "engine/status.h"
#include "engine/store_rows.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dutyflow {

class journal {
 public:
  virtual ~journal() = default;
  // Writes the whole batch in one transaction, or nothing. On success the events' and the
  // new outbox rows' ids are filled in. Failures, with nothing written: errc::conflict when
  // a duty row's expected_version is not the stored one (another writer moved the duty);
  // errc::storage otherwise (including an update of a duty that has no row).
  virtual status commit(write_batch& batch) = 0;
  // The loaded plans, in the order they were loaded.
  virtual result<std::vector<plan_row>> plans() = 0;
  // Calls `fn` for every event in journal order, without copying (what a restart replays):
  // the views are valid during the call only.
  virtual status scan(const std::function<void(const event_view&)>& fn) = 0;
  // Up to `limit` whole events with id > `after`, in journal order.
  virtual result<std::vector<event_row>> events_after(std::int64_t after, int limit) = 0;
  // The events of one duty in seq order.
  virtual result<std::vector<event_row>> history(const std::string& plan, const std::string& duty) = 0;
  // Every duties row, by plan and duty, without copying: what a restart checks against the
  // replay. The views are valid during the call only.
  virtual status scan_duty_rows(const std::function<void(const duty_row_view&)>& fn) = 0;
  virtual result<std::int64_t> event_count() = 0;
  // Idempotency answers created at or after `since`; older ones are deleted first.
  virtual result<std::vector<idempotency_row>> idempotency(instant since) = 0;
  // The scheduler writes a reminder's outbox row at once but the duty's reminded_until
  // later, many duties together (a reminder alone would otherwise write a random page
  // of the duties table per row). This reads what the table may lag behind: per duty,
  // the latest point among the reminder outbox rows past the watermark that
  // write_batch::reminders_flushed_through last set — reasons "reminder", "catch_up",
  // and "overdue" rows that are repeated reminders (payload "repeat"), not the overdue
  // state's own notice. Relies on store_capabilities::outbox_ids_in_commit_order.
  virtual result<reminder_progress> unflushed_reminders() = 0;
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

}  // namespace dutyflow

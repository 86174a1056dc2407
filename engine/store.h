// Durable state of dutyflow, as the interfaces a backend implements: the journal (events,
// duties, plans, idempotency; journal.h), the outbox as a delivery queue (outbox_queue.h),
// and coordination between processes with the backend's capabilities (coordination.h).
// `store` is all three: what the engine owns. Callers that need less take the narrower
// interface (the dispatcher an outbox_queue, the live stream a journal_reader).
// `open_sqlite_store` opens the embedded default (engine/sqlite_*.cpp).
// A store is used only from one thread at a time (the engine's strand, or the
// dispatcher's thread for the dispatcher's own); it is not thread-safe. Every call reports
// failure as an error value, never an exception.
#pragma once

#include "engine/coordination.h"
#include "engine/journal.h"
#include "engine/outbox_queue.h"
#include "engine/status.h"

#include <memory>
#include <string>

namespace dutyflow {

class store : public journal, public outbox_queue, public coordination {
 public:
  ~store() override = default;
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
  // sqlite_checkpointer.cpp). Default: on.
  bool background_checkpoints = true;
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

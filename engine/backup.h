// An online copy of the SQLite journal, taken while dutyflowd keeps writing to it, with
// SQLite's backup API: what `dutyflow backup` runs. It opens its own connections to the
// files and shares nothing with a running engine; call it from any one thread.
// Errors are values; on failure nothing is left at the destination.
#pragma once

#include <cstdint>
#include <string>

#include "engine/status.h"

namespace dutyflow {

struct backup_options {
  // The journal to copy (dutyflowd's --db). Default: none (required).
  std::string source;
  // The file to write. Default: none (required).
  std::string dest;
  // Replace an existing `dest`. Default: false (an existing file is refused).
  bool force = false;
  // Pages copied per step of the backup API. Default: 256 (1 MiB at SQLite's 4 KiB pages).
  int pages_per_step = 256;
};

// What the copy holds, read back from it after its integrity check.
struct backup_report {
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
  int steps = 0;
  std::int64_t events = 0;
  std::int64_t last_event_id = 0;  // the journal up to this event id is in the copy
  std::int64_t duties = 0;
  std::int64_t outbox = 0;
};

// Copies one consistent state of `source` to `dest`: written to a temporary file next to
// `dest`, checked with PRAGMA integrity_check, flushed to disk and renamed over `dest`,
// so `dest` is either the complete copy or what it was before. The copy is a single file
// in rollback-journal mode (no -wal beside it); dutyflowd switches it back to WAL when it
// opens it. Errors: errc::invalid (dest exists and !force, dest is a directory or the
// journal itself, its directory is missing), errc::not_found (no journal at source),
// errc::storage (SQLite failed, or the copy failed its integrity check).
result<backup_report> backup_sqlite(const backup_options& options);

}  // namespace dutyflow

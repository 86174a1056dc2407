// Shared by the SQLite backend's files (sqlite_schema.cpp, sqlite_checkpointer.cpp,
// sqlite_store.cpp, sqlite_journal_reader.cpp) and nothing else: column conversions, the
// schema's migration and the WAL checkpointer. Same thread rules as the store (store.h).
#pragma once

#include "engine/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

namespace dutyflow::sqlite_detail {

inline std::int64_t micros(instant t) { return t.time_since_epoch().count(); }
inline instant from_micros(std::int64_t v) { return instant{std::chrono::microseconds{v}}; }

inline error storage_error(const char* what, const std::exception& e) {
  return make_error(errc::storage, std::string(what) + ": " + e.what());
}

// One row of "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events".
void read_event(SQLite::Statement& st, event_row& e);

// An outbox status column's text as the enum. Throws (a read failing as errc::storage)
// on a text no dutyflow writes.
outbox_status read_outbox_status(const std::string& text);

// Brings the schema of `db` up to sqlite_schema_version(), one transaction per step.
// Throws if the file is from a newer dutyflow or a step fails.
void migrate(SQLite::Database& db);

// The WAL checkpointer (sqlite_checkpointer.cpp).
// WAL checkpoints copy committed pages into the database file and fsync it. SQLite's
// automatic checkpoint runs inside whichever commit pushes the WAL past 1,000 pages, i.e.
// on the engine thread while a command or a reminder waits for its commit: the slowest
// commits of all. This thread does them instead on its own connection, PASSIVE so that it
// never blocks the writer. The writer's WAL hook wakes it; if the WAL still outgrows
// `backstop_pages` (the checkpointer cannot keep up), the writer checkpoints inline as
// SQLite would have.
class checkpointer {
 public:
  static constexpr int wake_pages = 1000;
  static constexpr int backstop_pages = 64 * 1024;  // 256 MiB of 4 KiB pages

  explicit checkpointer(std::string path);
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  // Installed as the writer connection's WAL hook (replacing SQLite's autocheckpoint).
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);

 private:
  void run();

  std::string path_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dutyflow::sqlite_detail

// The SQLite store's WAL checkpointer: see its declaration in sqlite_internal.h.
#include "engine/sqlite_internal.h"

#include <spdlog/spdlog.h>

#include <memory>

namespace dutyflow::sqlite_detail {

checkpointer::checkpointer(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}

checkpointer::~checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* c = static_cast<checkpointer*>(self);
  if (pages >= backstop_pages) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= wake_pages) {
    {
      std::lock_guard lock(c->mutex_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void checkpointer::run() {
  std::unique_ptr<SQLite::Database> db;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return due_ || stopping_; });
      if (stopping_) return;
      due_ = false;
    }
    try {
      if (!db) {
        db = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX);
        db->setBusyTimeout(5000);
      }
      db->exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const std::exception& e) {
      // The writer's backstop keeps the WAL bounded; a failed checkpoint is retried on the next wake.
      spdlog::warn("store: background checkpoint failed: {}", e.what());
      db.reset();
    }
  }
}

}  // namespace dutyflow::sqlite_detail

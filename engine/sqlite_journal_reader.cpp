// The SQLite journal_reader (journal.h): a read-only connection of its own for readers off
// the engine strand. One thread uses a reader at a time.
#include "engine/sqlite_internal.h"

#include <algorithm>

namespace dutyflow {
namespace {

using sqlite_detail::read_event;
using sqlite_detail::storage_error;

class sqlite_journal_reader final : public journal_reader {
 public:
  // Read-only and without SQLite's mutexes: one thread uses a reader (the contract).
  explicit sqlite_journal_reader(const std::string& path)
      : db_(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX),
        page_(db_,
              "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events WHERE id > ? ORDER BY id LIMIT ?"),
        last_(db_, "SELECT COALESCE(MAX(id), 0) FROM events"),
        nth_(db_, "SELECT id FROM events WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?") {
    // A commit in progress holds the WAL index only for moments; wait through it rather
    // than fail a replay.
    db_.setBusyTimeout(5000);
  }

  result<std::vector<event_row>> events_after(std::int64_t after, int max_events, std::size_t max_bytes) override {
    try {
      // reset() on every way out ends the read transaction: a reader parked between pages
      // must not hold a snapshot that keeps the checkpointer from recycling the log.
      struct ended {
        SQLite::Statement& st;
        ~ended() { st.tryReset(); }
      } end{page_};
      page_.tryReset();  // a failed step before leaves its error here
      page_.bind(1, after);
      page_.bind(2, std::max(1, max_events));
      std::vector<event_row> out;
      std::size_t bytes = 0;
      while (bytes <= max_bytes && page_.executeStep()) {
        event_row e;
        read_event(page_, e);
        bytes += e.note.size() + static_cast<std::size_t>(page_.getColumn(8).getBytes()) + 128;
        out.push_back(std::move(e));
      }
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading the journal failed", e);
    }
  }

  result<std::int64_t> last_event_id() override {
    try {
      last_.tryReset();
      if (!last_.executeStep()) return std::int64_t{0};
      const auto id = last_.getColumn(0).getInt64();
      last_.tryReset();
      return id;
    } catch (const std::exception& e) {
      return storage_error("reading the journal failed", e);
    }
  }

  result<bool> more_than(std::int64_t after, std::int64_t n) override {
    try {
      nth_.tryReset();
      nth_.bind(1, after);
      nth_.bind(2, n);
      const bool found = nth_.executeStep();
      nth_.tryReset();
      return found;
    } catch (const std::exception& e) {
      return storage_error("reading the journal failed", e);
    }
  }

  result<std::int64_t> size_bytes() override {
    try {
      const auto pages = db_.execAndGet("PRAGMA page_count").getInt64();
      const auto page_size = db_.execAndGet("PRAGMA page_size").getInt64();
      return pages * page_size;
    } catch (const std::exception& e) {
      return storage_error("reading the journal's size failed", e);
    }
  }

 private:
  SQLite::Database db_;
  SQLite::Statement page_, last_, nth_;
};

}  // namespace

result<std::unique_ptr<journal_reader>> open_sqlite_journal_reader(const std::string& path) {
  try {
    return std::unique_ptr<journal_reader>(std::make_unique<sqlite_journal_reader>(path));
  } catch (const std::exception& e) {
    return make_error(errc::storage, "cannot open the journal " + path + " for reading: " + e.what());
  }
}

}  // namespace dutyflow

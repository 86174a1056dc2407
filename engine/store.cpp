#include "engine/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

namespace dutyflow {
namespace {

using nlohmann::json;

// Each migration moves the schema from version i to i+1; they only ever get appended.
// The events table refuses UPDATE and DELETE: the journal is append-only by construction.
constexpr std::array<const char*, 6> migrations = {
    R"sql(
CREATE TABLE plans (
  id        TEXT PRIMARY KEY,
  version   INTEGER NOT NULL,
  content   TEXT NOT NULL,
  loaded_at INTEGER NOT NULL
);
CREATE TABLE events (
  id    INTEGER PRIMARY KEY,
  plan  TEXT NOT NULL,
  duty  TEXT NOT NULL,
  seq   INTEGER NOT NULL,
  type  TEXT NOT NULL,
  actor TEXT NOT NULL,
  at    INTEGER NOT NULL,
  note  TEXT NOT NULL DEFAULT '',
  data  TEXT NOT NULL DEFAULT '{}',
  UNIQUE (plan, duty, seq)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TABLE duties (
  plan          TEXT NOT NULL,
  duty          TEXT NOT NULL,
  kind          TEXT NOT NULL,
  owner         TEXT NOT NULL,
  progress      TEXT NOT NULL,
  timeliness    TEXT NOT NULL,
  version       INTEGER NOT NULL,
  deadline      INTEGER,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  finished_late INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (plan, duty)
) WITHOUT ROWID;
CREATE INDEX duties_owner ON duties (owner);
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE,
  plan         TEXT NOT NULL,
  duty         TEXT NOT NULL,
  unit         TEXT NOT NULL,
  reason       TEXT NOT NULL,
  point        INTEGER NOT NULL,
  channel      TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending',
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  delivered_at INTEGER,
  next_attempt INTEGER,
  payload      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX outbox_status ON outbox (status, next_attempt);
CREATE INDEX outbox_plan ON outbox (plan, duty);
)sql",
    R"sql(
CREATE TABLE idempotency (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  plan        TEXT NOT NULL,
  duty        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  event_id    INTEGER NOT NULL,
  answer      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);
)sql",
    R"sql(
ALTER TABLE duties ADD COLUMN reminded_until INTEGER;
)sql",
    // The outbox's unique key ("plan/duty/reason/point") and its (plan, duty) index put every
    // notification on a random index page: a scheduler run of 500 reminders dirtied ~1,000
    // pages, and writing them was most of its commit. The same uniqueness, on (point, plan,
    // duty, reason) — the key is exactly those four, the point to the microsecond — and a
    // (plan, id) index put new rows at the end of each index instead. SQLite cannot drop a
    // column's UNIQUE in place, so the table is rebuilt.
    R"sql(
CREATE TABLE outbox_v4 (
  id           INTEGER PRIMARY KEY,
  key          TEXT NOT NULL,
  plan         TEXT NOT NULL,
  duty         TEXT NOT NULL,
  unit         TEXT NOT NULL,
  reason       TEXT NOT NULL,
  point        INTEGER NOT NULL,
  channel      TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending',
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  delivered_at INTEGER,
  next_attempt INTEGER,
  payload      TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO outbox_v4 SELECT id, key, plan, duty, unit, reason, point, channel, status, attempts, last_error,
  created_at, delivered_at, next_attempt, payload FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE UNIQUE INDEX outbox_point ON outbox (point, plan, duty, reason);
CREATE INDEX outbox_status ON outbox (status, next_attempt);
CREATE INDEX outbox_plan ON outbox (plan, id);
)sql",
    // Small facts of the store's own. `reminders_flushed_through`: reminder outbox rows up
    // to this id are reflected in duties.reminded_until (store::unflushed_reminders). A
    // database written before deferred progress existed has every row reflected.
    R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('reminders_flushed_through', (SELECT COALESCE(MAX(id), 0) FROM outbox));
)sql",
    // The (plan, id) index has one insertion point per plan: a scheduler commit of 30
    // reminders across 100 plans wrote ~30 of its leaf pages, 4 KiB each, and at
    // synchronous=FULL those bytes were most of the commit (W2: commit p50 2.5 ms with it,
    // 0.6 ms without). It served only the coordinator's notification list filtered by
    // plan, which now walks the outbox newest first, as the unit filter always did.
    R"sql(
DROP INDEX outbox_plan;
)sql",
};

std::int64_t micros(instant t) { return t.time_since_epoch().count(); }
instant from_micros(std::int64_t v) { return instant{std::chrono::microseconds{v}}; }

error storage_error(const char* what, const std::exception& e) {
  return make_error(errc::storage, std::string(what) + ": " + e.what());
}

// One row of "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events".
void read_event(SQLite::Statement& st, event_row& e) {
  e.id = st.getColumn(0).getInt64();
  e.plan = st.getColumn(1).getString();
  e.duty = st.getColumn(2).getString();
  e.seq = st.getColumn(3).getInt64();
  e.type = st.getColumn(4).getString();
  e.actor = st.getColumn(5).getString();
  e.at = from_micros(st.getColumn(6).getInt64());
  e.note = st.getColumn(7).getString();
  const char* data = st.getColumn(8).getText();
  e.data = (data[0] == '{' && data[1] == '}' && data[2] == '\0') ? json::object() : json::parse(data, nullptr, false);
}

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

  explicit checkpointer(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}
  ~checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  // Installed as the writer connection's WAL hook (replacing SQLite's autocheckpoint).
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages) {
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

 private:
  void run() {
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

  std::string path_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

class sqlite_store final : public store {
 public:
  explicit sqlite_store(const sqlite_options& o)
      // One thread uses a store (its contract), so SQLite's own mutexes are pure cost.
      : db_(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
    db_.setBusyTimeout(o.busy_timeout_ms);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(o.synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec("PRAGMA cache_size=-" + std::to_string(o.cache_kib));
    if (o.background_checkpoints) {
      checkpointer_ = std::make_unique<checkpointer>(o.path);
      sqlite3_wal_hook(db_.getHandle(), &checkpointer::on_commit, checkpointer_.get());
    }
    migrate();
    insert_event_ = std::make_unique<SQLite::Statement>(
        db_, "INSERT INTO events (plan, duty, seq, type, actor, at, note, data) VALUES (?,?,?,?,?,?,?,?)");
    upsert_duty_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT INTO duties (plan, duty, kind, owner, progress, timeliness, version, deadline, updated_at,"
        " finished_at, finished_late, reminded_until) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (plan, duty) DO UPDATE SET kind=excluded.kind, owner=excluded.owner,"
        " progress=excluded.progress, timeliness=excluded.timeliness, version=excluded.version,"
        " deadline=excluded.deadline, updated_at=excluded.updated_at, finished_at=excluded.finished_at,"
        " finished_late=excluded.finished_late,"
        " reminded_until=COALESCE(excluded.reminded_until, duties.reminded_until)");
    // Most writes change an existing duty's state and leave its owner alone: an UPDATE that
    // does not name `owner` spares the owner index (an upsert rewrites every column).
    const char* update_set =
        "progress=?, timeliness=?, version=?, deadline=?, updated_at=?, finished_at=?, finished_late=?,"
        " reminded_until=COALESCE(?, reminded_until)";
    update_duty_ = std::make_unique<SQLite::Statement>(
        db_, std::string("UPDATE duties SET ") + update_set + " WHERE plan=? AND duty=?");
    update_duty_owner_ = std::make_unique<SQLite::Statement>(
        db_, std::string("UPDATE duties SET ") + update_set + ", owner=? WHERE plan=? AND duty=?");
    update_progress_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE duties SET reminded_until=? WHERE plan=? AND duty=?");
    set_watermark_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE meta SET value=? WHERE key='reminders_flushed_through'");
    insert_outbox_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT INTO outbox (key, plan, duty, unit, reason, point, channel, status, attempts, last_error,"
        " created_at, next_attempt, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (point, plan, duty, reason) DO NOTHING");
    insert_idem_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT INTO idempotency (key, fingerprint, plan, duty, version, event_id, answer, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)");
    insert_plan_ = std::make_unique<SQLite::Statement>(
        db_, "INSERT INTO plans (id, version, content, loaded_at) VALUES (?,?,?,?)");
  }

  ~sqlite_store() override {
    if (checkpointer_) sqlite3_wal_hook(db_.getHandle(), nullptr, nullptr);
  }
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  status commit(write_batch& batch) override {
    if (batch.empty()) return ok_status();
    try {
      SQLite::Transaction tx(db_);
      for (const auto& p : batch.plans) {
        auto& st = *insert_plan_;
        st.reset();
        st.bind(1, p.id);
        st.bind(2, p.version);
        st.bind(3, p.content);
        st.bind(4, micros(p.loaded_at));
        st.exec();
      }
      for (auto& e : batch.events) {
        auto& st = *insert_event_;
        st.reset();
        st.bind(1, e.plan);
        st.bind(2, e.duty);
        st.bind(3, e.seq);
        st.bind(4, e.type);
        st.bind(5, e.actor);
        st.bind(6, micros(e.at));
        st.bind(7, e.note);
        st.bind(8, e.data.dump(-1, ' ', false, json::error_handler_t::replace));
        st.exec();
        e.id = db_.getLastInsertRowid();
      }
      for (const auto& d : batch.duties) write_duty(d);
      for (auto& o : batch.outbox) {
        auto& st = *insert_outbox_;
        st.reset();
        st.bind(1, o.key);
        st.bind(2, o.plan);
        st.bind(3, o.duty);
        st.bind(4, o.unit);
        st.bind(5, o.reason);
        st.bind(6, micros(o.point));
        st.bind(7, o.channel);
        st.bind(8, o.status);
        st.bind(9, o.attempts);
        st.bind(10, o.last_error);
        st.bind(11, micros(o.created_at));
        st.bind(12, micros(o.created_at));
        st.bind(13, o.payload.dump(-1, ' ', false, json::error_handler_t::replace));
        o.id = st.exec() == 1 ? db_.getLastInsertRowid() : 0;
      }
      for (auto& k : batch.idempotency) {
        if (k.event_index < batch.events.size()) k.event_id = batch.events[k.event_index].id;
        auto& st = *insert_idem_;
        st.reset();
        st.bind(1, k.key);
        st.bind(2, k.fingerprint);
        st.bind(3, k.plan);
        st.bind(4, k.duty);
        st.bind(5, k.version);
        st.bind(6, k.event_id);
        st.bind(7, k.answer.dump(-1, ' ', false, json::error_handler_t::replace));
        st.bind(8, micros(k.created_at));
        st.exec();
      }
      if (batch.reminders_flushed_through) {
        auto& st = *set_watermark_;
        st.reset();
        st.bind(1, *batch.reminders_flushed_through);
        if (st.exec() != 1) throw std::runtime_error("the meta table has no reminders_flushed_through row");
      }
      tx.commit();
      return ok_status();
    } catch (const std::exception& e) {
      // The transaction rolled back on scope exit; reset statements so the next commit starts clean.
      for (auto* st : {insert_plan_.get(), insert_event_.get(), upsert_duty_.get(), update_duty_.get(),
                       update_duty_owner_.get(), update_progress_.get(), set_watermark_.get(), insert_outbox_.get(),
                       insert_idem_.get()}) {
        try {
          st->reset();
        } catch (const std::exception&) {
        }
      }
      return storage_error("commit failed", e);
    }
  }

  result<std::vector<plan_row>> plans() override {
    try {
      std::vector<plan_row> out;
      SQLite::Statement st(db_, "SELECT id, version, content, loaded_at FROM plans ORDER BY rowid");
      while (st.executeStep()) {
        out.push_back(plan_row{st.getColumn(0).getString(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
                               from_micros(st.getColumn(3).getInt64())});
      }
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading plans failed", e);
    }
  }

  status replay(const std::function<void(const event_row&)>& fn) override {
    try {
      SQLite::Statement st(db_, "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events ORDER BY id");
      event_row e;
      while (st.executeStep()) {
        read_event(st, e);
        fn(e);
      }
      return ok_status();
    } catch (const std::exception& ex) {
      return storage_error("replaying the journal failed", ex);
    }
  }

  status scan_journal(const std::function<void(const event_view&)>& fn) override {
    event_view e;
    return scan_rows("SELECT id, plan, duty, seq, type, at, data FROM events ORDER BY id", "replaying the journal",
                     [&](sqlite3_stmt* row) {
                       e.id = sqlite3_column_int64(row, 0);
                       e.plan = column_view(row, 1);
                       e.duty = column_view(row, 2);
                       e.seq = sqlite3_column_int64(row, 3);
                       e.type = column_view(row, 4);
                       e.at = from_micros(sqlite3_column_int64(row, 5));
                       e.data = column_view(row, 6);
                       fn(e);
                     });
  }

  status scan_duty_rows(const std::function<void(const duty_row_view&)>& fn) override {
    duty_row_view d;
    return scan_rows(
        "SELECT plan, duty, owner, progress, timeliness, version, reminded_until FROM duties ORDER BY plan, duty",
        "reading duties", [&](sqlite3_stmt* row) {
          d.plan = column_view(row, 0);
          d.duty = column_view(row, 1);
          d.owner = column_view(row, 2);
          d.progress = column_view(row, 3);
          d.timeliness = column_view(row, 4);
          d.version = sqlite3_column_int64(row, 5);
          d.reminded_until.reset();
          if (sqlite3_column_type(row, 6) != SQLITE_NULL) d.reminded_until = from_micros(sqlite3_column_int64(row, 6));
          fn(d);
        });
  }

  result<std::vector<event_row>> history(const std::string& plan, const std::string& duty) override {
    try {
      SQLite::Statement st(db_,
                           "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events"
                           " WHERE plan = ? AND duty = ? ORDER BY seq");
      st.bind(1, plan);
      st.bind(2, duty);
      return read_events(st);
    } catch (const std::exception& e) {
      return storage_error("reading history failed", e);
    }
  }

  result<std::vector<duty_row>> duty_rows(const std::string& plan) override {
    try {
      std::vector<duty_row> out;
      SQLite::Statement st(db_,
                           "SELECT plan, duty, kind, owner, progress, timeliness, version, deadline, updated_at,"
                           " finished_at, finished_late, reminded_until FROM duties WHERE plan = ? ORDER BY duty");
      st.bind(1, plan);
      while (st.executeStep()) {
        duty_row d;
        d.plan = st.getColumn(0).getString();
        d.duty = st.getColumn(1).getString();
        d.kind = st.getColumn(2).getString();
        d.owner = st.getColumn(3).getString();
        d.progress = st.getColumn(4).getString();
        d.timeliness = st.getColumn(5).getString();
        d.version = st.getColumn(6).getInt64();
        if (!st.getColumn(7).isNull()) d.deadline = from_micros(st.getColumn(7).getInt64());
        d.updated_at = from_micros(st.getColumn(8).getInt64());
        if (!st.getColumn(9).isNull()) d.finished_at = from_micros(st.getColumn(9).getInt64());
        d.finished_late = st.getColumn(10).getInt() != 0;
        if (!st.getColumn(11).isNull()) d.reminded_until = from_micros(st.getColumn(11).getInt64());
        out.push_back(std::move(d));
      }
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading duties failed", e);
    }
  }

  result<std::vector<outbox_row>> outbox(const outbox_filter& f) override {
    return select_outbox(f, "", 0, " ORDER BY id DESC");
  }

  // The outbox rows matching `f`, plus an optional extra clause with one integer bind.
  result<std::vector<outbox_row>> select_outbox(const outbox_filter& f, const char* extra, std::int64_t extra_value,
                                                const char* order) {
    try {
      std::string sql =
          "SELECT id, key, plan, duty, unit, reason, point, channel, status, attempts, last_error, created_at,"
          " delivered_at, payload FROM outbox WHERE 1=1";
      std::vector<std::string> binds;
      auto add = [&](const std::string& value, const char* clause) {
        if (value.empty()) return;
        sql += clause;
        binds.push_back(value);
      };
      add(f.plan, " AND plan = ?");
      add(f.unit, " AND unit = ?");
      add(f.duty, " AND duty = ?");
      add(f.reason, " AND reason = ?");
      add(f.status, " AND status = ?");
      sql += extra;
      sql += order;
      sql += " LIMIT ?";
      SQLite::Statement st(db_, sql);
      int i = 1;
      for (const auto& b : binds) st.bind(i++, b);
      if (*extra) st.bind(i++, extra_value);
      st.bind(i, f.limit);
      std::vector<outbox_row> out;
      while (st.executeStep()) {
        outbox_row o;
        o.id = st.getColumn(0).getInt64();
        o.key = st.getColumn(1).getString();
        o.plan = st.getColumn(2).getString();
        o.duty = st.getColumn(3).getString();
        o.unit = st.getColumn(4).getString();
        o.reason = st.getColumn(5).getString();
        o.point = from_micros(st.getColumn(6).getInt64());
        o.channel = st.getColumn(7).getString();
        o.status = st.getColumn(8).getString();
        o.attempts = st.getColumn(9).getInt();
        o.last_error = st.getColumn(10).getString();
        o.created_at = from_micros(st.getColumn(11).getInt64());
        if (!st.getColumn(12).isNull()) o.delivered_at = from_micros(st.getColumn(12).getInt64());
        o.payload = json::parse(st.getColumn(13).getString(), nullptr, false);
        out.push_back(std::move(o));
      }
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading the outbox failed", e);
    }
  }

  result<std::int64_t> event_count() override {
    try {
      return db_.execAndGet("SELECT count(*) FROM events").getInt64();
    } catch (const std::exception& e) {
      return storage_error("counting events failed", e);
    }
  }

  result<std::vector<event_row>> events_after(std::int64_t after, int limit) override {
    try {
      SQLite::Statement st(db_,
                           "SELECT id, plan, duty, seq, type, actor, at, note, data FROM events"
                           " WHERE id > ? ORDER BY id LIMIT ?");
      st.bind(1, after);
      st.bind(2, limit);
      return read_events(st);
    } catch (const std::exception& e) {
      return storage_error("reading events failed", e);
    }
  }

  result<std::map<std::string, std::int64_t>> outbox_counts() override {
    try {
      std::map<std::string, std::int64_t> out;
      SQLite::Statement st(db_, "SELECT status, count(*) FROM outbox GROUP BY status");
      while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getInt64();
      return out;
    } catch (const std::exception& e) {
      return storage_error("counting the outbox failed", e);
    }
  }

  result<std::vector<outbox_row>> due_outbox(instant now, int limit) override {
    outbox_filter f;
    f.status = "pending";
    f.limit = limit;
    return select_outbox(f, " AND (next_attempt IS NULL OR next_attempt <= ?)", micros(now), " ORDER BY id ASC");
  }

  result<std::vector<std::int64_t>> record_attempts(const std::vector<attempt_record>& records) override {
    std::vector<std::int64_t> unknown;
    if (records.empty()) return unknown;
    try {
      SQLite::Transaction tx(db_);
      SQLite::Statement st(db_,
                           "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, delivered_at = ?,"
                           " next_attempt = ? WHERE id = ?");
      for (const auto& r : records) {
        st.reset();
        st.bind(1, r.status);
        st.bind(2, r.attempts);
        st.bind(3, r.last_error);
        if (r.delivered_at) st.bind(4, micros(*r.delivered_at));
        else st.bind(4);
        if (r.next_attempt) st.bind(5, micros(*r.next_attempt));
        else st.bind(5);
        st.bind(6, r.id);
        if (st.exec() == 0) unknown.push_back(r.id);
      }
      tx.commit();
      return unknown;
    } catch (const std::exception& e) {
      // The transaction rolled back on scope exit: none of the records is written.
      return storage_error("recording delivery attempts failed", e);
    }
  }

  result<std::vector<idempotency_row>> idempotency(instant since) override {
    try {
      SQLite::Statement purge(db_, "DELETE FROM idempotency WHERE created_at < ?");
      purge.bind(1, micros(since));
      purge.exec();
      std::vector<idempotency_row> out;
      SQLite::Statement st(db_,
                           "SELECT key, fingerprint, plan, duty, version, event_id, answer, created_at FROM idempotency");
      while (st.executeStep()) {
        idempotency_row r;
        r.key = st.getColumn(0).getString();
        r.fingerprint = st.getColumn(1).getString();
        r.plan = st.getColumn(2).getString();
        r.duty = st.getColumn(3).getString();
        r.version = st.getColumn(4).getInt64();
        r.event_id = st.getColumn(5).getInt64();
        r.answer = json::parse(st.getColumn(6).getString(), nullptr, false);
        r.created_at = from_micros(st.getColumn(7).getInt64());
        out.push_back(std::move(r));
      }
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading idempotency keys failed", e);
    }
  }

  result<reminder_progress> unflushed_reminders() override {
    try {
      reminder_progress out;
      out.flushed_through =
          db_.execAndGet("SELECT value FROM meta WHERE key='reminders_flushed_through'").getInt64();
      out.last_outbox_id = db_.execAndGet("SELECT COALESCE(MAX(id), 0) FROM outbox").getInt64();
      // A range of the primary key: only the rows written since the last flush are read.
      SQLite::Statement st(db_,
                           "SELECT plan, duty, MAX(point) FROM outbox WHERE id > ? AND"
                           " (reason IN ('reminder', 'catch_up') OR"
                           "  (reason = 'overdue' AND json_extract(payload, '$.repeat') IS NOT NULL))"
                           " GROUP BY plan, duty");
      st.bind(1, out.flushed_through);
      while (st.executeStep())
        out.duties.push_back(reminder_progress::duty_point{st.getColumn(0).getString(), st.getColumn(1).getString(),
                                                           from_micros(st.getColumn(2).getInt64())});
      return out;
    } catch (const std::exception& e) {
      return storage_error("reading the reminders' progress failed", e);
    }
  }

 private:
  // The restart's full-table reads (scan_journal, scan_duty_rows) go straight from SQLite's
  // row buffers through the C API: SQLiteCpp copies each column into a Column, and for a
  // read of every event and every duty the copies were most of the time. `row` gets the
  // statement on each row; column_view() is valid until the next step.
  template <class Row>
  status scan_rows(const char* sql, const char* what, Row&& row) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.getHandle(), sql, -1, &raw, nullptr) != SQLITE_OK)
      return make_error(errc::storage, std::string(what) + " failed: " + sqlite3_errmsg(db_.getHandle()));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(raw, sqlite3_finalize);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) row(raw);
    if (rc != SQLITE_DONE)
      return make_error(errc::storage, std::string(what) + " failed: " + sqlite3_errmsg(db_.getHandle()));
    return ok_status();
  }
  static std::string_view column_view(sqlite3_stmt* row, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(row, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(row, col))) : std::string_view{};
  }

  // Throws (rolling the transaction back) if an update finds no row: the engine and the
  // table disagree, and committing half of that would hide it.
  void write_duty(const duty_row& d) {
    // The state columns, in the order both statements list them, from `at` on.
    auto bind_state = [&d](SQLite::Statement& st, int at) {
      auto bind_opt = [&st](int i, const std::optional<instant>& t) {
        if (t) st.bind(i, micros(*t));
        else st.bind(i);
      };
      st.bind(at, d.progress);
      st.bind(at + 1, d.timeliness);
      st.bind(at + 2, d.version);
      bind_opt(at + 3, d.deadline);
      st.bind(at + 4, micros(d.updated_at));
      bind_opt(at + 5, d.finished_at);
      st.bind(at + 6, d.finished_late ? 1 : 0);
      bind_opt(at + 7, d.reminded_until);
      return at + 8;
    };
    if (d.write == duty_row::how::progress) {
      auto& st = *update_progress_;
      st.reset();
      if (d.reminded_until) st.bind(1, micros(*d.reminded_until));
      else st.bind(1);
      st.bind(2, d.plan);
      st.bind(3, d.duty);
      if (st.exec() != 1) throw std::runtime_error("no duties row for " + d.plan + "/" + d.duty);
      return;
    }
    if (d.write == duty_row::how::upsert) {
      auto& st = *upsert_duty_;
      st.reset();
      st.bind(1, d.plan);
      st.bind(2, d.duty);
      st.bind(3, d.kind);
      st.bind(4, d.owner);
      bind_state(st, 5);
      st.exec();
      return;
    }
    const bool with_owner = d.write == duty_row::how::update_owner;
    auto& st = with_owner ? *update_duty_owner_ : *update_duty_;
    st.reset();
    int i = bind_state(st, 1);
    if (with_owner) st.bind(i++, d.owner);
    st.bind(i++, d.plan);
    st.bind(i, d.duty);
    if (st.exec() != 1) throw std::runtime_error("no duties row for " + d.plan + "/" + d.duty);
  }

  static std::vector<event_row> read_events(SQLite::Statement& st) {
    std::vector<event_row> out;
    while (st.executeStep()) {
      event_row e;
      read_event(st, e);
      out.push_back(std::move(e));
    }
    return out;
  }

  void migrate() {
    int version = db_.execAndGet("PRAGMA user_version").getInt();
    if (version > static_cast<int>(migrations.size()))
      throw std::runtime_error("database schema version " + std::to_string(version) +
                               " is newer than this dutyflow understands (" + std::to_string(migrations.size()) + ")");
    for (auto v = static_cast<std::size_t>(version); v < migrations.size(); ++v) {
      SQLite::Transaction tx(db_);
      db_.exec(migrations[v]);
      db_.exec("PRAGMA user_version = " + std::to_string(v + 1));
      tx.commit();
      spdlog::info("store: migrated schema to version {}", v + 1);
    }
  }

  SQLite::Database db_;
  // Declared after db_: destroyed (joined) before the writer connection closes.
  std::unique_ptr<checkpointer> checkpointer_;
  std::unique_ptr<SQLite::Statement> insert_event_, upsert_duty_, update_duty_, update_duty_owner_, update_progress_,
      set_watermark_, insert_outbox_, insert_plan_, insert_idem_;
};

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

result<std::vector<event_row>> store::events_after(std::int64_t after, int limit) {
  std::vector<event_row> out;
  auto s = replay([&](const event_row& e) {
    if (e.id > after && static_cast<int>(out.size()) < limit) out.push_back(e);
  });
  if (!s) return s.err();
  return out;
}

status store::record_attempt(std::int64_t id, const std::string& outcome, int attempts, const std::string& last_error,
                             std::optional<instant> delivered_at, std::optional<instant> next_attempt) {
  auto unknown = record_attempts({attempt_record{id, outcome, attempts, last_error, delivered_at, next_attempt}});
  if (!unknown) return unknown.err();
  if (!unknown->empty()) return make_error(errc::not_found, "no outbox row " + std::to_string(id));
  return ok_status();
}

status store::scan_journal(const std::function<void(const event_view&)>& fn) {
  return replay([&](const event_row& e) {
    const std::string data = e.data.dump(-1, ' ', false, json::error_handler_t::replace);
    fn(event_view{e.id, e.plan, e.duty, e.seq, e.type, e.at, data});
  });
}

status store::scan_duty_rows(const std::function<void(const duty_row_view&)>& fn) {
  auto rows = plans();
  if (!rows) return rows.err();
  std::vector<std::string> ids;
  for (const auto& r : *rows) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    auto duties = duty_rows(id);
    if (!duties) return duties.err();
    for (const auto& d : *duties)
      fn(duty_row_view{d.plan, d.duty, d.owner, d.progress, d.timeliness, d.version, d.reminded_until});
  }
  return ok_status();
}

result<std::map<std::string, std::int64_t>> store::outbox_counts() {
  outbox_filter all;
  all.limit = std::numeric_limits<int>::max();
  auto rows = outbox(all);
  if (!rows) return rows.err();
  std::map<std::string, std::int64_t> out;
  for (const auto& r : *rows) ++out[r.status];
  return out;
}

int sqlite_schema_version() { return static_cast<int>(migrations.size()); }

result<std::unique_ptr<store>> open_sqlite_store(const sqlite_options& options) {
  // The journal holds every note and name: a new database file is the owner's alone
  // (SQLite gives its -wal and -shm files the same mode).
  if (!options.path.empty() && options.path != ":memory:" && !options.path.starts_with("file:")) {
    const int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  try {
    return std::unique_ptr<store>(std::make_unique<sqlite_store>(options));
  } catch (const std::exception& e) {
    return make_error(errc::storage, "cannot open store " + options.path + ": " + e.what());
  }
}

}  // namespace dutyflow

namespace dutyflow {

result<std::unique_ptr<journal_reader>> open_sqlite_journal_reader(const std::string& path) {
  try {
    return std::unique_ptr<journal_reader>(std::make_unique<sqlite_journal_reader>(path));
  } catch (const std::exception& e) {
    return make_error(errc::storage, "cannot open the journal " + path + " for reading: " + e.what());
  }
}

}  // namespace dutyflow

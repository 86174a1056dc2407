// The SQLite store (store.h): the embedded default backend, one writer connection used
// from one thread (the engine's strand, or the dispatcher's thread for its own store).
// Schema and migrations: sqlite_schema.cpp; WAL checkpoints: sqlite_checkpointer.cpp.
#include "engine/sqlite_internal.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace dutyflow {
namespace {

using nlohmann::json;
using sqlite_detail::checkpointer;
using sqlite_detail::from_micros;
using sqlite_detail::micros;
using sqlite_detail::migrate;
using sqlite_detail::read_event;
using sqlite_detail::read_outbox_status;
using sqlite_detail::storage_error;

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
    migrate(db_);
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
        " reminded_until=COALESCE(excluded.reminded_until, duties.reminded_until)"
        " WHERE duties.version = COALESCE(?, duties.version)");
    // Most writes change an existing duty's state and leave its owner alone: an UPDATE that
    // does not name `owner` spares the owner index (an upsert rewrites every column).
    const char* update_set =
        "progress=?, timeliness=?, version=?, deadline=?, updated_at=?, finished_at=?, finished_late=?,"
        " reminded_until=COALESCE(?, reminded_until)";
    // The compare-and-set on the version (duty_row::expected_version; NULL: no check) is
    // one more comparison on the row the primary key finds.
    const char* where = " WHERE plan=? AND duty=? AND version = COALESCE(?, version)";
    update_duty_ = std::make_unique<SQLite::Statement>(db_, std::string("UPDATE duties SET ") + update_set + where);
    update_duty_owner_ =
        std::make_unique<SQLite::Statement>(db_, std::string("UPDATE duties SET ") + update_set + ", owner=?" + where);
    update_progress_ = std::make_unique<SQLite::Statement>(db_, std::string("UPDATE duties SET reminded_until=?") + where);
    duty_version_ = std::make_unique<SQLite::Statement>(db_, "SELECT version FROM duties WHERE plan=? AND duty=?");
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
        st.bind(8, std::string(outbox_status_name(o.status)));
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
    } catch (const moved_duty& m) {
      reset_statements();
      return make_error(errc::conflict,
                        "duty " + m.plan + "/" + m.duty + " is at version " + std::to_string(m.stored) +
                            " in the store, not " + std::to_string(m.expected) + "; nothing was written",
                        nlohmann::json{{"plan", m.plan}, {"duty", m.duty}, {"version", m.stored}});
    } catch (const std::exception& e) {
      reset_statements();
      return storage_error("commit failed", e);
    }
  }

  result<std::optional<plan_row>> stored_plan(const std::string& id) override {
    try {
      SQLite::Statement st(db_, "SELECT id, version, content, loaded_at FROM plans WHERE id = ?");
      st.bind(1, id);
      if (!st.executeStep()) return std::optional<plan_row>{};
      return std::optional<plan_row>(plan_row{st.getColumn(0).getString(), st.getColumn(1).getInt64(),
                                              st.getColumn(2).getString(), from_micros(st.getColumn(3).getInt64())});
    } catch (const std::exception& e) {
      return storage_error("reading a plan failed", e);
    }
  }

  // One process holds the file: it always leads.
  result<lease> scheduler_lease(instant) override { return lease{true, std::nullopt}; }

  store_capabilities capabilities() const override {
    // One writer, rowids max+1: outbox ids follow commit order (the reminder watermark's need).
    return store_capabilities{.multi_node = false, .group_commit = false, .outbox_ids_in_commit_order = true};
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

  status scan(const std::function<void(const event_view&)>& fn) override {
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
        o.status = read_outbox_status(st.getColumn(8).getString());
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

  result<std::vector<outbox_row>> claim_due(instant now, int limit) override {
    outbox_filter f;
    f.status = outbox_status_name(outbox_status::pending);
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
        st.bind(1, std::string(outbox_status_name(r.status)));
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
  // The restart's full-table reads (scan, scan_duty_rows) go straight from SQLite's
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

  // A duty row whose stored version is not the one the batch expected (commit's conflict).
  struct moved_duty {
    std::string plan, duty;
    std::int64_t expected = 0, stored = 0;
  };

  void reset_statements() {
    // The transaction rolled back on scope exit; reset statements so the next commit starts clean.
    for (auto* st : {insert_plan_.get(), insert_event_.get(), upsert_duty_.get(), update_duty_.get(),
                     update_duty_owner_.get(), update_progress_.get(), duty_version_.get(), set_watermark_.get(),
                     insert_outbox_.get(), insert_idem_.get()}) {
      try {
        st->reset();
      } catch (const std::exception&) {
      }
    }
  }

  // After a write of `d` that changed no row: throws moved_duty if the row is there at
  // another version than expected, else (no row: the engine and the table disagree, and
  // committing half of that would hide it) a storage error. Either rolls the batch back.
  [[noreturn]] void refuse_write(const duty_row& d) {
    auto& st = *duty_version_;
    st.reset();
    st.bind(1, d.plan);
    st.bind(2, d.duty);
    if (d.expected_version && st.executeStep()) {
      const auto stored = st.getColumn(0).getInt64();
      st.reset();
      throw moved_duty{d.plan, d.duty, *d.expected_version, stored};
    }
    st.reset();
    throw std::runtime_error("no duties row for " + d.plan + "/" + d.duty);
  }

  void bind_expected(SQLite::Statement& st, int at, const duty_row& d) {
    if (d.expected_version) st.bind(at, *d.expected_version);
    else st.bind(at);
  }

  // Throws (rolling the transaction back) if a write changes no row: see refuse_write().
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
      bind_expected(st, 4, d);
      if (st.exec() != 1) refuse_write(d);
      return;
    }
    if (d.write == duty_row::how::upsert) {
      auto& st = *upsert_duty_;
      st.reset();
      st.bind(1, d.plan);
      st.bind(2, d.duty);
      st.bind(3, d.kind);
      st.bind(4, d.owner);
      bind_expected(st, bind_state(st, 5), d);
      if (st.exec() != 1) refuse_write(d);  // an existing row at another version than expected
      return;
    }
    const bool with_owner = d.write == duty_row::how::update_owner;
    auto& st = with_owner ? *update_duty_owner_ : *update_duty_;
    st.reset();
    int i = bind_state(st, 1);
    if (with_owner) st.bind(i++, d.owner);
    st.bind(i++, d.plan);
    st.bind(i++, d.duty);
    bind_expected(st, i, d);
    if (st.exec() != 1) refuse_write(d);
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

  SQLite::Database db_;
  // Declared after db_: destroyed (joined) before the writer connection closes.
  std::unique_ptr<checkpointer> checkpointer_;
  std::unique_ptr<SQLite::Statement> insert_event_, upsert_duty_, update_duty_, update_duty_owner_, update_progress_,
      duty_version_, set_watermark_, insert_outbox_, insert_plan_, insert_idem_;
};

}  // namespace

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

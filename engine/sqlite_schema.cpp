// The SQLite store's schema: the migrations from an empty file to this build's version,
// and the conversions of stored columns every SQLite file of the backend shares.
// Called by sqlite_store.cpp when the store opens, on the thread that opens it.
#include "engine/sqlite_internal.h"

#include <spdlog/spdlog.h>

#include <array>
#include <stdexcept>

namespace dutyflow {
namespace sqlite_detail {
namespace {


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
    // to this id are reflected in duties.reminded_until (journal::unflushed_reminders). A
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

}  // namespace

void migrate(SQLite::Database& db) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > static_cast<int>(migrations.size()))
    throw std::runtime_error("database schema version " + std::to_string(version) +
                             " is newer than this dutyflow understands (" + std::to_string(migrations.size()) + ")");
  for (auto v = static_cast<std::size_t>(version); v < migrations.size(); ++v) {
    SQLite::Transaction tx(db);
    db.exec(migrations[v]);
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
    spdlog::info("store: migrated schema to version {}", v + 1);
  }
}

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
  e.data = (data[0] == '{' && data[1] == '}' && data[2] == '\0') ? nlohmann::json::object()
                                                                  : nlohmann::json::parse(data, nullptr, false);
}

outbox_status read_outbox_status(const std::string& text) {
  if (auto s = parse_outbox_status(text)) return *s;
  throw std::runtime_error("unknown outbox status \"" + text + "\"");
}

}  // namespace sqlite_detail

int sqlite_schema_version() { return static_cast<int>(sqlite_detail::migrations.size()); }

}  // namespace dutyflow

// What tests read of a store beyond its interfaces: every column of the duties rows (the
// store hands the engine only what a restart checks), every event of the journal, and one
// delivery attempt recorded at a time. Test code only; same thread rules as the store.
#pragma once

#include "engine/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace dutyflow {

// How GoogleTest prints a status in a failed expectation.
inline void PrintTo(outbox_status s, std::ostream* os) { *os << outbox_status_name(s); }

}  // namespace dutyflow

namespace dutyflow::testing {

// The duties rows of `plan`, every column, ordered by duty, read on a connection of its
// own from the SQLite file at `path` (which sees every commit of the store's).
inline result<std::vector<duty_row>> duty_rows(const std::string& path, const std::string& plan) {
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement st(db,
                         "SELECT plan, duty, kind, owner, progress, timeliness, version, deadline, updated_at,"
                         " finished_at, finished_late, reminded_until FROM duties WHERE plan = ? ORDER BY duty");
    st.bind(1, plan);
    auto at = [&](int col) { return instant{std::chrono::microseconds{st.getColumn(col).getInt64()}}; };
    std::vector<duty_row> out;
    while (st.executeStep()) {
      duty_row d;
      d.plan = st.getColumn(0).getString();
      d.duty = st.getColumn(1).getString();
      d.kind = st.getColumn(2).getString();
      d.owner = st.getColumn(3).getString();
      d.progress = st.getColumn(4).getString();
      d.timeliness = st.getColumn(5).getString();
      d.version = st.getColumn(6).getInt64();
      if (!st.getColumn(7).isNull()) d.deadline = at(7);
      d.updated_at = at(8);
      if (!st.getColumn(9).isNull()) d.finished_at = at(9);
      d.finished_late = st.getColumn(10).getInt() != 0;
      if (!st.getColumn(11).isNull()) d.reminded_until = at(11);
      out.push_back(std::move(d));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::storage, std::string("reading duties failed: ") + e.what());
  }
}

// Every event of the journal, whole, in journal order.
inline result<std::vector<event_row>> all_events(journal& j) {
  return j.events_after(0, std::numeric_limits<int>::max());
}

// record_attempts() of one record. errc::not_found for an unknown id.
inline status record_attempt(outbox_queue& q, std::int64_t id, outbox_status outcome, int attempts,
                             const std::string& last_error, std::optional<instant> delivered_at,
                             std::optional<instant> next_attempt) {
  auto unknown = q.record_attempts({attempt_record{id, outcome, attempts, last_error, delivered_at, next_attempt}});
  if (!unknown) return unknown.err();
  if (!unknown->empty()) return make_error(errc::not_found, "no outbox row " + std::to_string(id));
  return ok_status();
}

}  // namespace dutyflow::testing

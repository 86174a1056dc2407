// What a store backend can do, and coordination between dutyflowd processes sharing one.
// The SQLite backend is for one process: it holds the file, so it always leads and says
// "single node" in its capabilities. A multi-node backend (PostgreSQL, a later issue) hands
// the scheduler's lease to one process at a time and says what else it offers.
//
// Asked by the engine on its strand when it opens, through its store: not thread-safe.
// Errors are values (errc::storage), never exceptions.
#pragma once

#include "engine/status.h"
#include "engine/time.h"

#include <optional>

namespace dutyflow {

struct store_capabilities {
  // Several dutyflowd processes may use the store at once. SQLite: no (one process, one file).
  bool multi_node = false;
  // Concurrent commits share one sync to disk in the backend. SQLite: no (one writer; the
  // engine's runner batches commands into one transaction itself).
  bool group_commit = false;
  // Outbox row ids grow in commit order: a row committed after another has a larger id.
  // The reminder watermark (write_batch::reminders_flushed_through, engine::flush_progress)
  // relies on it: "every reminder row up to id N is reflected in the duties table" is
  // only true if no row with a smaller id can commit later. SQLite: yes (one writer, ids
  // are max+1). A backend with concurrent writers (sequence values taken before commit)
  // would say no, and the engine refuses to open on it until the watermark is replaced.
  bool outbox_ids_in_commit_order = true;
};

// The right to run the scheduler (send reminders, fire deadline points, flush progress).
struct lease {
  bool held = false;
  std::optional<instant> until;  // when the lease must be renewed; nullopt: as long as the process runs
};

class coordination {
 public:
  virtual ~coordination() = default;
  // Takes or renews the scheduler's lease for this process at `now`.
  virtual result<lease> scheduler_lease(instant now) = 0;
  // What the backend can do; constant for the life of the store.
  virtual store_capabilities capabilities() const = 0;
};

}  // namespace dutyflow

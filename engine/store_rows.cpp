#include "engine/store_rows.h"

namespace dutyflow {

// The one table of outbox status names: the store's column, the API's "status" and the
// /metrics label all use these.
std::string_view outbox_status_name(outbox_status s) {
  switch (s) {
    case outbox_status::pending: return "pending";
    case outbox_status::delivered: return "delivered";
    case outbox_status::failed: return "failed";
    case outbox_status::skipped: return "skipped";
  }
  return "pending";
}

std::optional<outbox_status> parse_outbox_status(std::string_view name) {
  for (auto s : outbox_statuses)
    if (outbox_status_name(s) == name) return s;
  return std::nullopt;
}

}  // namespace dutyflow

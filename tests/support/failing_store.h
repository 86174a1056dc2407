// A store that forwards to a real one but fails its commits on demand, to prove that a
// failed write changes nothing in the engine either.
#pragma once

#include "engine/store.h"

namespace dutyflow::testing {

class failing_store final : public store {
 public:
  explicit failing_store(store& real) : real_(real) {}
  bool fail_commits = false;

  status commit(write_batch& b) override {
    if (fail_commits) return make_error(errc::storage, "disk I/O error (injected)");
    return real_.commit(b);
  }
  result<std::vector<plan_row>> plans() override { return real_.plans(); }
  status replay(const std::function<void(const event_row&)>& fn) override { return real_.replay(fn); }
  result<std::vector<event_row>> history(const std::string& p, const std::string& d) override { return real_.history(p, d); }
  result<std::vector<duty_row>> duty_rows(const std::string& p) override { return real_.duty_rows(p); }
  result<std::vector<outbox_row>> outbox(const outbox_filter& f) override { return real_.outbox(f); }
  result<std::int64_t> event_count() override { return real_.event_count(); }
  result<std::vector<outbox_row>> due_outbox(instant now, int limit) override { return real_.due_outbox(now, limit); }
  status record_attempt(std::int64_t id, const std::string& s, int attempts, const std::string& last_error,
                        std::optional<instant> delivered_at, std::optional<instant> next_attempt) override {
    return real_.record_attempt(id, s, attempts, last_error, delivered_at, next_attempt);
  }
  result<std::vector<idempotency_row>> idempotency(instant since) override { return real_.idempotency(since); }

 private:
  store& real_;
};

}  // namespace dutyflow::testing

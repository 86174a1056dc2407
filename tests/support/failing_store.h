// A store that forwards to a real one but fails its commits and its recorded delivery
// attempts on demand, to prove that a failed write changes nothing in the engine or the
// notifier either, and counts the attempt transactions that reach the real store. The
// flags and counters may be read and set from another thread than the store's user (a
// test beside the dispatcher's thread).
#pragma once

#include <atomic>
#include <memory>

#include "engine/store.h"

namespace dutyflow::testing {

class failing_store final : public store {
 public:
  explicit failing_store(store& real) : real_(real) {}
  // Owns the real store too (the dispatcher takes its queue by unique_ptr).
  explicit failing_store(std::unique_ptr<store> real) : owned_(std::move(real)), real_(*owned_) {}
  bool fail_commits = false;
  // record_attempts() fails as a storage error would, writing none of the batch.
  std::atomic<bool> fail_attempts{false};
  // record_attempts() calls that reached the real store, and the records they carried.
  std::atomic<int> attempt_transactions{0};
  std::atomic<int> attempts_recorded{0};
  // record_attempts() calls refused by fail_attempts.
  std::atomic<int> attempts_refused{0};

  // journal
  status commit(write_batch& b) override {
    if (fail_commits) return make_error(errc::storage, "disk I/O error (injected)");
    return real_.commit(b);
  }
  result<std::vector<plan_row>> plans() override { return real_.plans(); }
  status scan(const std::function<void(const event_view&)>& fn) override { return real_.scan(fn); }
  result<std::vector<event_row>> events_after(std::int64_t after, int limit) override {
    return real_.events_after(after, limit);
  }
  result<std::vector<event_row>> history(const std::string& p, const std::string& d) override { return real_.history(p, d); }
  status scan_duty_rows(const std::function<void(const duty_row_view&)>& fn) override { return real_.scan_duty_rows(fn); }
  result<std::int64_t> event_count() override { return real_.event_count(); }
  result<std::vector<idempotency_row>> idempotency(instant since) override { return real_.idempotency(since); }
  result<reminder_progress> unflushed_reminders() override { return real_.unflushed_reminders(); }

  // outbox_queue
  result<std::vector<outbox_row>> claim_due(instant now, int limit) override { return real_.claim_due(now, limit); }
  result<std::vector<std::int64_t>> record_attempts(const std::vector<attempt_record>& records) override {
    if (fail_attempts) {
      ++attempts_refused;
      return make_error(errc::storage, "disk I/O error (injected)");
    }
    auto unknown = real_.record_attempts(records);
    if (unknown && !records.empty()) {
      ++attempt_transactions;
      attempts_recorded += static_cast<int>(records.size());
    }
    return unknown;
  }
  result<std::optional<plan_row>> stored_plan(const std::string& id) override { return real_.stored_plan(id); }
  result<std::vector<outbox_row>> outbox(const outbox_filter& f) override { return real_.outbox(f); }
  result<std::map<std::string, std::int64_t>> outbox_counts() override { return real_.outbox_counts(); }

  // coordination
  result<lease> scheduler_lease(instant now) override { return real_.scheduler_lease(now); }
  store_capabilities capabilities() const override { return real_.capabilities(); }

 private:
  std::unique_ptr<store> owned_;
  store& real_;
};

}  // namespace dutyflow::testing

#include "adapters/notify/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/plan.h"

namespace dutyflow::notify {

using steady = std::chrono::steady_clock;

std::chrono::microseconds backoff_delay(const retry_options& options, int failed_attempts, double unit_random) {
  using std::chrono::microseconds;
  const double initial = static_cast<double>(std::chrono::duration_cast<microseconds>(options.initial_backoff).count());
  const double cap = static_cast<double>(std::chrono::duration_cast<microseconds>(options.max_backoff).count());
  const int doublings = std::clamp(failed_attempts - 1, 0, 62);
  double base = std::min(cap, initial * std::pow(2.0, doublings));
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  double wait = base * (1.0 - jitter + 2.0 * jitter * u);
  wait = std::clamp(wait, 0.0, cap);
  return microseconds(static_cast<std::int64_t>(wait));
}

struct dispatcher::job {
  std::int64_t row = 0;
  std::size_t index = 0;  // of the contact in the unit's list
  contact to;
  std::shared_ptr<const message> msg;
  std::shared_ptr<channel> via;
};

struct dispatcher::outcome {
  std::int64_t row = 0;
  std::size_t index = 0;
  contact to;
  delivery result;
};

struct dispatcher::in_flight {
  outbox_row row;
  std::size_t outstanding = 0;
  std::size_t contacts = 0;
  std::vector<std::string> errors;
  std::vector<std::string> skipped;  // contacts nothing could carry, with why
  bool permanent = false;
};

// A row whose round is over: the attempt to record, and what to log and count once it is.
struct dispatcher::settled {
  outbox_row row;
  std::size_t contacts = 0;
  attempt_record record;
};

// One destination's queue and the thread that works it, one delivery at a time.
struct dispatcher::lane {
  std::string key;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<job> queue;
  bool stopping = false;
  std::thread thread;
};

dispatcher::dispatcher(dispatcher_options options, std::unique_ptr<outbox_queue> db, const kind_registry& kinds,
                       const clock_source& clock, template_set templates, std::shared_ptr<const security::link_tokens> links,
                       channel_map channels)
    : options_(std::move(options)),
      db_(std::move(db)),
      kinds_(kinds),
      clock_(clock),
      templates_(std::move(templates)),
      links_(std::move(links)),
      channels_(std::move(channels)) {}

dispatcher::~dispatcher() {
  stop();
}

void dispatcher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void dispatcher::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

dispatcher_stats dispatcher::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool dispatcher::wait_recorded(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = steady::now() + limit;
  std::unique_lock lock(mutex_);
  for (;;) {
    // The round count is read before `done` runs: a round that ends while it runs wakes
    // the wait below instead of being missed.
    const auto seen = rounds_;
    lock.unlock();
    if (done()) return true;
    lock.lock();
    if (!recorded_.wait_until(lock, until, [&] { return rounds_ != seen; })) {
      lock.unlock();
      return done();
    }
  }
}

void dispatcher::run() {
  auto next_poll = steady::now();
  bool stop_seen = false;
  auto grace_end = steady::time_point::max();
  for (;;) {
    std::deque<outcome> got;
    bool stopping = false, poked = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, stop_seen ? grace_end : next_poll,
                       [&] { return !outcomes_.empty() || poked_ || (stopping_ && !stop_seen); });
      got.swap(outcomes_);
      stopping = stopping_;
      poked = poked_;
      poked_ = false;
    }
    const auto now = clock_.now();
    for (auto& o : got) on_outcome(std::move(o), now);
    if (stopping) {
      if (!stop_seen) {
        stop_seen = true;
        grace_end = steady::now() + options_.stop_grace;
      }
      record_settled();
      if (in_flight_.empty() || steady::now() >= grace_end) break;
      continue;
    }
    if (poked || steady::now() >= next_poll) {
      // A settled row stays pending in the store until its attempt is recorded: reading
      // the outbox first would begin it again, and send a failed contact it before its
      // backoff.
      record_settled();
      poll(now);
      next_poll = steady::now() + options_.poll_interval;
    }
    // The round is over when nothing is under way; a dead destination can keep one row
    // under way for long, and then the poll above records the others.
    if (in_flight_.empty()) record_settled();
  }
  if (!in_flight_.empty())
    spdlog::warn("notify: stopping with {} notification(s) under way; they stay pending and go out after the restart",
                 in_flight_.size());
  cancel_ = true;
  for (auto& [key, l] : lanes_) {
    {
      std::lock_guard lock(l->mutex);
      l->stopping = true;
    }
    l->wake.notify_all();
  }
  for (auto& [key, l] : lanes_)
    if (l->thread.joinable()) l->thread.join();
  lanes_.clear();
}

void dispatcher::poll(instant now) {
  // Rows under way are still pending in the store and come back first; ask for enough
  // to see `batch` new ones past them, so a stuck destination never hides the others.
  const int limit = options_.batch + static_cast<int>(in_flight_.size());
  auto rows = db_->claim_due(now, limit);
  if (!rows) {
    spdlog::error("notify: cannot read the outbox: {}", rows.err().message);
    return;
  }
  for (const auto& row : *rows)
    if (!in_flight_.contains(row.id)) begin(row, now);
}

std::shared_ptr<const plan> dispatcher::find_plan(const std::string& id) {
  if (auto it = plans_.find(id); it != plans_.end()) return it->second;
  // Plans are immutable once loaded, so a cached one never goes stale; a new plan is
  // read when a row first names it.
  auto row = db_->stored_plan(id);
  if (!row) {
    spdlog::error("notify: cannot read plans: {}", row.err().message);
    return nullptr;
  }
  if (!*row) return nullptr;
  const auto& r = **row;
  auto doc = nlohmann::json::parse(r.content, nullptr, false);
  if (doc.is_discarded()) return nullptr;
  auto loaded = load_plan(doc, kinds_, plan_limits::none());  // checked when it was first loaded
  if (!loaded) {
    spdlog::error("notify: stored plan {} does not load: {}", r.id, loaded.err().message);
    return nullptr;
  }
  return plans_[r.id] = loaded->value;
}

dispatcher::lane& dispatcher::lane_for(const std::string& key) {
  auto it = lanes_.find(key);
  if (it != lanes_.end()) return *it->second;
  auto l = std::make_unique<lane>();
  l->key = key;
  lane* self = l.get();
  l->thread = std::thread([this, self] {
    for (;;) {
      job j;
      {
        std::unique_lock lock(self->mutex);
        self->wake.wait(lock, [&] { return self->stopping || !self->queue.empty(); });
        if (self->stopping) return;
        j = std::move(self->queue.front());
        self->queue.pop_front();
      }
      auto result = j.via->deliver(*j.msg, j.to, clock_.now(), cancel_);
      {
        std::lock_guard lock(mutex_);
        outcomes_.push_back(outcome{j.row, j.index, std::move(j.to), std::move(result)});
      }
      wake_.notify_all();
    }
  });
  return *lanes_.emplace(key, std::move(l)).first->second;
}

void dispatcher::begin(const outbox_row& row, instant now) {
  auto f = std::make_unique<in_flight>();
  f->row = row;
  auto p = find_plan(row.plan);
  if (!p) {
    f->errors.push_back("plan " + row.plan + " is not in the store");
    f->permanent = true;
    finish(*f, now);
    return;
  }
  auto composed = compose(row, *p, templates_, links_.get(), options_.compose);
  if (!composed) {
    f->errors.push_back(composed.err().message);
    f->permanent = true;
    finish(*f, now);
    return;
  }
  auto msg = std::make_shared<const message>(std::move(*composed));
  const auto contacts = contacts_of(*p, row.unit, row.channel);
  f->contacts = contacts.size();
  const auto& sent = sent_[row.id];
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    if (sent.contains(i)) continue;  // took it on an earlier attempt of this run
    auto via = channels_.find(contacts[i].channel);
    if (via == channels_.end() || !via->second) {
      f->errors.push_back("no channel \"" + contacts[i].channel + "\"");
      f->permanent = true;
      continue;
    }
    auto& l = lane_for(via->second->lane(contacts[i]));
    {
      std::lock_guard lock(l.mutex);
      l.queue.push_back(job{row.id, i, contacts[i], msg, via->second});
    }
    l.wake.notify_one();
    ++f->outstanding;
  }
  if (f->outstanding == 0) {
    finish(*f, now);
    return;
  }
  in_flight_[row.id] = std::move(f);
}

void dispatcher::on_outcome(outcome&& o, instant now) {
  auto it = in_flight_.find(o.row);
  if (it == in_flight_.end()) return;
  auto& f = *it->second;
  if (o.result.ok) {
    sent_[o.row].insert(o.index);
    std::lock_guard lock(mutex_);
    ++stats_.sends;
  } else if (o.result.skipped) {
    f.skipped.push_back(o.to.describe() + ": " + o.result.error);
  } else {
    f.errors.push_back(o.to.describe() + ": " + o.result.error);
    if (o.result.permanent) f.permanent = true;
  }
  if (--f.outstanding > 0) return;
  auto done = std::move(it->second);
  in_flight_.erase(it);
  finish(*done, now);
}

void dispatcher::finish(in_flight& f, instant now) {
  const auto& row = f.row;
  const int attempts = row.attempts + 1;
  std::string last_error;
  for (const auto& e : f.errors) last_error += (last_error.empty() ? "" : "; ") + e;
  if (last_error.size() > 1000) last_error.resize(1000);

  attempt_record r{row.id, outbox_status::pending, attempts, "", std::nullopt, std::nullopt};
  std::string skipped;
  for (const auto& s : f.skipped) skipped += (skipped.empty() ? "" : "; ") + s;
  if (skipped.size() > 1000) skipped.resize(1000);
  const auto took = sent_.find(row.id);
  const bool none_took = took == sent_.end() || took->second.empty();
  if (f.errors.empty() && !f.skipped.empty() && none_took) {
    // No contact could be reached by any channel: record it as skipped, not delivered.
    r.status = outbox_status::skipped;
    r.last_error = std::move(skipped);
  } else if (f.errors.empty()) {
    r.status = outbox_status::delivered;
    r.delivered_at = now;
    r.last_error = std::move(skipped);  // the contacts it did not reach, if any
  } else if (f.permanent || attempts >= options_.retry.max_attempts) {
    r.status = outbox_status::failed;
    r.last_error = std::move(last_error);
  } else {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    r.status = outbox_status::pending;
    r.last_error = std::move(last_error);
    r.next_attempt = now + backoff_delay(options_.retry, attempts, u);
  }
  settled_.push_back(settled{std::move(f.row), f.contacts, std::move(r)});
}

void dispatcher::record_settled() {
  if (settled_.empty()) return;
  std::vector<settled> done;
  done.swap(settled_);
  std::vector<attempt_record> records;
  records.reserve(done.size());
  for (const auto& d : done) records.push_back(d.record);
  auto unknown = db_->record_attempts(records);
  // Waiters (wait_recorded) look again once this round's stats are counted too.
  struct round_end {
    dispatcher& d;
    ~round_end() {
      {
        std::lock_guard lock(d.mutex_);
        ++d.rounds_;
      }
      d.recorded_.notify_all();
    }
  } end_of_round{*this};
  std::set<std::int64_t> missing;
  if (unknown) missing.insert(unknown->begin(), unknown->end());

  for (const auto& d : done) {
    const auto& row = d.row;
    const auto& r = d.record;
    // Why this row's attempt is not in the store; empty when it is.
    const std::string not_recorded = !unknown                 ? unknown.err().message
                                     : missing.contains(r.id) ? "no outbox row " + std::to_string(r.id)
                                                              : std::string();

    if (r.status == outbox_status::delivered) {
      if (!not_recorded.empty()) {
        spdlog::error("notify: {}/{} {} for {} delivered but not recorded: {} [id {}]", row.plan, row.duty, row.reason,
                      row.unit, not_recorded, row.key);
        continue;  // stays pending; the contacts that took it are remembered and not sent again
      }
      sent_.erase(row.id);
      spdlog::info("notify: {}/{} {} for {} delivered to {} contact(s) on attempt {} [id {}]", row.plan, row.duty,
                   row.reason, row.unit, d.contacts, r.attempts, row.key);
      std::lock_guard lock(mutex_);
      ++stats_.delivered;
      continue;
    }

    if (r.status == outbox_status::skipped) {
      if (!not_recorded.empty()) {
        spdlog::error("notify: {}/{} {} for {}: cannot record that it was not sent: {}", row.plan, row.duty, row.reason,
                      row.unit, not_recorded);
        continue;
      }
      sent_.erase(row.id);
      spdlog::warn("notify: {}/{} {} for {} not sent: {} [id {}]", row.plan, row.duty, row.reason, row.unit,
                   r.last_error, row.key);
      std::lock_guard lock(mutex_);
      ++stats_.skipped;
      continue;
    }

    if (r.status == outbox_status::failed) {
      if (!not_recorded.empty()) {
        spdlog::error("notify: {}/{} {} for {}: cannot record the failure: {}", row.plan, row.duty, row.reason,
                      row.unit, not_recorded);
        continue;
      }
      sent_.erase(row.id);
      spdlog::error("notify: {}/{} {} for {} failed after {} attempt(s): {} [id {}]", row.plan, row.duty, row.reason,
                    row.unit, r.attempts, r.last_error, row.key);
      std::lock_guard lock(mutex_);
      ++stats_.failed;
      continue;
    }

    if (!not_recorded.empty()) {
      spdlog::error("notify: {}/{} {} for {}: cannot record the attempt: {}", row.plan, row.duty, row.reason, row.unit,
                    not_recorded);
      continue;
    }
    spdlog::warn("notify: {}/{} {} for {} attempt {} of {} failed: {}; next attempt at {} [id {}]", row.plan, row.duty,
                 row.reason, row.unit, r.attempts, options_.retry.max_attempts, r.last_error,
                 format_instant(*r.next_attempt, std::chrono::minutes{420}), row.key);
    std::lock_guard lock(mutex_);
    ++stats_.retried;
  }
}

}  // namespace dutyflow::notify

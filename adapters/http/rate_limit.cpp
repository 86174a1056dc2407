#include "adapters/http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace dutyflow::http {

double event_rate_limiter::refill(const bucket& b, const rate_allowance& a, time_point now) {
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.at).count();
  return std::min(a.burst, b.tokens + std::max(0.0, minutes) * a.per_minute);
}

std::chrono::seconds event_rate_limiter::wait_for_one(double tokens, const rate_allowance& a) {
  const double seconds = (1.0 - tokens) * 60.0 / a.per_minute;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(seconds))));
}

void event_rate_limiter::forget_refilled(time_point now) {
  // A bucket unused for as long as the slowest allowance takes to refill from empty is
  // full again, the same as one never created; buckets are in the order they were used.
  double longest_minutes = 0;
  for (const auto* a : {&options_.unit, &options_.coordinator, &options_.duty})
    if (!a->off()) longest_minutes = std::max(longest_minutes, a->burst / a->per_minute);
  const auto idle = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::ratio<60>>(longest_minutes));
  while (!order_.empty() && now - order_.front().at >= idle) {
    by_key_.erase(order_.front().key);
    order_.pop_front();
  }
}

event_rate_limiter::bucket& event_rate_limiter::find(const std::string& key, const rate_allowance& a, time_point now) {
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    auto& b = *it->second;
    b.tokens = refill(b, a, now);
    b.at = now;
    order_.splice(order_.end(), order_, it->second);
    return b;
  }
  // Full: the longest unused is forgotten (it starts afresh, full, if it comes back).
  // Never fewer than two, so that a request's token and duty are both remembered.
  const std::size_t capacity = std::max<std::size_t>(options_.tracked, 2);
  while (order_.size() >= capacity) {
    by_key_.erase(order_.front().key);
    order_.pop_front();
  }
  order_.push_back(bucket{key, a.burst, now, false});
  by_key_.emplace(key, std::prev(order_.end()));
  return order_.back();
}

event_rate_limiter::verdict event_rate_limiter::check(const actor& caller, std::string_view plan, std::string_view duty,
                                                      time_point now) {
  const bool coordinator = caller.role == role::coordinator;
  const rate_allowance& own = coordinator ? options_.coordinator : options_.unit;
  // Plan ids are at most 64 bytes and duty ids (a fanned-out one too) 129: a longer name
  // is no duty, will be refused 404, and is not worth remembering (nor its memory).
  const bool per_duty =
      !coordinator && !duty.empty() && duty.size() <= 160 && plan.size() <= 64 && !options_.duty.off();
  if (own.off() && !per_duty) return {};
  std::lock_guard lock(mutex_);
  forget_refilled(now);
  // Names and ids never hold a newline: the keys of tokens and duties cannot collide.
  bucket* token = own.off() ? nullptr : &find("token\n" + caller.name, own, now);
  bucket* on_duty = nullptr;
  if (per_duty) on_duty = &find("duty\n" + std::string(plan) + "\n" + std::string(duty), options_.duty, now);
  verdict v;
  auto refuse = [&](limit which, bucket& b, const rate_allowance& a) {
    v = {which, wait_for_one(b.tokens, a), !b.refusing};
    b.refusing = true;
  };
  if (token && token->tokens < 1) {
    refuse(limit::token, *token, own);
    ++(coordinator ? stats_.refused_coordinator_token : stats_.refused_unit_token);
  } else if (on_duty && on_duty->tokens < 1) {
    refuse(limit::duty, *on_duty, options_.duty);
    ++stats_.refused_unit_duty;
  } else {
    for (bucket* b : {token, on_duty}) {
      if (!b) continue;
      b->tokens -= 1;
      b->refusing = false;
    }
  }
  return v;
}

event_rate_limiter::stats event_rate_limiter::read() const {
  std::lock_guard lock(mutex_);
  auto s = stats_;
  s.tracked = order_.size();
  return s;
}

}  // namespace dutyflow::http

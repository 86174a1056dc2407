#include "adapters/http/auth_limit.h"

#include <boost/asio/ip/address.hpp>

namespace dutyflow::http {

std::string auth_limiter::client_key(std::string_view client) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(client), ec);
  if (ec) return std::string(client);
  if (address.is_v4()) return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

void auth_limiter::forget_expired(time_point now) {
  // Entries are in the order their windows opened, so the expired ones are at the front.
  while (!order_.empty() && now - order_.front().window_start >= options_.window) {
    by_key_.erase(order_.front().key);
    order_.pop_front();
  }
}

auth_limiter::verdict auth_limiter::check(std::string_view client, time_point now, const std::function<bool()>& check) {
  if (options_.limit <= 0) {
    if (check()) return {outcome::passed, {}};
    std::lock_guard lock(mutex_);
    ++stats_.failures;  // still counted for /metrics
    return {outcome::failed, {}};
  }
  const auto key = client_key(client);
  std::lock_guard lock(mutex_);
  forget_expired(now);
  auto found = by_key_.find(key);
  if (found != by_key_.end()) {
    auto& e = *found->second;
    if (now - e.window_start >= options_.window) {
      order_.erase(found->second);
      by_key_.erase(found);
      found = by_key_.end();
    } else if (e.failures >= options_.limit) {
      ++stats_.throttled;
      auto left = std::chrono::ceil<std::chrono::seconds>(e.window_start + options_.window - now);
      return {outcome::throttled, std::max(left, std::chrono::seconds(1))};
    }
  }
  if (check()) return {outcome::passed, {}};
  ++stats_.failures;
  if (found == by_key_.end()) {
    // Full: forget the client whose window opened first, the one that would be let go soonest.
    if (order_.size() >= options_.tracked_clients && !order_.empty()) {
      ++stats_.forgotten;
      by_key_.erase(order_.front().key);
      order_.pop_front();
    }
    if (options_.tracked_clients == 0) return {outcome::failed, {}};
    order_.push_back(entry{key, now, 0});
    found = by_key_.emplace(key, std::prev(order_.end())).first;
  }
  const int failures = ++found->second->failures;
  return {outcome::failed, {}, failures == options_.limit};
}

auth_limiter::stats auth_limiter::read() const {
  std::lock_guard lock(mutex_);
  auto s = stats_;
  s.tracked = order_.size();
  return s;
}

}  // namespace dutyflow::http

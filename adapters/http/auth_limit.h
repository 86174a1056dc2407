// Limits failed bearer-token checks per client, so that guessing tokens costs an
// attacker a lockout and nobody else anything. A client is a source address (an IPv6
// address counts by its /64, which one host usually owns whole). After `limit` failed
// checks within `window`, the client's requests that present a token are refused (429)
// without the token being checked, until the window ends. Memory is bounded: at most
// `tracked_clients` clients are remembered. Thread-safe; one per router; time is passed
// in (steady time), so tests drive it without waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dutyflow::http {

struct auth_limit_options {
  // Failed token checks a client may make within `window`; 0 turns the limit off.
  // Default: 20 (a person mistyping a token never gets near it).
  int limit = 20;
  // The window opens at a client's first failure; when it ends, the client starts afresh.
  // Default: 1 min.
  std::chrono::milliseconds window{60000};
  // Clients remembered at once (about 150 bytes each); when full, the one whose window
  // opened first is forgotten. Default: 10000.
  std::size_t tracked_clients = 10000;
};

class auth_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit auth_limiter(auth_limit_options options = {}) : options_(options) {}

  enum class outcome { passed, failed, throttled };
  struct verdict {
    outcome result = outcome::passed;
    // For throttled: seconds until the client may try again (at least 1).
    std::chrono::seconds retry_after{0};
    // For failed: this failure used up the client's allowance (worth one log line).
    bool locked_now = false;
  };

  // Runs `check` (true: the token is good) for `client` unless the client is locked out,
  // and counts a failure when it returns false. The check runs under the limiter's lock,
  // so concurrent requests from one client cannot slip past the limit together; a token
  // check takes microseconds.
  verdict check(std::string_view client, time_point now, const std::function<bool()>& check);

  // The key `client` (an address as text) is counted under: the address itself, an IPv4
  // address for an IPv4-mapped IPv6 one, the /64 prefix for other IPv6 addresses.
  static std::string client_key(std::string_view client);

  struct stats {
    std::size_t tracked = 0;      // clients remembered now
    std::uint64_t throttled = 0;  // requests answered 429
    std::uint64_t failures = 0;   // failed token checks
    std::uint64_t forgotten = 0;  // clients evicted while their window was still open
  };
  stats read() const;
  const auth_limit_options& options() const { return options_; }

 private:
  struct entry {
    std::string key;
    time_point window_start;
    int failures = 0;
  };
  using list = std::list<entry>;

  void forget_expired(time_point now);

  const auth_limit_options options_;
  mutable std::mutex mutex_;
  list order_;  // in the order the windows opened
  std::unordered_map<std::string, list::iterator> by_key_;
  stats stats_;
};

}  // namespace dutyflow::http

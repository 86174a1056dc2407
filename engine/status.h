// Error values of the engine: every expected failure (unknown duty, transition not
// allowed, bad plan, storage trouble) is returned as an `error`, never thrown.
// Plain values; any thread may create and copy them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dutyflow {

// One code per kind of refusal; adapters map them to HTTP statuses and exit codes.
enum class errc {
  invalid,           // malformed input or data that breaks a rule (HTTP 400)
  unauthenticated,   // no or unknown credentials (401)
  forbidden,         // the caller may not do this (403)
  not_found,         // unknown plan, duty, event or milestone (404)
  conflict,          // not allowed in the current state, or exists with other content (409)
  version_mismatch,  // the caller's expected version is stale (412)
  too_large,         // input over its size limit (413)
  storage,           // the store failed; nothing was changed (503)
  internal,          // a bug: an invariant did not hold (500)
};

// Stable machine-readable name of a code, e.g. "not_found".
std::string_view errc_name(errc code);

struct error {
  errc code = errc::internal;
  std::string message;                              // one line, for people
  nlohmann::json details = nlohmann::json::object();  // structured context (allowed events, paths)
};

inline error make_error(errc code, std::string message, nlohmann::json details = nlohmann::json::object()) {
  return error{code, std::move(message), std::move(details)};
}

// Either a value or an error. Small on purpose: C++20 has no std::expected.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(error err) : v_(std::in_place_index<1>, std::move(err)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error& err() const& { return std::get<1>(v_); }
  error&& err() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, error> v_;
};

// For operations that return nothing but may fail.
struct ok_t {};
using status = result<ok_t>;
inline status ok_status() { return ok_t{}; }

}  // namespace dutyflow

// Bearer tokens: who a caller is. A tokens file holds only SHA-256 hashes of the tokens;
// a presented token is hashed and compared in constant time. token_store is immutable
// once loaded and shared (the daemon swaps in a new one on SIGHUP), so any thread may
// call authenticate().
#pragma once

#include "engine/engine.h"
#include "engine/status.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::http {

struct token_entry {
  std::string name;  // recorded as the actor of every event the token fires
  dutyflow::role role = role::viewer;
  std::string unit;          // required for role unit
  std::string sha256_hex;    // of the token text
};

class token_store {
 public:
  token_store() = default;
  explicit token_store(std::vector<token_entry> entries) : entries_(std::move(entries)) {}

  // Reads a tokens file. A missing file gives an empty store (errc::not_found is not an
  // error here: the daemon starts and refuses everything). Malformed files: errc::invalid.
  static result<token_store> load(const std::string& path);

  // The caller for a presented token, or nullopt. Compares every entry in constant time
  // so the answer takes as long for a near miss as for a stranger.
  std::optional<actor> authenticate(std::string_view token) const;

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  const std::vector<token_entry>& entries() const { return entries_; }

 private:
  std::vector<token_entry> entries_;
};

// A fresh random token ("dft_" + 43 base64url characters from 32 random bytes).
result<std::string> generate_token();
// Adds an entry to the tokens file (created with mode 0600 if missing), replacing the
// file atomically. Returns the new token text; errors: invalid (bad role/unit/name,
// duplicate name), storage (cannot write).
result<std::string> add_token(const std::string& path, const std::string& name, std::string_view role_name,
                              const std::string& unit);

// Parses "coordinator" | "unit" | "viewer".
std::optional<role> parse_role(std::string_view name);

}  // namespace dutyflow::http

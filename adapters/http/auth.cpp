#include "adapters/http/auth.h"

#include "engine/json_limits.h"

#include "adapters/security/codec.h"
#include "adapters/security/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dutyflow::http {

using nlohmann::json;

std::optional<role> parse_role(std::string_view name) {
  if (name == "coordinator") return role::coordinator;
  if (name == "unit") return role::unit;
  if (name == "viewer") return role::viewer;
  return std::nullopt;
}

result<std::string> generate_token() {
  auto raw = security::random_bytes(32);
  if (!raw) return make_error(errc::internal, "no randomness available for a token");
  return "dft_" + security::base64url_encode(*raw);
}

namespace {

result<std::vector<token_entry>> parse_entries(const std::string& path, const std::string& text) {
  auto parsed = parse_json(text);
  if (!parsed) return make_error(errc::invalid, path + ": not a tokens file: " + parsed.err().message);
  const json& doc = *parsed;
  if (!doc.is_object() || !doc.contains("tokens") || !doc["tokens"].is_array())
    return make_error(errc::invalid, path + ": not a tokens file ({\"tokens\": [...]})");
  std::vector<token_entry> out;
  for (std::size_t i = 0; i < doc["tokens"].size(); ++i) {
    const auto& t = doc["tokens"][i];
    auto where = path + ": tokens[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("sha256") ||
        !t["sha256"].is_string() || !t.contains("role") || !t["role"].is_string())
      return make_error(errc::invalid, where + ": needs name, role and sha256");
    // Every field's type is checked here: a value() or get() of the wrong type throws,
    // and on SIGHUP that would end the running daemon instead of keeping its old tokens.
    if (t.contains("unit") && !t["unit"].is_string() && !t["unit"].is_null())
      return make_error(errc::invalid, where + ": unit must be a string");
    auto r = parse_role(t["role"].get<std::string>());
    if (!r) return make_error(errc::invalid, where + ": unknown role \"" + t["role"].get<std::string>() + "\"");
    token_entry e{t["name"].get<std::string>(), *r,
                  t.contains("unit") && t["unit"].is_string() ? t["unit"].get<std::string>() : std::string(),
                  t["sha256"].get<std::string>()};
    if (e.sha256_hex.size() != 64) return make_error(errc::invalid, where + ": sha256 must be 64 hex digits");
    if (e.role == role::unit && e.unit.empty()) return make_error(errc::invalid, where + ": role unit needs a unit");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

result<token_store> token_store::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return token_store{};
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    auto entries = parse_entries(path, buf.str());
    if (!entries) return entries.err();
    return token_store{std::move(*entries)};
  } catch (const std::exception& e) {
    return make_error(errc::invalid, path + ": not a tokens file: " + e.what());
  }
}

std::optional<actor> token_store::authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const auto hash = security::sha256_hex(token);
  const token_entry* found = nullptr;
  for (const auto& e : entries_) {
    // Takes the same time whatever the first differing byte.
    if (security::constant_time_equal(e.sha256_hex, hash))
      found = &e;
  }
  if (!found) return std::nullopt;
  return actor{found->name, found->role, found->unit};
}

result<std::string> add_token(const std::string& path, const std::string& name, std::string_view role_text,
                              const std::string& unit) {
  auto r = parse_role(role_text);
  if (!r) return make_error(errc::invalid, "unknown role \"" + std::string(role_text) + "\" (coordinator, unit, viewer)");
  if (name.empty()) return make_error(errc::invalid, "a token needs a --name");
  if (*r == role::unit && unit.empty()) return make_error(errc::invalid, "role unit needs --unit");
  json doc{{"tokens", json::array()}};
  if (std::ifstream in(path); in) {
    std::stringstream buf;
    buf << in.rdbuf();
    auto existing = parse_entries(path, buf.str());
    if (!existing) return existing.err();
    doc = *parse_json(buf.str());  // parse_entries() has parsed it already
    for (const auto& e : *existing)
      if (e.name == name) return make_error(errc::invalid, "a token named \"" + name + "\" exists already");
  }
  auto token = generate_token();
  if (!token) return token;
  json entry{{"name", name}, {"role", std::string(role_text)}, {"sha256", security::sha256_hex(*token)}};
  if (!unit.empty()) entry["unit"] = unit;
  doc["tokens"].push_back(entry);
  const std::string text = doc.dump(2) + "\n";
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return make_error(errc::storage, "cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(errc::storage, "cannot write " + path);
  }
  ::chmod(path.c_str(), 0600);
  // The token is printed only once: its entry must survive a power loss after the rename.
  if (auto synced = security::sync_parent_directory(path); !synced) return std::move(synced).err();
  return token;
}

}  // namespace dutyflow::http

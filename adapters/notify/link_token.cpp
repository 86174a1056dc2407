#include "adapters/notify/link_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "adapters/notify/codec.h"

namespace dutyflow::notify {

namespace {

// Domain separation: a signature made for something else with the same key never
// verifies as a link.
std::string mac_input(std::string_view payload) {
  return "dutyflow-link-v1." + std::string(payload);
}

}  // namespace

std::string link_signer::sign(const link_claims& c) const {
  const auto exp = std::chrono::floor<std::chrono::seconds>(c.expires).time_since_epoch().count();
  nlohmann::json doc{{"p", c.plan}, {"d", c.duty}, {"u", c.unit}, {"e", c.event}, {"x", exp}};
  const auto payload = base64url_encode(doc.dump());
  return payload + "." + base64url_encode(hmac_sha256(key_, mac_input(payload)));
}

link_check link_signer::verify(std::string_view token, instant now) const {
  link_check out;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 4096) return out;
  const auto payload = token.substr(0, dot);
  const auto mac = base64url_decode(token.substr(dot + 1));
  if (!mac) return out;
  if (!constant_time_equal(*mac, hmac_sha256(key_, mac_input(payload)))) {
    out.result = link_check::outcome::forged;
    return out;
  }
  const auto text = base64url_decode(payload);
  if (!text) return out;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return out;
  try {
    out.claims.plan = doc.at("p").get<std::string>();
    out.claims.duty = doc.at("d").get<std::string>();
    out.claims.unit = doc.at("u").get<std::string>();
    out.claims.event = doc.at("e").get<std::string>();
    out.claims.expires = instant{std::chrono::seconds{doc.at("x").get<std::int64_t>()}};
  } catch (const nlohmann::json::exception&) {
    return out;
  }
  out.result = now >= out.claims.expires ? link_check::outcome::expired : link_check::outcome::ok;
  return out;
}

result<std::string> load_or_create_link_key(const std::string& path, bool* created) {
  if (created) *created = false;
  std::error_code ec;
  if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent, ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    auto key = random_bytes(32);
    if (!key) {
      ::close(fd);
      ::unlink(path.c_str());
      return make_error(errc::internal, "link key: no randomness available");
    }
    const auto text = hex_encode(*key) + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      return make_error(errc::storage, "link key: cannot write " + path);
    }
    if (created) *created = true;
    return *key;
  }
  if (errno != EEXIST)
    return make_error(errc::storage, "link key: cannot create " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    return make_error(errc::invalid, "link key: " + path + " is readable by others; chmod 600 it");
  std::ifstream in(path);
  if (!in) return make_error(errc::storage, "link key: cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto text = buf.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto key = hex_decode(text);
  if (!key || key->size() < 16)
    return make_error(errc::invalid, "link key: " + path + " must hold at least 32 hex characters");
  return *key;
}

}  // namespace dutyflow::notify

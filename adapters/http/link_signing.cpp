#include "adapters/http/link_signing.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace dutyflow::http {

namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}


}  // namespace

std::string base64url(std::string_view raw) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

link_signer::link_signer(std::string_view key, std::string_view purpose)
    : key_(hmac_sha256(key, std::string("dutyflow link key: ") + std::string(purpose))) {}

std::string link_signer::sign(std::string_view path, std::int64_t expires) const {
  return base64url(hmac_sha256(key_, std::string("GET\n") + std::string(path) + "\n" + std::to_string(expires)));
}

std::string link_signer::query(std::string_view path, std::int64_t expires) const {
  return "exp=" + std::to_string(expires) + "&sig=" + sign(path, expires);
}

bool link_signer::verify(std::string_view path, std::string_view expires_text, std::string_view sig,
                         instant now) const {
  std::int64_t expires = 0;
  auto [p, ec] = std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  if (ec != std::errc{} || p != expires_text.data() + expires_text.size() || expires_text.empty()) return false;
  const std::string expected = sign(path, expires);
  if (sig.size() != expected.size()) return false;
  if (CRYPTO_memcmp(expected.data(), sig.data(), expected.size()) != 0) return false;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return now_s <= expires;
}

result<std::string> load_or_create_secret(const std::string& path) {
  namespace fs = std::filesystem;
  auto read_secret = [&]() -> result<std::string> {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return make_error(errc::storage, "cannot stat " + path);
    if ((st.st_mode & 077) != 0)
      return make_error(errc::invalid, path + " is readable by other users; chmod 600 it (it holds the link key)");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(errc::storage, "cannot read " + path + ": " + std::strerror(errno));
    std::string out;
    char buf[256];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    if (out.size() < 16) return make_error(errc::invalid, path + " holds too short a key (at least 16 characters)");
    return out;
  };
  std::error_code exists_ec;
  if (fs::exists(path, exists_ec)) return read_secret();

  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    return make_error(errc::internal, "no randomness available for the link key");
  static constexpr char hex[] = "0123456789abcdef";
  std::string secret;
  for (unsigned char b : raw) {
    secret.push_back(hex[b >> 4]);
    secret.push_back(hex[b & 0xF]);
  }
  std::error_code ec;
  if (auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent, ec);
  // O_EXCL: if another process created it meanwhile, read theirs instead of overwriting.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret();
    return make_error(errc::storage, "cannot create " + path + ": " + std::strerror(errno));
  }
  std::string content = secret + "\n";
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(errc::storage, "cannot write " + path);
  return secret;
}

}  // namespace dutyflow::http

#include "adapters/security/secret_file.h"

#include "adapters/security/codec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dutyflow::security {

namespace {

result<std::string> read_secret(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(errc::storage, what + "cannot stat " + path);
  if ((st.st_mode & 077) != 0)
    return make_error(errc::invalid, what + path + " is readable by other users; chmod 600 it");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::storage, what + "cannot read " + path + ": " + std::strerror(errno));
  std::string out;
  char buf[256];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < 4096) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (n < 0) return make_error(errc::storage, what + "cannot read " + path);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  if (out.size() < 16) return make_error(errc::invalid, what + path + " holds too short a key (at least 16 characters)");
  return out;
}

}  // namespace

result<std::string> load_or_create_secret(const std::string& path, std::string_view what, bool* created) {
  if (created) *created = false;
  const std::string prefix = what.empty() ? std::string() : std::string(what) + ": ";
  std::error_code ec;
  if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent, ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret(path, prefix);
    return make_error(errc::storage, prefix + "cannot create " + path + ": " + std::strerror(errno));
  }
  auto raw = random_bytes(32);
  if (!raw) {
    ::close(fd);
    ::unlink(path.c_str());
    return make_error(errc::internal, prefix + "no randomness available");
  }
  const auto secret = hex_encode(*raw);
  const auto text = secret + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return make_error(errc::storage, prefix + "cannot write " + path);
  }
  // The key's name must survive a power loss too: a lost key file would be made anew, and
  // every link signed with the old key would stop working.
  if (auto synced = sync_parent_directory(path); !synced) return std::move(synced).err();
  if (created) *created = true;
  return secret;
}

status sync_parent_directory(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(errc::storage, "cannot open directory " + dir.string() + ": " + std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  const int sync_errno = errno;
  ::close(fd);
  if (!ok) return make_error(errc::storage, "cannot fsync directory " + dir.string() + ": " + std::strerror(sync_errno));
  return ok_status();
}

}  // namespace dutyflow::security

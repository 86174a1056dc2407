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

namespace {

// Writes `text` to a file of its own, synced, that has no name yet (O_TMPFILE) or a
// private temporary name, and returns its descriptor: the key file gets its name only
// once every byte is on disk, so a daemon killed while creating it leaves no key file
// (or one that is whole) behind — never an empty one that the next start refuses.
struct staged_file {
  int fd = -1;
  std::string temp_path;  // empty when the file has no name (O_TMPFILE)
};

result<staged_file> stage(const std::string& path, const std::string& text, const std::string& prefix) {
  staged_file out;
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  out.fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (out.fd < 0) {
    // Filesystems without O_TMPFILE: a name no other process uses.
    auto suffix = random_bytes(8);
    if (!suffix) return make_error(errc::internal, prefix + "no randomness available");
    out.temp_path = path + ".tmp-" + hex_encode(*suffix);
    out.fd = ::open(out.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out.fd < 0) return make_error(errc::storage, prefix + "cannot create " + path + ": " + std::strerror(errno));
  }
  const bool written = ::write(out.fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(out.fd) == 0;
  if (!written) {
    ::close(out.fd);
    if (!out.temp_path.empty()) ::unlink(out.temp_path.c_str());
    return make_error(errc::storage, prefix + "cannot write " + path);
  }
  return out;
}

// Gives the staged file the name `path` unless another process got there first
// (link(2) never replaces a name: of two daemons starting at once, one key wins and
// both use it). Returns false when the name was taken.
result<bool> publish(staged_file& staged, const std::string& path, const std::string& prefix) {
  int linked = 0;
  if (staged.temp_path.empty()) {
    const std::string proc = "/proc/self/fd/" + std::to_string(staged.fd);
    linked = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
  } else {
    linked = ::link(staged.temp_path.c_str(), path.c_str());
  }
  const int link_errno = errno;
  ::close(staged.fd);
  if (!staged.temp_path.empty()) ::unlink(staged.temp_path.c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  return make_error(errc::storage, prefix + "cannot create " + path + ": " + std::strerror(link_errno));
}

// An empty key file is what an earlier dutyflow left when it was killed between creating
// the file and writing the key: nothing was ever signed with it, so it is made anew.
bool left_empty_by_a_crash(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

}  // namespace

result<std::string> load_or_create_secret(const std::string& path, std::string_view what, bool* created) {
  if (created) *created = false;
  const std::string prefix = what.empty() ? std::string() : std::string(what) + ": ";
  std::error_code ec;
  if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent, ec);
  if (left_empty_by_a_crash(path)) ::unlink(path.c_str());
  if (::access(path.c_str(), F_OK) == 0) return read_secret(path, prefix);
  auto raw = random_bytes(32);
  if (!raw) return make_error(errc::internal, prefix + "no randomness available");
  const auto secret = hex_encode(*raw);
  auto staged = stage(path, secret + "\n", prefix);
  if (!staged) return std::move(staged).err();
  auto named = publish(*staged, path, prefix);
  if (!named) return std::move(named).err();
  if (!*named) return read_secret(path, prefix);
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

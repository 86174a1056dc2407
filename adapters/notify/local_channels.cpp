#include "adapters/notify/local_channels.h"
#include "adapters/security/secret_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dutyflow::notify {

namespace fs = std::filesystem;

delivery log_channel::deliver(const message& m, const contact& c, instant, const std::atomic<bool>&) {
  // The body is not logged: it holds the one-click link, which acts as the unit.
  if (why_.empty())
    spdlog::info("notify: {}/{} {} for {} ({}): \"{}\" [id {}]", m.plan, m.duty, m.reason, m.unit, m.unit_name,
                 m.subject, m.id);
  else {
    spdlog::warn("notify: {}/{} {} for {} ({}) not sent to {}: {}: \"{}\" [id {}]", m.plan, m.duty, m.reason, m.unit,
                 m.unit_name, c.describe(), why_, m.subject, m.id);
    return delivery::skip(why_);
  }
  return delivery::done();
}

std::string file_channel::path_of(const contact& c) const {
  const fs::path name(c.to);
  if (c.to.empty() || name.is_absolute()) return {};
  for (const auto& part : name.lexically_normal())
    if (part == "..") return {};
  return (fs::path(options_.dir) / name).lexically_normal().string();
}

std::string file_channel::lane(const contact& c) const {
  return "file:" + path_of(c);
}

namespace {

// Creates the missing directories of `dir`, each 0700: the files below hold one-click links.
void make_private_dirs(const fs::path& dir) {
  fs::path at;
  for (const auto& part : dir) {
    at /= part;
    // EEXIST is fine; a directory made now is made durable in its parent.
    if (!at.empty() && at != at.root_path() && ::mkdir(at.c_str(), 0700) == 0)
      (void)security::sync_parent_directory(at.string());
  }
}

}  // namespace

delivery file_channel::deliver(const message& m, const contact& c, instant, const std::atomic<bool>&) {
  const auto path = path_of(c);
  if (path.empty())
    return delivery::fail("file contact \"" + c.to +
                          "\" must be a relative file name inside the notifications directory");
  make_private_dirs(fs::path(path).parent_path());
  // O_EXCL first, to know whether this delivery creates the file: a new file's name is
  // made durable below (its directory fsync'd) before the row is marked delivered.
  bool created = true;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0) return delivery::retry("cannot open " + path + ": " + std::strerror(errno));
  const auto line = m.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write() of the whole line: with O_APPEND, lines from different processes never interleave.
  const auto written = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = written == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  const int sync_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size()))
    return delivery::retry("cannot write " + path + ": " + std::strerror(written < 0 ? write_errno : EIO));
  if (!synced) return delivery::retry("cannot fsync " + path + ": " + std::strerror(sync_errno));
  if (created) {
    if (auto dir = security::sync_parent_directory(path); !dir) return delivery::retry(dir.err().message);
  }
  return delivery::done();
}

}  // namespace dutyflow::notify

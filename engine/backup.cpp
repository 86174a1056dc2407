#include "engine/backup.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dutyflow {
namespace {

namespace fs = std::filesystem;

bool sync_path(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

void remove_copy(const fs::path& tmp) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(tmp.string() + suffix, ec);
}

// Moves the finished copy into place. Without `force` the move itself refuses an
// existing file, so a file created there since the first check is not overwritten.
status move_into_place(const fs::path& tmp, const fs::path& dest, bool force) {
  if (force) {
    if (::rename(tmp.c_str(), dest.c_str()) == 0) return ok_status();
  } else {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) == 0) return ok_status();
    if (errno == EEXIST) return make_error(errc::invalid, dest.string() + " exists (--force replaces it)");
    // A file system without RENAME_NOREPLACE: check, then rename.
    std::error_code ec;
    if (errno == EINVAL && !fs::exists(dest, ec) && ::rename(tmp.c_str(), dest.c_str()) == 0) return ok_status();
  }
  return make_error(errc::storage, "cannot move the copy to " + dest.string() + ": " + std::strerror(errno));
}

}  // namespace

result<backup_report> backup_sqlite(const backup_options& o) {
  if (o.source.empty()) return make_error(errc::invalid, "no journal to copy");
  if (o.dest.empty()) return make_error(errc::invalid, "no destination file");
  if (o.pages_per_step < 1) return make_error(errc::invalid, "pages per step must be at least 1");
  std::error_code ec;
  const fs::path source(o.source), dest(o.dest);
  const auto source_status = fs::status(source, ec);
  if (!fs::exists(source_status)) return make_error(errc::not_found, "no journal at " + o.source);
  if (!fs::is_regular_file(source_status)) return make_error(errc::invalid, o.source + " is not a journal file");
  if (fs::is_directory(dest, ec))
    return make_error(errc::invalid, o.dest + " is a directory; give the name of the file to write");
  const fs::path dir = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  if (!fs::is_directory(dir, ec)) return make_error(errc::invalid, "directory " + dir.string() + " does not exist");
  if (fs::exists(dest, ec)) {
    if (fs::equivalent(source, dest, ec)) return make_error(errc::invalid, o.dest + " is the journal itself");
    if (!o.force) return make_error(errc::invalid, o.dest + " exists (--force replaces it)");
  }

  // Next to the destination, so that the final rename stays within one file system.
  std::string pattern = (dir / ("." + dest.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return make_error(errc::storage, "cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  const fs::path tmp(pattern);

  backup_report report;
  try {
    // Read-write only so that, when dutyflowd is stopped, closing this last connection
    // removes the -wal and -shm files it opened; SQLite falls back to read-only for a
    // file we may not write, and nothing here writes to it.
    SQLite::Database src(o.source, SQLite::OPEN_READWRITE);
    src.setBusyTimeout(5000);
    if (src.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'").getInt() == 0) {
      remove_copy(tmp);
      return make_error(errc::invalid, o.source + " is not a dutyflow journal (it has no events table)");
    }
    SQLite::Database dst(tmp.string(), SQLite::OPEN_READWRITE);
    // dutyflowd's journal is in WAL mode, where a reader never blocks the writer. One
    // read transaction held from the first page to the last makes every step read the
    // same snapshot: the daemon's commits between steps neither wait for the copy nor
    // restart it (as they would restart a backup that takes a fresh snapshot per step).
    // The steps themselves stay short; only the WAL's checkpoint waits until we are done.
    src.exec("BEGIN");
    src.execAndGet("SELECT count(*) FROM sqlite_master");
    {
      SQLite::Backup backup(dst, src);
      for (int rc = SQLITE_OK; rc != SQLITE_DONE; ++report.steps) {
        rc = backup.executeStep(o.pages_per_step);
        // Cannot happen with the snapshot held and a destination nobody else knows.
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) throw std::runtime_error("the journal is locked");
      }
      report.pages = backup.getTotalPageCount();
    }
    src.exec("COMMIT");
    // One self-contained file: nothing to forget beside it when it is copied or restored.
    dst.exec("PRAGMA journal_mode=DELETE");
    const auto check = dst.execAndGet("PRAGMA integrity_check").getString();
    if (check != "ok") {
      remove_copy(tmp);
      return make_error(errc::storage, "the copy of " + o.source + " failed its integrity check: " + check);
    }
    report.events = dst.execAndGet("SELECT count(*) FROM events").getInt64();
    report.last_event_id = dst.execAndGet("SELECT coalesce(max(id), 0) FROM events").getInt64();
    report.duties = dst.execAndGet("SELECT count(*) FROM duties").getInt64();
    report.outbox = dst.execAndGet("SELECT count(*) FROM outbox").getInt64();
  } catch (const std::exception& e) {
    remove_copy(tmp);
    return make_error(errc::storage, "copying " + o.source + " failed: " + e.what());
  }
  if (!sync_path(tmp, false)) {
    remove_copy(tmp);
    return make_error(errc::storage, "cannot flush " + tmp.string() + " to disk");
  }
  if (auto moved = move_into_place(tmp, dest, o.force); !moved) {
    remove_copy(tmp);
    return moved.err();
  }
  // The rename is durable once the directory is.
  sync_path(dir, true);
  report.bytes = static_cast<std::int64_t>(fs::file_size(dest, ec));
  return report;
}

}  // namespace dutyflow

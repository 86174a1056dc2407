#include "tests/support/powerloss_vfs.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace dutyflow::testing::powerloss {
namespace {

// What a disk writes in one go, for tears that keep to the bytes written: a torn write
// is cut at these boundaries (or at any byte, for a prefix).
constexpr std::int64_t piece = 512;

struct instance {
  vfs_options options;
  sqlite3_vfs vfs{};
  sqlite3_vfs* real = nullptr;
};

// A write (or, with `truncate`, an ftruncate to `offset`) the disk was not yet told to keep.
struct pending_op {
  std::int64_t offset = 0;
  bool truncate = false;
  std::vector<unsigned char> data;
};

// One file of the model, by the path SQLite names it with. Every handle to the path shares
// it, as they share the page cache: what one wrote, another reads; a sync through any
// handle writes all of it.
struct file_state {
  const instance* owner = nullptr;  // whose options tear its writes (the first opener's)
  bool is_db = false;               // a main database: its -shm is garbled on a power loss
  std::vector<pending_op> pending;
};

// A directory entry created or removed since its directory was last synced. A path
// without one is on disk as it is live.
struct name_state {
  bool durable = false;   // the entry existed at the last directory sync
  std::string graveyard;  // the durable file, renamed aside by a delete since (empty: none)
};

struct disk {
  std::mutex mutex;
  std::condition_variable never;  // what the power-loss thread waits on while armed
  std::map<std::string, file_state> files;
  std::map<std::string, name_state> names;
  std::vector<std::unique_ptr<instance>> instances;
  bool write_through = false;  // after exit(): the system is up, its cache reaches the disk
  int armed_ops = 0;           // 0: not armed
  bool armed_on_db = false;    // count only operations on main database files (checkpoints)
  std::uint64_t armed_seed = 0;
  fate armed_fate = fate::random;
  bool exit_hook = false;
};

// Never destroyed: SQLite handles may still be used by threads while the process exits.
disk& the_disk() {
  static disk* d = new disk;
  return *d;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Lays `ops` over bytes [off, off+amt) read from a file of `size` bytes; returns the size
// the file has with them.
std::int64_t overlay(const std::vector<pending_op>& ops, std::int64_t size, unsigned char* buf, std::int64_t amt,
                     std::int64_t off) {
  const std::int64_t end = off + amt;
  for (const auto& op : ops) {
    if (op.truncate) {
      if (op.offset < end) {
        const auto from = std::max(op.offset, off);
        std::memset(buf + (from - off), 0, static_cast<std::size_t>(end - from));
      }
      size = op.offset;
      continue;
    }
    const std::int64_t op_end = op.offset + static_cast<std::int64_t>(op.data.size());
    const auto from = std::max(op.offset, off), to = std::min(op_end, end);
    if (from < to)
      std::memcpy(buf + (from - off), op.data.data() + (from - op.offset), static_cast<std::size_t>(to - from));
    size = std::max(size, op_end);
  }
  return size;
}

// Forgets every entry of `dir` in the name model: a directory sync made them all durable.
void sync_directory(disk& d, const std::string& dir) {
  for (auto it = d.names.begin(); it != d.names.end();) {
    if (dir_of(it->first) != dir) {
      ++it;
      continue;
    }
    if (!it->second.graveyard.empty()) ::unlink(it->second.graveyard.c_str());
    it = d.names.erase(it);
  }
}

// --- the power loss -------------------------------------------------------------------

struct loss_report {
  std::string style;
  int files = 0, pending = 0, kept = 0, dropped = 0, torn = 0;
  int names = 0, undone = 0;
  int shm = 0, shm_garbled = 0;
};

void truncate_to(int fd, std::int64_t size) {
  // Best effort, as a dying disk's: nothing can be reported any more.
  if (::ftruncate(fd, size) != 0) return;
}

// At `offset`, or (offset -1) where the descriptor stands: a log.
bool write_all(int fd, const unsigned char* data, std::int64_t size, std::int64_t offset) {
  while (size > 0) {
    const auto n = offset < 0 ? ::write(fd, data, static_cast<std::size_t>(size))
                              : ::pwrite(fd, data, static_cast<std::size_t>(size), offset);
    if (n <= 0) return false;
    data += n;
    size -= n;
    if (offset >= 0) offset += n;
  }
  return true;
}

std::vector<unsigned char> garbage(std::mt19937_64& rng, std::int64_t size) {
  std::vector<unsigned char> out(static_cast<std::size_t>(size));
  for (auto& b : out) b = static_cast<unsigned char>(rng());
  return out;
}

// Part of `op` reaches the disk. Under powersafe overwrite only its own bytes are touched:
// a prefix (cut at any byte, the rest of the cut piece maybe garbage), or each 512-byte
// piece new, old, garbage or zeros. Otherwise every sector it overlaps may be trashed, as
// in test6.c: all of them, or a run of them.
void tear(int fd, const pending_op& op, const vfs_options& o, std::mt19937_64& rng) {
  const auto len = static_cast<std::int64_t>(op.data.size());
  if (len == 0) return;
  if (!o.powersafe_overwrite) {
    const std::int64_t sector = std::max(512, o.sector_size);
    std::int64_t first = op.offset / sector, last = (op.offset + len - 1) / sector;
    if (rng() % 2 && last > first) {
      const auto a = first + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last - first + 1));
      const auto b = first + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last - first + 1));
      first = std::min(a, b);
      last = std::max(a, b);
    }
    for (auto s = first; s <= last; ++s) {
      auto junk = garbage(rng, sector);
      write_all(fd, junk.data(), sector, s * sector);
    }
    return;
  }
  if (rng() % 2 && len > 1) {
    const auto cut = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(len - 1));
    write_all(fd, op.data.data(), cut, op.offset);
    const auto piece_end = std::min(op.offset + len, (op.offset + cut) / piece * piece + piece);
    if (rng() % 2 && piece_end > op.offset + cut) {
      auto junk = garbage(rng, piece_end - op.offset - cut);
      write_all(fd, junk.data(), static_cast<std::int64_t>(junk.size()), op.offset + cut);
    }
    return;
  }
  // Piece by piece; at least one piece is not the new data, or it would not be torn.
  std::vector<std::pair<std::int64_t, std::int64_t>> pieces;  // [from, to) in file offsets
  for (auto from = op.offset; from < op.offset + len;) {
    const auto to = std::min(op.offset + len, from / piece * piece + piece);
    pieces.emplace_back(from, to);
    from = to;
  }
  const auto spoilt = rng() % pieces.size();
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto [from, to] = pieces[i];
    auto what = rng() % 4;  // 0 new, 1 old, 2 garbage, 3 zeros
    if (i == spoilt && what == 0) what = pieces.size() == 1 ? 2 : 1 + rng() % 3;
    if (what == 0) {
      write_all(fd, op.data.data() + (from - op.offset), to - from, from);
    } else if (what == 2) {
      auto junk = garbage(rng, to - from);
      write_all(fd, junk.data(), to - from, from);
    } else if (what == 3) {
      std::vector<unsigned char> zeros(static_cast<std::size_t>(to - from));
      write_all(fd, zeros.data(), to - from, from);
    }
  }
}

// How the pending writes of one loss fare, for fate::random: every pattern a disk with a
// volatile cache can leave.
enum class style : std::uint8_t { drop, keep, in_order, each };

const char* style_name(fate f, style s) {
  switch (f) {
    case fate::keep_all:
      return "keep_all";
    case fate::drop_all:
      return "drop_all";
    case fate::tear_all:
      return "tear_all";
    case fate::random:
      break;
  }
  switch (s) {
    case style::drop:
      return "drop";
    case style::keep:
      return "keep";
    case style::in_order:
      return "in_order";
    case style::each:
      return "each";
  }
  return "?";
}

[[noreturn]] void die_locked(disk& d, std::uint64_t seed, fate f, const std::string& moment) {
  std::mt19937_64 rng(seed ^ 0x5DEECE66DULL);
  style s = style::each;
  if (f == fate::random) {
    const auto r = rng() % 20;
    s = r < 4 ? style::drop : r < 6 ? style::keep : r < 13 ? style::in_order : style::each;
  } else if (f == fate::keep_all) {
    s = style::keep;
  } else if (f == fate::drop_all) {
    s = style::drop;
  }
  loss_report rep;
  rep.style = style_name(f, s);

  for (auto& [path, file] : d.files) {
    if (file.pending.empty()) continue;
    ++rep.files;
    rep.pending += static_cast<int>(file.pending.size());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    // in_order: the disk took the writes in the order they came, up to a point.
    const auto cut = s == style::in_order ? rng() % (file.pending.size() + 1) : 0;
    for (std::size_t i = 0; i < file.pending.size(); ++i) {
      const auto& op = file.pending[i];
      enum { keep, drop, torn } what = drop;
      switch (s) {
        case style::keep:
          what = keep;
          break;
        case style::drop:
          what = drop;
          break;
        case style::in_order:
          what = i < cut ? keep : i == cut ? torn : drop;
          break;
        case style::each: {
          const auto r = rng() % 5;
          what = f == fate::tear_all ? torn : r < 2 ? keep : r < 4 ? drop : torn;
          break;
        }
      }
      if (what == torn && op.truncate) what = rng() % 2 ? keep : drop;
      if (fd < 0) what = drop;
      if (what == keep) {
        ++rep.kept;
        if (op.truncate) {
          truncate_to(fd, op.offset);
        } else {
          write_all(fd, op.data.data(), static_cast<std::int64_t>(op.data.size()), op.offset);
        }
      } else if (what == torn) {
        ++rep.torn;
        tear(fd, op, file.owner->options, rng);
      } else {
        ++rep.dropped;
      }
    }
    if (fd >= 0) ::close(fd);
  }

  // Directory entries no directory sync made durable: as they were at the last sync, as
  // they are now, or (a durable file deleted and created again) with neither.
  for (const auto& [path, name] : d.names) {
    ++rep.names;
    struct stat st {};
    const bool live = ::stat(path.c_str(), &st) == 0;
    int outcome = s == style::keep ? 1 : s == style::drop ? 0 : static_cast<int>(rng() % 2);
    if (outcome == 1 && name.durable && live && s != style::keep && rng() % 3 == 0) outcome = 2;
    if (outcome == 1) {
      if (!name.graveyard.empty()) ::unlink(name.graveyard.c_str());
      continue;
    }
    if (outcome == 0 && !name.graveyard.empty()) {
      if (::rename(name.graveyard.c_str(), path.c_str()) == 0) ++rep.undone;
      continue;
    }
    if (live) ::unlink(path.c_str());
    if (!name.graveyard.empty()) ::unlink(name.graveyard.c_str());
    if (live || !name.graveyard.empty()) ++rep.undone;
  }

  // The wal-index is shared memory, never synced: after a power loss it holds anything.
  for (const auto& [path, file] : d.files) {
    if (!file.is_db) continue;
    const std::string shm = path + "-shm";
    struct stat st {};
    if (::stat(shm.c_str(), &st) != 0) continue;
    ++rep.shm;
    if (rng() % 3 == 0) continue;
    const int fd = ::open(shm.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    auto junk = rng() % 2 ? garbage(rng, st.st_size) : std::vector<unsigned char>(static_cast<std::size_t>(st.st_size));
    write_all(fd, junk.data(), static_cast<std::int64_t>(junk.size()), 0);
    ::close(fd);
    ++rep.shm_garbled;
  }

  char line[512];
  const int n =
      std::snprintf(line, sizeof line,
                    "powerloss: seed=%llu moment=%s style=%s files=%d pending=%d kept=%d dropped=%d torn=%d "
                    "names=%d undone=%d shm=%d garbled=%d\n",
                    static_cast<unsigned long long>(seed), moment.c_str(), rep.style.c_str(), rep.files, rep.pending,
                    rep.kept, rep.dropped, rep.torn, rep.names, rep.undone, rep.shm, rep.shm_garbled);
  if (n > 0) write_all(2, reinterpret_cast<const unsigned char*>(line), std::min<int>(n, sizeof line - 1), -1);
  // No other thread may reach the disk now: the lock is never released, and the process dies.
  ::kill(::getpid(), SIGKILL);
  for (;;) ::pause();
}

// Counts one write, truncate or sync towards an armed power loss (the disk's lock held).
void tick(disk& d, const char* what, const std::string& path, const file_state& file) {
  if (d.armed_ops == 0 || (d.armed_on_db && !file.is_db) || --d.armed_ops > 0) return;
  die_locked(d, d.armed_seed, d.armed_fate, std::string(what) + ":" + base_of(path));
}

// At exit the machine is still up: what the cache held reaches the disk.
void flush_at_exit() {
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  for (auto& [path, file] : d.files) {
    if (file.pending.empty()) continue;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      for (const auto& op : file.pending) {
        if (op.truncate) {
          truncate_to(fd, op.offset);
        } else {
          write_all(fd, op.data.data(), static_cast<std::int64_t>(op.data.size()), op.offset);
        }
      }
      ::close(fd);
    }
    file.pending.clear();
  }
  for (const auto& [path, name] : d.names)
    if (!name.graveyard.empty()) ::unlink(name.graveyard.c_str());
  d.names.clear();
  d.armed_ops = 0;
  d.write_through = true;
}

// --- the file methods -------------------------------------------------------------------

struct handle_data {
  instance* owner = nullptr;
  std::unique_ptr<std::max_align_t[]> real_storage;  // the unix VFS's sqlite3_file
  file_state* state = nullptr;                       // null: a temporary file, passed straight through
  std::string path;
  // The unix VFS syncs the directory on the first sync of a journal or WAL it created
  // (UNIXFILE_DIRSYNC); SQLite counts on that for the file's name to survive.
  bool dir_sync_pending = false;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(real_storage.get()); }
};

struct handle {
  sqlite3_file base;  // first: what SQLite holds
  handle_data* data;
};

handle_data& data_of(sqlite3_file* f) {
  return *reinterpret_cast<handle*>(f)->data;
}
sqlite3_file* real_of(sqlite3_file* f) {
  return data_of(f).real();
}

int x_close(sqlite3_file* f) {
  auto* h = reinterpret_cast<handle*>(f);
  auto* real = h->data->real();
  const int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  delete h->data;
  h->data = nullptr;
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  auto& h = data_of(f);
  auto* real = h.real();
  if (!h.state) return real->pMethods->xRead(real, buf, amt, off);
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  sqlite3_int64 size = 0;
  if (int rc = real->pMethods->xFileSize(real, &size); rc != SQLITE_OK) return rc;
  // A short read comes back zero-filled; the overlay decides what is really short.
  if (int rc = real->pMethods->xRead(real, buf, amt, off); rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  auto* bytes = static_cast<unsigned char*>(buf);
  if (off >= size) std::memset(bytes, 0, static_cast<std::size_t>(amt));
  size = overlay(h.state->pending, size, bytes, amt, off);
  if (off + amt <= size) return SQLITE_OK;
  const auto from = std::max<sqlite3_int64>(off, size);
  std::memset(bytes + (from - off), 0, static_cast<std::size_t>(off + amt - from));
  return SQLITE_IOERR_SHORT_READ;
}

int x_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  auto& h = data_of(f);
  auto* real = h.real();
  if (!h.state) return real->pMethods->xWrite(real, buf, amt, off);
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  tick(d, "write", h.path, *h.state);
  if (d.write_through) return real->pMethods->xWrite(real, buf, amt, off);
  const auto* bytes = static_cast<const unsigned char*>(buf);
  h.state->pending.push_back(pending_op{off, false, std::vector<unsigned char>(bytes, bytes + amt)});
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto& h = data_of(f);
  auto* real = h.real();
  if (!h.state) return real->pMethods->xTruncate(real, size);
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  tick(d, "truncate", h.path, *h.state);
  if (d.write_through) return real->pMethods->xTruncate(real, size);
  h.state->pending.push_back(pending_op{size, true, {}});
  return SQLITE_OK;
}

// Writes the file's pending operations through the real handle, whose locks it shares
// (another descriptor's close would drop the process's POSIX locks on the file). No
// fsync: the host does not lose power; what is in the real file is what is on "disk".
int x_sync(sqlite3_file* f, int flags) {
  auto& h = data_of(f);
  auto* real = h.real();
  if (!h.state) return real->pMethods->xSync(real, flags);
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  tick(d, "sync", h.path, *h.state);
  auto& pending = h.state->pending;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const auto& op = pending[i];
    const int rc = op.truncate
                       ? real->pMethods->xTruncate(real, op.offset)
                       : real->pMethods->xWrite(real, op.data.data(), static_cast<int>(op.data.size()), op.offset);
    if (rc != SQLITE_OK) {
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(i));
      return SQLITE_IOERR_FSYNC;
    }
  }
  pending.clear();
  if (h.dir_sync_pending) {
    sync_directory(d, dir_of(h.path));
    h.dir_sync_pending = false;
  }
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  auto& h = data_of(f);
  auto* real = h.real();
  if (!h.state) return real->pMethods->xFileSize(real, size);
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  if (int rc = real->pMethods->xFileSize(real, size); rc != SQLITE_OK) return rc;
  *size = overlay(h.state->pending, *size, nullptr, 0, 0);
  return SQLITE_OK;
}

int x_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
  auto& h = data_of(f);
  if (h.state) {
    switch (op) {
      case SQLITE_FCNTL_SIZE_HINT:
        // The unix VFS would grow the real file behind the model's back; it is only a hint.
        return SQLITE_OK;
      case SQLITE_FCNTL_MMAP_SIZE:
        // Every read goes through xRead, where the pending writes are.
        *static_cast<sqlite3_int64*>(arg) = 0;
        return SQLITE_OK;
      case SQLITE_FCNTL_POWERSAFE_OVERWRITE: {
        auto* v = static_cast<int*>(arg);
        if (*v < 0) *v = h.owner->options.powersafe_overwrite ? 1 : 0;
        return SQLITE_OK;
      }
      default:
        break;
    }
  }
  return h.real()->pMethods->xFileControl(h.real(), op, arg);
}

int x_sector_size(sqlite3_file* f) {
  auto& h = data_of(f);
  return h.state ? h.owner->options.sector_size : h.real()->pMethods->xSectorSize(h.real());
}

int x_device_characteristics(sqlite3_file* f) {
  auto& h = data_of(f);
  if (!h.state) return h.real()->pMethods->xDeviceCharacteristics(h.real());
  return h.owner->options.powersafe_overwrite ? SQLITE_IOCAP_POWERSAFE_OVERWRITE : 0;
}

int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

// Version 2: no xFetch, so SQLite never reads a memory map of the real file past the model.
const sqlite3_io_methods io_methods = {
    2,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    nullptr,
    nullptr,
};

// --- the VFS methods --------------------------------------------------------------------

instance& instance_of(sqlite3_vfs* v) {
  return *static_cast<instance*>(v->pAppData);
}
sqlite3_vfs* real_vfs(sqlite3_vfs* v) {
  return instance_of(v).real;
}

int x_open(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto& inst = instance_of(v);
  auto* h = reinterpret_cast<handle*>(f);
  h->base.pMethods = nullptr;
  h->data = nullptr;
  auto data = std::make_unique<handle_data>();
  data->owner = &inst;
  const auto words =
      (static_cast<std::size_t>(inst.real->szOsFile) + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
  data->real_storage = std::make_unique<std::max_align_t[]>(words);
  auto* real = data->real();
  constexpr int types = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TRANSIENT_DB |
                        SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL |
                        SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL;
  const int type = flags & types;
  const bool modeled = name && (type == SQLITE_OPEN_MAIN_DB || type == SQLITE_OPEN_MAIN_JOURNAL ||
                                type == SQLITE_OPEN_WAL || type == SQLITE_OPEN_SUPER_JOURNAL);
  if (!modeled) {
    const int rc = inst.real->xOpen(inst.real, name, real, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    h->data = data.release();
    h->base.pMethods = &io_methods;
    return SQLITE_OK;
  }
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  struct stat st {};
  const bool existed = ::stat(name, &st) == 0;
  const int rc = inst.real->xOpen(inst.real, name, real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  data->path = name;
  if (!existed && !d.write_through) d.names.try_emplace(data->path, name_state{});
  auto& state = d.files[data->path];
  if (!state.owner) state.owner = &inst;
  state.is_db = state.is_db || type == SQLITE_OPEN_MAIN_DB;
  data->state = &state;
  data->dir_sync_pending = (flags & SQLITE_OPEN_CREATE) && type != SQLITE_OPEN_MAIN_DB;
  h->data = data.release();
  h->base.pMethods = &io_methods;
  return SQLITE_OK;
}

// A delete reaches the disk when the directory is next synced (at once with `sync_dir`):
// until then a durable file is kept aside, for a power loss that undoes the delete.
int x_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  const std::string path = name;
  if (auto it = d.files.find(path); it != d.files.end()) it->second.pending.clear();
  struct stat st {};
  if (d.write_through || ::stat(name, &st) != 0) return real_vfs(v)->xDelete(real_vfs(v), name, 0);
  if (auto it = d.names.find(path); it == d.names.end()) {
    const std::string graveyard = path + ".powerloss-deleted";
    if (::rename(name, graveyard.c_str()) != 0) return SQLITE_IOERR_DELETE;
    d.names[path] = name_state{true, graveyard};
  } else if (int rc = real_vfs(v)->xDelete(real_vfs(v), name, 0); rc != SQLITE_OK) {
    return rc;
  }
  if (sync_dir) sync_directory(d, dir_of(path));
  return SQLITE_OK;
}

// The unix VFS counts an empty file as absent (a hot journal check): the size must be the
// one the pending writes give it.
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  if (flags == SQLITE_ACCESS_EXISTS) {
    auto& d = the_disk();
    std::lock_guard lock(d.mutex);
    if (auto it = d.files.find(name); it != d.files.end() && !it->second.pending.empty()) {
      struct stat st {};
      *out = ::stat(name, &st) == 0 && overlay(it->second.pending, st.st_size, nullptr, 0, 0) > 0;
      return SQLITE_OK;
    }
  }
  return real_vfs(v)->xAccess(real_vfs(v), name, flags, out);
}

int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* name) {
  return real_vfs(v)->xDlOpen(real_vfs(v), name);
}
void x_dl_error(sqlite3_vfs* v, int n, char* out) {
  real_vfs(v)->xDlError(real_vfs(v), n, out);
}
void (*x_dl_sym(sqlite3_vfs* v, void* lib, const char* sym))(void) {
  return real_vfs(v)->xDlSym(real_vfs(v), lib, sym);
}
void x_dl_close(sqlite3_vfs* v, void* lib) {
  real_vfs(v)->xDlClose(real_vfs(v), lib);
}
int x_randomness(sqlite3_vfs* v, int n, char* out) {
  return real_vfs(v)->xRandomness(real_vfs(v), n, out);
}
int x_sleep(sqlite3_vfs* v, int micros) {
  return real_vfs(v)->xSleep(real_vfs(v), micros);
}
int x_current_time(sqlite3_vfs* v, double* out) {
  return real_vfs(v)->xCurrentTime(real_vfs(v), out);
}
int x_get_last_error(sqlite3_vfs* v, int n, char* out) {
  return real_vfs(v)->xGetLastError(real_vfs(v), n, out);
}
int x_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
  return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
}
int x_set_system_call(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr p) {
  return real_vfs(v)->xSetSystemCall(real_vfs(v), name, p);
}
sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs* v, const char* name) {
  return real_vfs(v)->xGetSystemCall(real_vfs(v), name);
}
const char* x_next_system_call(sqlite3_vfs* v, const char* name) {
  return real_vfs(v)->xNextSystemCall(real_vfs(v), name);
}

}  // namespace

int install(const vfs_options& options) {
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  sqlite3_vfs* real = sqlite3_vfs_find("unix");
  if (!real || real->iVersion < 3) return SQLITE_ERROR;
  if (sqlite3_vfs_find(options.name.c_str())) return SQLITE_MISUSE;
  auto inst = std::make_unique<instance>();
  inst->options = options;
  inst->real = real;
  auto& v = inst->vfs;
  v.iVersion = 3;
  v.szOsFile = static_cast<int>(sizeof(handle));
  v.mxPathname = real->mxPathname;
  v.zName = inst->options.name.c_str();
  v.pAppData = inst.get();
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  v.xSetSystemCall = x_set_system_call;
  v.xGetSystemCall = x_get_system_call;
  v.xNextSystemCall = x_next_system_call;
  const int rc = sqlite3_vfs_register(&v, options.make_default ? 1 : 0);
  if (rc != SQLITE_OK) return rc;
  d.instances.push_back(std::move(inst));
  if (!d.exit_hook) {
    std::atexit(flush_at_exit);
    d.exit_hook = true;
  }
  return SQLITE_OK;
}

void lose_power(std::uint64_t seed, fate f) {
  auto& d = the_disk();
  d.mutex.lock();  // never unlocked: the process dies holding it
  die_locked(d, seed, f, "at-once");
}

void arm(std::uint64_t seed, int ops, fate f) {
  auto& d = the_disk();
  std::lock_guard lock(d.mutex);
  d.armed_ops = std::max(1, ops);
  d.armed_on_db = false;
  d.armed_seed = seed;
  d.armed_fate = f;
}

void lose_power_on_signal(int signo, std::chrono::milliseconds idle, std::chrono::milliseconds checkpoint_wait) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, idle, checkpoint_wait] {
    siginfo_t info{};
    while (::sigwaitinfo(&set, &info) < 0) {
    }
    const std::uint64_t seed =
        info.si_code == SI_QUEUE ? static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(info.si_value.sival_ptr))
                                 : (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
    std::mt19937_64 rng(seed);
    auto& d = the_disk();
    std::unique_lock lock(d.mutex);
    const auto when = rng() % 8;
    if (when < 2) die_locked(d, seed, fate::random, "at-once");
    // In WAL mode only a checkpoint writes the database file: one time in eight power fails
    // among its writes and its sync, which come seldom, so it may wait longer for one.
    d.armed_on_db = when == 2;
    d.armed_ops = 1 + static_cast<int>(rng() % (d.armed_on_db ? 40 : 12));
    d.armed_seed = seed;
    d.armed_fate = fate::random;
    // The lock is free while waiting: the armed operation kills the process itself, and
    // whichever side takes the lock first decides the moment.
    const auto until = std::chrono::steady_clock::now() + (d.armed_on_db ? checkpoint_wait : idle);
    d.never.wait_until(lock, until, [&] { return std::chrono::steady_clock::now() >= until; });
    die_locked(d, seed, fate::random, "idle");
  }).detach();
}

}  // namespace dutyflow::testing::powerloss

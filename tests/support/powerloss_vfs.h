// A SQLite VFS for tests that can lose power, after SQLite's own crash VFS (src/test6.c).
// It wraps the "unix" VFS and keeps, per file, every write and truncate made since that
// file's last xSync in memory only (reads see them laid over the real file, as a page
// cache would); xSync writes them through. When power is lost, the writes of every file
// not yet synced are kept, dropped or torn as a seed decides, directory entries no
// directory sync made durable may be undone, -shm files are garbled, and the process
// dies at once with SIGKILL. What is on disk then is what a machine that lost power
// could have left. The model covers the files SQLite opens as database, journal or WAL
// (temporary files pass through); a file that existed before this process opened it is
// durable, name and bytes; nothing else the process writes is modelled. No real fsync
// is made: the host keeps running, so the real file holds what the disk would. One
// process: another process sees only the synced bytes.
// Test code only: the unit test (tests/crash/powerloss_vfs_test.cpp) and the crash
// test's build of dutyflowd (tests/crash/dutyflowd_powerloss.cpp) link it; dutyflowd
// does not. Every function may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dutyflow::testing::powerloss {

// What happens to the writes not yet synced when power is lost.
enum class fate : std::uint8_t {
  random,    // one of the patterns below per loss, or each write its own way, from the seed
  keep_all,  // every one reached the disk (what SIGKILL leaves) and every directory change
  drop_all,  // none did, and the directories are as they were last synced
  tear_all,  // each write torn: part of it reached the disk, part did not, part is garbage
};

struct vfs_options {
  // The name it is registered under (sqlite3_open_v2's zVfs). Default: "powerloss".
  std::string name = "powerloss";
  // Also SQLite's default VFS, for code that names none (the store). Default: false.
  bool make_default = false;
  // What xSectorSize reports; with powersafe_overwrite off, a torn write trashes whole
  // sectors of this size. Default: 4096 (the unix VFS's).
  int sector_size = 4096;
  // Claim SQLITE_IOCAP_POWERSAFE_OVERWRITE, as the unix VFS does by default and dutyflowd
  // runs with: a torn write damages only bytes it wrote (512-byte pieces or a prefix).
  // Off: nothing is claimed, and a torn write trashes every sector it touches, neighbours'
  // synced bytes included, as test6.c's device does. No atomic-write, safe-append or
  // sequential flag is ever claimed. Default: true.
  bool powersafe_overwrite = true;
};

// Registers a VFS over "unix" with these options. Several may be registered under
// different names; they share one disk model, so one power loss hits all their files.
// Returns SQLITE_OK, or SQLITE_MISUSE for a name taken, SQLITE_ERROR without "unix".
int install(const vfs_options& options);

// Power fails now. Never returns: the process is killed with SIGKILL after the disk has
// been left as `f` and `seed` decide, and one line "powerloss: seed=... moment=..."
// with what became of the pending writes has been written to stderr.
[[noreturn]] void lose_power(std::uint64_t seed, fate f = fate::random);

// Power fails on the `ops`th write, truncate or sync from now (before it takes effect)
// on any file of these VFSs: in the middle of a commit or a checkpoint rather than
// between them. Until then everything runs normally.
void arm(std::uint64_t seed, int ops, fate f = fate::random);

// For a daemon under test: blocks `signo` in the calling thread, which must be the only
// one (threads started later inherit the mask), and starts a thread that waits for it.
// On the signal, as its seed decides, power fails at once (two times in eight), on one of
// the next 1-12 operations (five in eight), or on one of the next 1-40 operations on a
// main database file, i.e. inside a WAL checkpoint (one in eight). If that operation does
// not come within `idle` (`checkpoint_wait` for a checkpoint), power fails then. The
// seed is the signal's sigqueue value (process::stop with a value); a plain kill gets a
// random one, printed on the report line.
void lose_power_on_signal(int signo, std::chrono::milliseconds idle = std::chrono::milliseconds(200),
                          std::chrono::milliseconds checkpoint_wait = std::chrono::milliseconds(1500));

// At normal process exit the writes not yet synced are written through (the operating
// system is still up and flushes its cache); from then on every write goes straight
// through. Installed by install(); a process that loses power never gets there.

}  // namespace dutyflow::testing::powerloss

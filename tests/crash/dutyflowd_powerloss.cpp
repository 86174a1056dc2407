// The crash test's build of dutyflowd for its power-loss mode: tools/dutyflowd.cpp's own
// compiled main, linked with this file, which before main makes the powerloss VFS
// (tests/support/powerloss_vfs.h) SQLite's default, so every connection the daemon
// opens keeps its unsynced writes where a power loss can take them, and lets SIGUSR2
// (sent with a seed by daemon_fixture::lose_power) cut the power. Never installed: the
// dutyflowd that ships links none of this.
#include <signal.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

#include "tests/support/powerloss_vfs.h"

namespace {

// Static initialisation runs before main and before any thread exists, as
// lose_power_on_signal() needs: every thread the daemon starts inherits the blocked signal.
[[maybe_unused]] const bool installed = [] {
  dutyflow::testing::powerloss::vfs_options options;
  options.make_default = true;
  if (const int rc = dutyflow::testing::powerloss::install(options); rc != SQLITE_OK) {
    std::fprintf(stderr, "powerloss: cannot register the VFS (SQLite error %d)\n", rc);
    std::_Exit(2);
  }
  dutyflow::testing::powerloss::lose_power_on_signal(SIGUSR2);
  return true;
}();

}  // namespace

// The secret files of a daemon (the calendar link key, the one-click link key): created
// once with 32 random bytes as 64 hex characters, mode 0600, and read back on every
// start. One loader for every secret, so each is created, checked and refused the same
// way. Any thread; no state.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace dutyflow::security {

// The text of the secret in `path` (trailing whitespace trimmed), creating the file
// (parent directories too) when it does not exist. The key is written and synced before
// the file gets its name (link(2) of an unnamed O_TMPFILE file), so a daemon killed while
// creating it leaves no file or a whole one; of two processes starting at once, one key
// wins and both use it; an empty file (an older version's crash) is made anew. `what` names the
// secret in errors ("calendar link key: …"). Errors: errc::invalid for a file readable
// by group or others, or holding fewer than 16 characters; errc::storage when it cannot
// be read or written; errc::internal without randomness. `created` tells whether the
// file was written now.
result<std::string> load_or_create_secret(const std::string& path, std::string_view what, bool* created = nullptr);

// fsync()s the directory that holds `path`, so that a file just created in it, or
// renamed into it, is still there after a power loss (the file's own fsync does not
// make its name durable). Errors: errc::storage naming the directory.
status sync_parent_directory(const std::string& path);

}  // namespace dutyflow::security

// The two channels that need no network: `log` (one spdlog line per message, the
// default for units without contacts) and `file` (one JSON line per message appended to
// a file under a configured directory and fsynced, for integrations and audits).
#pragma once

#include <string>

#include "adapters/notify/channel.h"

namespace dutyflow::notify {

class log_channel final : public channel {
 public:
  // `why`: said in every line when this channel stands in for another ("no SMTP relay
  // configured"); empty for real log contacts.
  explicit log_channel(std::string why = "") : why_(std::move(why)) {}
  std::string lane(const contact&) const override { return "log"; }
  delivery deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) override;

 private:
  std::string why_;
};

struct file_options {
  // Directory the files named by "file" contacts live in; created when missing. A
  // contact's "to" is a file name relative to it ("../" and absolute paths are refused).
  // Default: "var/notifications".
  std::string dir = "var/notifications";
};

class file_channel final : public channel {
 public:
  explicit file_channel(file_options options) : options_(std::move(options)) {}
  std::string lane(const contact& c) const override;
  delivery deliver(const message& m, const contact& c, instant now, const std::atomic<bool>& cancel) override;
  // The file a contact writes to, or "" when its name is refused.
  std::string path_of(const contact& c) const;

 private:
  file_options options_;
};

}  // namespace dutyflow::notify

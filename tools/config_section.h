// Reading one JSON object of dutyflowd's config file into option structs: every key
// must be known, every value of the right type and range, and an error names the key
// by its dotted path ("http.header_timeout"). Plain functions over a JSON value; used
// once at start-up on the main thread.
#pragma once

#include "engine/status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <initializer_list>
#include <string>

namespace dutyflow {

// dutyflowd's config file, read and parsed once (depth-limited, repeated keys refused):
// every reader of a section (daemon_config.h, notify_setup.h) takes this, so a start reads
// the file once and every section sees the same text.
struct config_file {
  std::string path;
  nlohmann::json doc;  // an object

  // The section `key`: null when the file has none; errc::invalid when it is not an object.
  result<const nlohmann::json*> section(const char* key) const;
  // errc::invalid with the file's path in front of `why`.
  error invalid(const std::string& why) const;
};

// Errors: errc::not_found if the file cannot be read, errc::invalid if it is not a JSON
// object (the message names the file).
result<config_file> read_config_file(const std::string& path);

// "500ms", "30s", "1m", "6h", "14d". Fails with errc::invalid.
result<std::chrono::milliseconds> parse_setting_duration(const std::string& text);

// Each reader leaves `out` as it was when the key is absent and returns true; on a bad
// value it sets `error` ("\"path.key\" must be ...") and returns false.
class config_section {
 public:
  config_section(const nlohmann::json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  // False (and `error`) for a key not in `keys`: most likely a typo.
  bool check_keys(std::initializer_list<const char*> keys, std::string& error) const;
  bool string(const char* key, std::string& out, std::string& error) const;
  bool boolean(const char* key, bool& out, std::string& error) const;
  bool integer(const char* key, long long min, long long max, long long& out, std::string& error) const;
  bool number(const char* key, double min, double max, double& out, std::string& error) const;
  // A duration string (parse_setting_duration), converted to Duration.
  template <class Duration>
  bool duration(const char* key, Duration& out, std::string& error) const {
    std::chrono::milliseconds ms{};
    if (!duration_ms(key, ms, error)) return false;
    if (obj_.contains(key)) out = std::chrono::duration_cast<Duration>(ms);
    return true;
  }
  // The object at `key`, or null when absent or (with `error` set) not an object.
  const nlohmann::json* object(const char* key, std::string& error) const;
  std::string path(const char* key) const { return path_ + "." + key; }

 private:
  bool duration_ms(const char* key, std::chrono::milliseconds& out, std::string& error) const;
  bool fail(const char* key, const std::string& why, std::string& error) const;

  const nlohmann::json& obj_;
  std::string path_;
};

}  // namespace dutyflow

#include "tools/daemon_config.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace dutyflow {

status read_daemon_config(const std::string& path, daemon_options& out) {
  std::ifstream in(path);
  if (!in) return make_error(errc::not_found, "cannot read config " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = nlohmann::json::parse(buf.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(errc::invalid, path + ": not a JSON object");
  struct field {
    const char* key;
    std::string* target;
  };
  const field fields[] = {{"listen", &out.listen},   {"db", &out.db},         {"plans", &out.plans},
                          {"tokens", &out.tokens},   {"calendar", &out.calendar}, {"clock", &out.clock},
                          {"synchronous", &out.synchronous}, {"log_level", &out.log_level},
                          {"calendar_key", &out.calendar_key}};
  for (const auto& [key, value] : doc.items()) {
    bool known = false;
    for (const auto& f : fields) {
      if (key != f.key) continue;
      known = true;
      if (!value.is_string()) return make_error(errc::invalid, path + ": \"" + key + "\" must be a string");
      *f.target = value.get<std::string>();
    }
    // Later components (notifications, http) read their own sections; unknown top-level
    // scalars are most likely typos.
    if (!known && !value.is_object()) return make_error(errc::invalid, path + ": unknown setting \"" + key + "\"");
  }
  if (out.synchronous != "full" && out.synchronous != "normal")
    return make_error(errc::invalid, path + ": \"synchronous\" must be \"full\" or \"normal\"");
  return ok_status();
}

}  // namespace dutyflow

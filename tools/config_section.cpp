#include "tools/config_section.h"

#include "engine/json_limits.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace dutyflow {

using nlohmann::json;

result<config_file> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(errc::not_found, "cannot read config " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = parse_json(buf.str());
  if (!parsed) return make_error(errc::invalid, path + ": " + parsed.err().message);
  if (!parsed->is_object()) return make_error(errc::invalid, path + ": not a JSON object");
  return config_file{path, std::move(*parsed)};
}

result<const json*> config_file::section(const char* key) const {
  static const json absent;
  auto it = doc.find(key);
  if (it == doc.end()) return &absent;
  if (!it->is_object()) return invalid("\"" + std::string(key) + "\" must be an object");
  return &*it;
}

error config_file::invalid(const std::string& why) const { return make_error(errc::invalid, path + ": " + why); }

result<std::chrono::milliseconds> parse_setting_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const auto unit = text.substr(digits);
  if (digits == 0 || digits > 9)
    return make_error(errc::invalid, "\"" + text + "\" is not a duration (500ms, 30s, 5m, 6h, 14d)");
  const long long n = std::stoll(text.substr(0, digits));
  using namespace std::chrono;
  if (unit == "ms") return milliseconds(n);
  if (unit == "s") return duration_cast<milliseconds>(seconds(n));
  if (unit == "m") return duration_cast<milliseconds>(minutes(n));
  if (unit == "h") return duration_cast<milliseconds>(hours(n));
  if (unit == "d") return duration_cast<milliseconds>(hours(24 * n));
  return make_error(errc::invalid, "\"" + text + "\" is not a duration (500ms, 30s, 5m, 6h, 14d)");
}

bool config_section::check_keys(std::initializer_list<const char*> keys, std::string& error) const {
  for (const auto& [k, v] : obj_.items()) {
    bool known = false;
    for (const char* key : keys) known = known || k == key;
    if (!known) {
      error = "unknown setting \"" + path_ + "." + k + "\"";
      return false;
    }
  }
  return true;
}

bool config_section::string(const char* key, std::string& out, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return true;
  if (!it->is_string()) return fail(key, "must be a string", error);
  out = it->get<std::string>();
  return true;
}

bool config_section::boolean(const char* key, bool& out, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return true;
  if (!it->is_boolean()) return fail(key, "must be true or false", error);
  out = it->get<bool>();
  return true;
}

bool config_section::integer(const char* key, long long min, long long max, long long& out, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return true;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max)
    return fail(key, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max), error);
  out = it->get<long long>();
  return true;
}

bool config_section::number(const char* key, double min, double max, double& out, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return true;
  if (!it->is_number() || it->get<double>() < min || it->get<double>() > max)
    return fail(key, "must be a number from " + std::to_string(min) + " to " + std::to_string(max), error);
  out = it->get<double>();
  return true;
}

bool config_section::duration_ms(const char* key, std::chrono::milliseconds& out, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return true;
  if (!it->is_string()) return fail(key, "must be a duration such as \"30s\", \"5m\", \"6h\"", error);
  auto d = parse_setting_duration(it->get<std::string>());
  if (!d) return fail(key, d.err().message, error);
  out = *d;
  return true;
}

const json* config_section::object(const char* key, std::string& error) const {
  auto it = obj_.find(key);
  if (it == obj_.end()) return nullptr;
  if (!it->is_object()) fail(key, "must be an object", error);
  return it->is_object() ? &*it : nullptr;
}

bool config_section::fail(const char* key, const std::string& why, std::string& error) const {
  error = "\"" + path_ + "." + key + "\" " + why;
  return false;
}

}  // namespace dutyflow

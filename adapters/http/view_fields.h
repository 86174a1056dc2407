// Small readers of the API's JSON shared by the view handlers (calendar feed, metrics,
// dashboard): a string field or nothing, an ISO instant field or nothing, and the offset
// the API shows instants in. Internal to adapters/http.
#pragma once

#include "engine/time.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dutyflow::http {

inline constexpr std::chrono::minutes display_offset{420};  // the API's +07:00

inline std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::optional<instant> instant_of(const nlohmann::json& j, const char* key) {
  auto text = str(j, key);
  if (text.empty()) return std::nullopt;
  auto t = parse_instant(text);
  return t ? std::optional<instant>(*t) : std::nullopt;
}

}  // namespace dutyflow::http

// The one way dutyflow parses JSON that comes from outside (request bodies, plan files,
// the tokens file, imports): nesting is limited while parsing, before a deep value is
// built (copying, dumping or comparing a deep value recurses and overflows the stack),
// and an object that names a key twice is refused instead of keeping the last one.
// Plain functions; any thread may call them.
#pragma once

#include "engine/status.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace dutyflow {

struct json_limits {
  // Arrays and objects open at once, the outermost one counted. Default: 64.
  int max_depth = 64;
};

// Parses `text` as JSON within `limits`. Fails with errc::invalid and a one-line message:
// "not valid JSON (at byte N)" (details {"offset": N}), "nested deeper than 64 levels (at
// PATH)" (details {"path", "limit"}) or "has the key \"k\" twice (at PATH)" (details
// {"path", "key"}): each reads after "body is"/"body " or a file's name. PATH is written like plan paths, "duties[3].owner"; the root is "$".
result<nlohmann::json> parse_json(std::string_view text, const json_limits& limits = {});
result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, const json_limits& limits = {});

}  // namespace dutyflow

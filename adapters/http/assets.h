// The dashboard's static files (adapters/http/assets/), compiled into the binary by a
// build step (embed_assets.cmake). Immutable; any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace dutyflow::http {

struct embedded_asset {
  std::string_view path;          // "/index.html", "/app.js"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

// The asset served at `path` ("/" is "/index.html"), or null.
const embedded_asset* find_asset(std::string_view path);

namespace generated {
extern const embedded_asset table[];
extern const std::size_t table_size;
}  // namespace generated

}  // namespace dutyflow::http

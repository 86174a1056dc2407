#include "adapters/http/assets.h"

namespace dutyflow::http {

const embedded_asset* find_asset(std::string_view path) {
  if (path == "/" || path.empty()) path = "/index.html";
  for (std::size_t i = 0; i < generated::table_size; ++i)
    if (generated::table[i].path == path) return &generated::table[i];
  return nullptr;
}

}  // namespace dutyflow::http

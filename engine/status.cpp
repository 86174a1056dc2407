#include "engine/status.h"

namespace dutyflow {

std::string_view errc_name(errc code) {
  switch (code) {
    case errc::invalid: return "invalid";
    case errc::unauthenticated: return "unauthenticated";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::version_mismatch: return "version_mismatch";
    case errc::too_large: return "too_large";
    case errc::storage: return "storage";
    case errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace dutyflow

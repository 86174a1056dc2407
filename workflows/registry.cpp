#include "workflows/registry.h"

#include <algorithm>
#include <array>

namespace dutyflow {
namespace {

class builtin_registry final : public kind_registry {
 public:
  builtin_registry()
      : kinds_{&attendance_kind(), &awards_kind(),    &publish_kind(), &report_kind(),
               &reporter_kind(),   &tham_luan_kind(), &venue_kind()} {
    std::ranges::sort(kinds_, {}, &duty_kind::name);
  }

  const duty_kind* find(std::string_view name) const override {
    auto it = std::ranges::lower_bound(kinds_, name, {}, &duty_kind::name);
    return it != kinds_.end() && (*it)->name() == name ? *it : nullptr;
  }

  std::vector<std::string_view> names() const override {
    std::vector<std::string_view> out;
    out.reserve(kinds_.size());
    for (const duty_kind* k : kinds_) out.push_back(k->name());
    return out;
  }

 private:
  std::array<const duty_kind*, 7> kinds_;  // sorted by name
};

}  // namespace

const kind_registry& builtin_kinds() {
  static const builtin_registry registry;
  return registry;
}

}  // namespace dutyflow

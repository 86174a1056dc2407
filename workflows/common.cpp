#include "workflows/common.h"

#include <algorithm>

namespace dutyflow::workflows {

kind_base::kind_base(std::string_view name, std::string_view label_vi, std::span<const event_spec> events,
                     const std::vector<state_spec>& by_id)
    : name_(name), label_vi_(label_vi), events_(events), states_(by_id), by_id_(by_id.size()) {
  // MSM numbers states in order of appearance, so the two regions interleave; list
  // progress first for whoever shows states().
  std::stable_partition(states_.begin(), states_.end(), [](const state_spec& s) { return s.in == region::progress; });
  for (std::size_t id = 0; id < by_id.size(); ++id) {
    by_id_[id] =
        &*std::find_if(states_.begin(), states_.end(), [&](const state_spec& s) { return s.name == by_id[id].name; });
  }
}

}  // namespace dutyflow::workflows

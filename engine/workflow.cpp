#include "engine/workflow.h"

#include <array>

namespace dutyflow {
namespace {

// Indexed by event_type; the order must match the enum.
constexpr std::array<std::string_view, event_type_count> event_names = {
    "acknowledge", "start",     "submit",         "approve",  "return",
    "mark_ready",  "name_reporter", "mark_attended", "publish", "appraise",
    "decide",      "present",   "name_delegates", "mark_absent", "cancel",
    "reassign",    "comment",   "due_soon",       "overdue",  "escalate",
    "deadline_changed",
};

}  // namespace

std::string_view event_name(event_type type) { return event_names[static_cast<std::size_t>(type)]; }

bool parse_event_name(std::string_view name, event_type& out) {
  for (std::size_t i = 0; i < event_names.size(); ++i) {
    if (event_names[i] == name) {
      out = static_cast<event_type>(i);
      return true;
    }
  }
  return false;
}

}  // namespace dutyflow

// The HTTP API's JSON of the engine's read model (engine/read_model.h): the shapes of
// DESIGN.md's "HTTP API", the one place that writes them. Keys are nlohmann::json's
// (sorted); instants are ISO-8601 in the plan's zone; enums by their API names, with the
// Vietnamese labels beside them where the dashboard shows them. Pure functions of their
// arguments; any thread.
#pragma once

#include "engine/read_model.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace dutyflow::http {

// GET /plans/{plan}/duties/{duty}, each item of GET /duties (with "history" when the view has one).
nlohmann::json to_json(const duty_view& d);
std::vector<nlohmann::json> to_json(const std::vector<duty_view>& duties);
// One history entry ({"seq", "event", "actor", "at", "note", "data"}) in the zone `offset`.
nlohmann::json to_json(const history_entry& e, std::chrono::minutes offset);
// An accepted event's answer: the duty with its "event"; an answer stored by an older
// dutyflow exactly as stored.
nlohmann::json to_json(const duty_answer& a);
// Each item of GET /plans: the header and "counts".
nlohmann::json to_json(const plan_summary& p);
std::vector<nlohmann::json> to_json(const std::vector<plan_summary>& plans);
// GET /plans/{plan}: the summary, "milestones", "units", "groups" and "duties" (when the view has them).
nlohmann::json to_json(const plan_view& p);
// PUT /plans/{plan}/milestones/{name}: {"plan", "milestone", "at", "changed": [{"duty", "from", "to"}]}.
nlohmann::json to_json(const milestone_change& c);

// A read's JSON, or its error as it was.
template <class View>
result<nlohmann::json> to_json(const result<View>& r) {
  if (!r) return r.err();
  return to_json(*r);
}

}  // namespace dutyflow::http

// Test side of the duty kinds: an independent, plain-data statement of what each kind
// must do (written from DESIGN.md, not from the MSM tables) and checkers that hold a
// duty_kind against it. Used only by workflows_test.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/workflow.h"

namespace dutyflow::kind_check {

// One progress transition of a kind, beyond the shared ones (acknowledge, cancel,
// reassign, comment and the timeliness events, which expected() adds itself).
struct model_row {
  std::string_view from;
  event_type event;
  std::string_view to;
  std::vector<std::string> effects = {};  // "reason:target", e.g. "approved:owner"
};

struct kind_model {
  std::string_view name;
  std::string_view label_vi;
  std::vector<std::string_view> open;      // every non-terminal progress state
  std::vector<std::string_view> terminal;  // every terminal progress state
  std::vector<model_row> rows;
  std::vector<event_spec> own_events;  // the kind's events() minus the shared ones
  // Issue 14: the progress states in which the unit's part is delivered, and the owner
  // event that delivers it (DESIGN.md: "The deadline judges the unit's part").
  std::vector<std::string_view> delivered;
  event_type delivers = event_type::submit;
};

// What firing `type` in (progress, timeliness) must do.
struct outcome {
  bool accepted = false;
  std::string progress;
  std::string timeliness;
  std::vector<std::string> effects;
};
outcome expected(const kind_model& model, std::string_view progress, std::string_view timeliness, event_type type);

// Every event_type value, in enum order.
std::vector<event_type> all_event_types();

std::string to_string(const effect& e);
std::vector<std::string> to_strings(const std::vector<effect>& effects);
// "InProgress/OnTrack".
std::string to_string(const machine_state& s);
std::string to_string(const event_spec& spec);

// One step of a scripted path: fire `event`, which must be accepted, and land in
// progress/timeliness having asked for exactly `effects`.
struct step {
  event_type event;
  std::string_view progress;
  std::string_view timeliness = "OnTrack";
  std::vector<std::string> effects = {};
};
// Fires the steps into a fresh machine of `kind`; returns it for further checks.
std::unique_ptr<duty_machine> walk(const duty_kind& kind, std::initializer_list<step> steps);

// Walks `path` from a fresh machine to an open state, then checks that cancel ends the
// duty there and reassign gives it back to Assigned for a new owner.
void check_cancel_and_reassign(const duty_kind& kind, std::initializer_list<event_type> path);

// A machine in each (progress, timeliness) pair reachable from create(), found by
// firing every event_type everywhere.
std::vector<std::unique_ptr<duty_machine>> reachable_states(const duty_kind& kind);

// Exhaustive check of the kind against its model: the states it declares, and for every
// reachable state x every event_type: accepted or refused as the model says, the next
// state and effects, a refusal changes nothing, accepts() agrees with fire().
void check_against_model(const duty_kind& kind, const kind_model& model);

// events() holds each event once, exactly the ones the machine accepts somewhere, with
// the who / label / requirement of the model.
void check_event_specs(const duty_kind& kind, const kind_model& model);

// Random walks recorded as journals replay into fresh machines with the same states and
// effects; clones are independent of their originals.
void check_replay(const duty_kind& kind);

}  // namespace dutyflow::kind_check

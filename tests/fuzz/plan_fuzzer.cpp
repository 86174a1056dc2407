// The plan loader (engine/plan.h) fed plan files as JSON text, as `dutyflow validate`,
// POST /api/v1/plans and the daemon's plan directory read them. A refusal lists its
// errors with JSON paths; a plan that loads is consistent (every reference resolves), its
// canonical text loads again to the same plan, and the engine takes it: it journals it,
// answers for every duty, runs the scheduler over it and replays to the same state.
#include "engine/plan.h"
#include "engine/scheduler.h"
#include "tests/fuzz/fuzz_world.h"
#include "workflows/registry.h"

#include <set>

namespace {

using namespace dutyflow;
using nlohmann::json;
using fuzz::fail;

void check_refusal(const error& err) {
  FUZZ_CHECK(err.code == errc::invalid, err.message);
  auto issues = plan_errors(err);
  FUZZ_CHECK(!issues.empty(), "a refused plan lists its errors: " + err.message);
  for (const auto& i : issues) FUZZ_CHECK(!i.message.empty(), "every error says what is wrong");
}

void check_consistent(const plan& p) {
  FUZZ_CHECK(valid_id(p.id), p.id);
  FUZZ_CHECK(p.find_unit(p.coordinator), "the coordinator is a unit: " + p.coordinator);
  std::set<std::string> ids;
  for (const auto& d : p.duties) {
    FUZZ_CHECK(ids.insert(d.id).second, "duty ids are unique: " + d.id);
    FUZZ_CHECK(d.machine_kind != nullptr, "every duty has a machine: " + d.id);
    FUZZ_CHECK(p.find_unit(d.owner), "every owner is a unit: " + std::string(d.owner));
    for (const auto& c : d.collaborators()) FUZZ_CHECK(p.find_unit(c), "every collaborator is a unit: " + c);
    if (d.due.kind == due_spec::type::milestone)
      FUZZ_CHECK(p.find_milestone(d.due.milestone), "the milestone exists: " + std::string(d.due.milestone));
  }
  for (const auto& d : p.duties)
    for (const auto& dep : d.depends_on()) FUZZ_CHECK(p.find_duty(dep), "every dependency is a duty: " + dep);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::world world(false);
  const json doc = json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;  // bad JSON is nlohmann's to refuse, not the loader's
  auto loaded = load_plan(doc, builtin_kinds());
  if (!loaded) {
    check_refusal(loaded.err());
    return 0;
  }
  const auto& p = *loaded->value;
  check_consistent(p);

  // The canonical text is what the journal stores and the daemon reloads at start.
  const json again_doc = json::parse(loaded->canonical, nullptr, false);
  FUZZ_CHECK(!again_doc.is_discarded(), "the canonical text is JSON");
  auto again = load_plan(again_doc, builtin_kinds());
  FUZZ_CHECK(again, "the canonical text loads again: " + (again ? std::string() : again.err().message));
  FUZZ_CHECK(again->canonical == loaded->canonical, "and gives the same canonical text");
  FUZZ_CHECK(again->value->canonical_hash == p.canonical_hash, "and the same hash");
  FUZZ_CHECK(again->value->duties.size() == p.duties.size(), "and the same duties");

  // The engine takes every plan the loader accepts.
  world.on_engine([&](engine& e) {
    auto added = e.load(*loaded, actor{"fuzz", role::coordinator, p.coordinator});
    FUZZ_CHECK(added, "the engine loads a valid plan: " + (added ? std::string() : added.err().message));
    FUZZ_CHECK(*added, "a new plan is added");
    auto pj = e.plan_json(p.id);
    FUZZ_CHECK(pj, "the plan answers");
    for (const auto& d : p.duties) {
      auto dj = e.duty_json(p.id, d.id, nullptr, true);
      FUZZ_CHECK(dj, "every duty answers: " + d.id);
    }
    // Loading the same content again changes nothing.
    auto twice = e.load(*again, actor{"fuzz", role::coordinator, p.coordinator});
    FUZZ_CHECK(twice && !*twice, "the same content again is no change");
    // A month of the scheduler over it, in steps, as a running daemon would see it.
    for (int day = 0; day < 40; day += 3) {
      auto now = world.clock().now() + std::chrono::days{day};
      if (auto s = world.clock().set(now); !s) fail("clock: " + s.err().message);
      e.timers().run_due(now);
      auto next = e.timers().next_due();
      FUZZ_CHECK(!next || *next > now, "run_due leaves nothing due at now");
    }
  });
  world.replay_check_and_reset();
  return 0;
}

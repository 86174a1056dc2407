#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "tests/unit/workflows/allocation_counter.h"
#include "tests/unit/workflows/kind_model.h"

namespace dutyflow::kind_check {
namespace {

constexpr std::string_view builtin_names[] = {"attendance", "awards",    "publish", "report",
                                              "reporter",   "tham_luan", "venue"};

TEST(Registry, FindsTheSevenKindsByName) {
  const kind_registry& registry = builtin_kinds();
  for (std::string_view name : builtin_names) {
    const duty_kind* kind = registry.find(name);
    ASSERT_NE(kind, nullptr) << name;
    EXPECT_EQ(kind->name(), name);
    EXPECT_FALSE(kind->label_vi().empty());
  }
  EXPECT_EQ(registry.find("report"), &report_kind());
  EXPECT_EQ(registry.find("venue"), &venue_kind());
  EXPECT_EQ(registry.find("reporter"), &reporter_kind());
  EXPECT_EQ(registry.find("tham_luan"), &tham_luan_kind());
  EXPECT_EQ(registry.find("awards"), &awards_kind());
  EXPECT_EQ(registry.find("attendance"), &attendance_kind());
  EXPECT_EQ(registry.find("publish"), &publish_kind());
}

TEST(Registry, UnknownNameIsNotFound) {
  const kind_registry& registry = builtin_kinds();
  EXPECT_EQ(registry.find(""), nullptr);
  EXPECT_EQ(registry.find("Report"), nullptr);
  EXPECT_EQ(registry.find("reports"), nullptr);
  EXPECT_EQ(registry.find("repor"), nullptr);
  EXPECT_EQ(registry.find("zzz"), nullptr);
  EXPECT_EQ(registry.find("a"), nullptr);
}

TEST(Registry, NamesAreSorted) {
  const auto names = builtin_kinds().names();
  EXPECT_EQ(names, std::vector<std::string_view>(std::begin(builtin_names), std::end(builtin_names)));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(Kinds, EveryStateHasAVietnameseLabel) {
  for (std::string_view name : builtin_kinds().names()) {
    const duty_kind& kind = *builtin_kinds().find(name);
    bool seen_timeliness = false;
    for (const state_spec& s : kind.states()) {
      SCOPED_TRACE(std::string(name) + " " + std::string(s.name));
      EXPECT_FALSE(s.name.empty());
      EXPECT_FALSE(s.label_vi.empty());
      EXPECT_NE(s.label_vi, s.name);
      // Progress states are listed first.
      if (s.in == region::timeliness) seen_timeliness = true;
      EXPECT_FALSE(seen_timeliness && s.in == region::progress);
      EXPECT_FALSE(s.terminal && s.in == region::timeliness);
    }
  }
}

TEST(Kinds, StateSpecsAreSharedByAllMachinesOfAKind) {
  for (std::string_view name : builtin_kinds().names()) {
    const duty_kind& kind = *builtin_kinds().find(name);
    const machine_state s = kind.create()->state();
    const auto states = kind.states();
    EXPECT_TRUE(s.progress >= states.data() && s.progress < states.data() + states.size()) << name;
    EXPECT_TRUE(s.timeliness >= states.data() && s.timeliness < states.data() + states.size()) << name;
    EXPECT_EQ(s.progress, kind.create()->state().progress) << name;
  }
}

TEST(Kinds, UnknownEventsAreRefusedEverywhere) {
  for (std::string_view name : builtin_kinds().names()) {
    const duty_kind& kind = *builtin_kinds().find(name);
    for (const auto& machine : reachable_states(kind)) {
      for (event_type type : all_event_types()) {
        if (kind.find_event(type) != nullptr) continue;
        std::vector<effect> effects;
        EXPECT_FALSE(machine->accepts(type)) << name << " " << event_name(type);
        EXPECT_FALSE(machine->fire(type, effects)) << name << " " << event_name(type);
      }
    }
    // Not an event_type value at all.
    std::vector<effect> effects;
    EXPECT_FALSE(kind.create()->fire(static_cast<event_type>(event_type_count), effects)) << name;
  }
}

// One duty's machine is one small heap block; asking and firing allocate nothing but
// the effects the caller collects.
TEST(Kinds, MachineIsOneSmallAllocation) {
  if (!can_count_allocations()) GTEST_SKIP() << "allocator not replaced under AddressSanitizer";
  const std::vector<event_type> types = all_event_types();
  for (std::string_view name : builtin_kinds().names()) {
    const duty_kind& kind = *builtin_kinds().find(name);
    std::unique_ptr<duty_machine> machine;
    std::size_t count = 0;
    std::size_t bytes = 0;
    {
      allocation_counter counter;
      machine = kind.create();
      count = counter.count();
      bytes = counter.bytes();
    }
    std::printf("[ sizeof   ] %-10s machine: %zu bytes in %zu allocation(s)\n", std::string(name).c_str(), bytes,
                count);
    EXPECT_EQ(count, 1u) << name;
    EXPECT_LE(bytes, 96u) << name;

    std::unique_ptr<duty_machine> copy;
    {
      allocation_counter counter;
      copy = machine->clone();
      EXPECT_EQ(counter.bytes(), bytes) << name;
    }

    std::vector<effect> effects;
    effects.reserve(4);
    allocation_counter counter;
    for (event_type type : types) {
      (void)machine->accepts(type);
      (void)machine->state();
    }
    EXPECT_TRUE(machine->fire(event_type::due_soon, effects)) << name;
    EXPECT_TRUE(machine->fire(event_type::reassign, effects)) << name;
    EXPECT_TRUE(machine->fire(event_type::acknowledge, effects)) << name;
    EXPECT_EQ(counter.count(), 0u) << name;
    EXPECT_EQ(effects.size(), 2u) << name;
  }
}

}  // namespace
}  // namespace dutyflow::kind_check

// Counts heap allocations made through operator new while a counter is alive, to measure
// what one duty's machine costs. allocation_counter.cpp replaces the global operator
// new/delete of workflows_test (not under AddressSanitizer, which needs its own).
#pragma once

#include <cstddef>

namespace dutyflow::kind_check {

// False when the allocator is not replaced; counts then stay zero.
bool can_count_allocations();

// Counts from construction to destruction. One at a time, on one thread.
class allocation_counter {
 public:
  allocation_counter();
  ~allocation_counter();
  allocation_counter(const allocation_counter&) = delete;
  allocation_counter& operator=(const allocation_counter&) = delete;

  std::size_t count() const;
  std::size_t bytes() const;
};

}  // namespace dutyflow::kind_check

#include "tests/unit/workflows/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {
bool counting = false;
std::size_t allocations = 0;
std::size_t allocated_bytes = 0;
}  // namespace

#if !defined(__SANITIZE_ADDRESS__)
// In their own file so that the compiler cannot inline them next to a new-expression
// and mistake free() for a mismatched deallocation.
void* operator new(std::size_t size) {
  if (counting) {
    ++allocations;
    allocated_bytes += size;
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#endif

namespace dutyflow::kind_check {

bool can_count_allocations() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#else
  return true;
#endif
}

allocation_counter::allocation_counter() {
  allocations = 0;
  allocated_bytes = 0;
  counting = true;
}
allocation_counter::~allocation_counter() {
  counting = false;
}
std::size_t allocation_counter::count() const {
  return allocations;
}
std::size_t allocation_counter::bytes() const {
  return allocated_bytes;
}

}  // namespace dutyflow::kind_check

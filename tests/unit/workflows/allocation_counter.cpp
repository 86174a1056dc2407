#include "tests/unit/workflows/allocation_counter.h"

#include <cstdlib>
#include <new>

// GCC says it builds with AddressSanitizer through __SANITIZE_ADDRESS__, clang only
// through __has_feature: without both, a clang ASan build replaced operator new under
// ASan's allocator and every test of workflows_test died of alloc-dealloc-mismatch.
#if defined(__SANITIZE_ADDRESS__)
#define DUTYFLOW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUTYFLOW_ASAN 1
#endif
#endif

namespace {
bool counting = false;
std::size_t allocations = 0;
std::size_t allocated_bytes = 0;
}  // namespace

#if !defined(DUTYFLOW_ASAN)
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
#if defined(DUTYFLOW_ASAN)
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

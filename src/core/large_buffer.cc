#include "core/large_buffer.h"

#include <sys/mman.h>

#include <cstdint>

namespace kerasrt {

void prepare_large_buffer(void* data, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  // Below this, one system call costs about what the page faults it saves do.
  if (bytes < 64 * kPage) return;
  const uintptr_t first = reinterpret_cast<uintptr_t>(data);
  const uintptr_t last = first + bytes;
  const uintptr_t huge_begin = (first + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t huge_end = last & ~(kHugePage - 1);
  if (huge_end > huge_begin)
    madvise(reinterpret_cast<void*>(huge_begin), huge_end - huge_begin, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
  const uintptr_t begin = (first + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = last & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
}

}  // namespace kerasrt

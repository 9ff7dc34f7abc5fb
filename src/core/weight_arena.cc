#include "core/weight_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

namespace kerasrt {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kAlignment = 64;
// Blocks grow from 4 MiB to 32 MiB: few blocks for a large model, and little room left unused
// (mapped but never touched, so not resident) for a small one.
constexpr size_t kFirstBlock = 2 * kHugePage;
constexpr size_t kLargestBlock = 16 * kHugePage;

size_t round_up(size_t value, size_t to) { return (value + to - 1) / to * to; }

}  // namespace

struct WeightArena::Block {
  std::byte* data = nullptr;
  size_t bytes = 0;

  explicit Block(size_t size) : bytes(size) {
    // Over-map by a huge page and trim, so the block starts on a huge-page boundary.
    const size_t mapped = size + kHugePage;
    void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t first = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (first + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
    if (aligned > first) munmap(raw, aligned - first);
    const size_t after = mapped - (aligned - first) - size;
    if (after > 0) munmap(reinterpret_cast<void*>(aligned + size), after);
    data = reinterpret_cast<std::byte*>(aligned);
    madvise(data, bytes, MADV_HUGEPAGE);  // a hint: a kernel without it faults 4 KiB pages
  }
  ~Block() { munmap(data, bytes); }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
};

std::shared_ptr<float> WeightArena::allocate(size_t count) {
  if (count > (SIZE_MAX - kHugePage) / sizeof(float)) throw std::bad_alloc();
  const size_t bytes = round_up(std::max<size_t>(count, 1) * sizeof(float), kAlignment);
  const std::lock_guard lock(mutex_);
  auto fits = std::find_if(blocks_.begin(), blocks_.end(),
                           [&](const auto& b) { return b.first->bytes - b.second >= bytes; });
  if (fits == blocks_.end()) {
    const size_t grown =
        std::min(kLargestBlock, kFirstBlock << std::min<size_t>(blocks_.size(), 3));
    blocks_.emplace_back(std::make_shared<Block>(std::max(grown, round_up(bytes, kHugePage))), 0);
    fits = blocks_.end() - 1;
  }
  auto& [block, used] = *fits;
  std::byte* start = block->data + used;
  used += bytes;
  return std::shared_ptr<float>(block, reinterpret_cast<float*>(start));
}

SharedFloats WeightArena::copy(std::span<const float> values) {
  std::shared_ptr<float> out = allocate(values.size());
  if (!values.empty()) std::memcpy(out.get(), values.data(), values.size_bytes());
  return {std::move(out), values.size(), false};
}

std::shared_ptr<float> zero_floats(size_t count, WeightArena* arena) {
  if (arena) return arena->allocate(count);
  auto heap = std::make_shared<std::vector<float>>();
  reserve_large(*heap, count);
  heap->resize(count, 0.0f);
  return std::shared_ptr<float>(heap, heap->data());
}

SharedFloats owned_copy(std::span<const float> values, WeightArena* arena) {
  return arena ? arena->copy(values) : SharedFloats::owning(copy_values(values));
}

}  // namespace kerasrt

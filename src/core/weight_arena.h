// Where a model's packed weights live: carved from a few large blocks of fresh anonymous memory
// instead of one heap buffer each.
//
// Re-laying the weights out at load writes every byte of them into memory never touched before,
// and on a VM faulting that memory in 4 KiB pages costs more than the copy itself (14 MB: 4.3 ms
// against 0.6 ms in 2 MiB pages; a heap buffer smaller than 4 MiB never gets a whole huge page).
// Blocks are advised for transparent huge pages and need no clearing: fresh anonymous memory is
// zero, which the padding of blocked layouts must be. They are not pre-faulted
// (MADV_POPULATE_WRITE): on a VM that returns free memory to its host, that made one load in
// four of several ResNet50s kept in one process take 300 ms instead of 50.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/tensor.h"

namespace kerasrt {

class WeightArena {
 public:
  WeightArena() = default;
  WeightArena(const WeightArena&) = delete;
  WeightArena& operator=(const WeightArena&) = delete;

  // `count` floats, zero, 64-byte aligned; they live as long as the returned pointer or a copy
  // of it (each keeps its block mapped). Thread-safe: a load packs several layers at once.
  std::shared_ptr<float> allocate(size_t count);
  // `values` copied into the arena.
  SharedFloats copy(std::span<const float> values);

 private:
  struct Block;
  // Each in use with the bytes handed out from it; a request goes to the first with room, so the
  // ends of earlier blocks are filled by later, smaller requests.
  std::vector<std::pair<std::shared_ptr<Block>, size_t>> blocks_;  // under mutex_
  std::mutex mutex_;
};

// `count` zero floats in `arena` when there is one, on the heap otherwise (kernels packed outside
// a model's load).
std::shared_ptr<float> zero_floats(size_t count, WeightArena* arena);
// `values` in memory of their own, as above.
SharedFloats owned_copy(std::span<const float> values, WeightArena* arena);

}  // namespace kerasrt

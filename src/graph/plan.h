// A memory plan for one set of concrete input shapes: every tensor's shape and its place in
// one arena, with buffers reused once their tensors are dead. Made once per input shape and
// cached; immutable.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace kerasrt {

struct Plan {
  struct Storage {
    int model_input = -1;  // >= 0: the caller's input buffer with this index
    int64_t offset = 0;    // otherwise: offset in the arena, in floats
  };
  std::vector<Dims> shapes;           // per tensor
  std::vector<Storage> storage;       // per tensor
  std::vector<int64_t> scratch;       // per node: arena offset of its scratch (if any)
  int64_t arena_floats = 0;
};

// Infers concrete shapes for `input_shapes` (already checked against the model's inputs) and
// places every tensor. Throws Error naming the layer if a shape does not work.
Plan make_plan(const Graph& graph, const std::vector<Dims>& input_shapes);

}  // namespace kerasrt

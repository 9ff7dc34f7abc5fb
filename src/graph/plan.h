// A memory plan for one set of concrete input shapes: every tensor's shape and its place in
// one arena, with buffers reused once their tensors are dead, and each layer's prepared state
// for these shapes (kernel primitives). Made once per input shape and cached; immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "graph/graph.h"

namespace kerasrt {

struct Plan {
  struct Storage {
    int model_input = -1;  // >= 0: the caller's input buffer with this index
    int64_t offset = 0;    // otherwise: offset in the arena, in floats
  };
  std::vector<Dims> shapes;      // per tensor
  std::vector<Storage> storage;  // per tensor
  std::vector<int64_t> scratch;  // per node: arena offset of its scratch (if any)
  std::vector<std::shared_ptr<const Prepared>>
      prepared;  // per node: Layer::prepare() (may be null)
  int64_t arena_floats = 0;
};

// Infers concrete shapes for `input_shapes` (already checked against the model's inputs) and
// places every tensor; with `prepare`, also calls every layer's prepare() (on the calling
// thread's OpenMP setting, the one the plan's calls will run with). Throws Error naming the
// layer if a shape does not work.
Plan make_plan(const Graph& graph, const std::vector<Dims>& input_shapes, bool prepare = true);

}  // namespace kerasrt

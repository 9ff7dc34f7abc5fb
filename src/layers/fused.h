// Helpers for layers that take over a following operation at load (graph/optimize.cc): a fused
// Add brings its other addend as an extra, last input that the output is computed on top of.
#pragma once

#include <cstring>

#include "layers/layer.h"

namespace kerasrt {

// Throws unless the fused addend (the last input) has the output's shape.
inline void check_addend(std::span<const Dims> inputs, const Dims& out) {
  if (inputs.size() != 2) throw Error("internal: a fused Add needs its addend as the second input");
  const Dims& addend = inputs[1];
  bool same = addend.size() == out.size();
  for (size_t i = 0; same && i < out.size(); ++i)
    same = addend[i] == out[i] || addend[i] == kAnyDim || out[i] == kAnyDim;
  if (!same)
    throw Error("the added tensor has shape " + to_string(addend) + ", expected " + to_string(out));
}

// Puts the addend into output 0's buffer (unless the planner placed the output over it).
inline void load_addend(const RunContext& ctx) {
  const ConstTensor& addend = ctx.inputs.back();
  float* out = ctx.outputs[0].data;
  if (addend.data != out && addend.size() > 0)
    std::memcpy(out, addend.data, static_cast<size_t>(addend.size()) * sizeof(float));
}

// A static input shape with batch 1, as a typical shape to pack weights for (kAnyDim kept
// where the model does not fix a size).
inline Dims typical_input(const Dims& static_shape) {
  Dims shape = static_shape;
  if (!shape.empty()) shape[0] = 1;
  return shape;
}

}  // namespace kerasrt

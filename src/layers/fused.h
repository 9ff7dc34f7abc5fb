// Helpers for layers that take over a following operation at load (graph/optimize.cc): a fused
// Add brings its other addend as an extra, last input that the output is computed on top of.
#pragma once

#include <cstring>
#include <optional>

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

// The kernel of a layer on a oneDNN primitive (kernels/onednn.h: Conv, Dense, the pointwise step
// of SeparableConv) with a following operation taken in: an activation as a post-op, or a
// per-unit scale and shift folded into its weights when the op scales `units` values along the
// axis of the kernel's output units (`on_units`). Nothing when the op is neither, or when the
// layer already ends in an activation (nothing folds through one): `after` is the activation
// the layer applies itself.
template <class Kernel>
std::optional<Kernel> kernel_fusing(const Kernel& kernel, const Activation& after,
                                    const FusibleOp& op, bool on_units, int64_t units) {
  auto post = kernel.post();
  if (!post.activation.is_linear() || !after.is_linear()) return std::nullopt;
  if (op.kind == FusibleOp::Kind::kActivation) {
    post.activation = op.activation;
    return kernel.with_post(post);
  }
  if (op.kind == FusibleOp::Kind::kChannelAffine && !post.sum && !kernel.packed() && on_units &&
      op.scale.size() == static_cast<size_t>(units))
    // y * scale + shift = x . (kernel * scale) + (bias * scale + shift), unit by unit.
    return kernel.with_scale_shift(op.scale, op.shift);
  return std::nullopt;
}

// The kernel with a following Add taken in (its result added onto the addend), or nothing.
template <class Kernel>
std::optional<Kernel> kernel_adding(const Kernel& kernel, const Activation& after) {
  auto post = kernel.post();
  if (post.sum || !post.activation.is_linear() || !after.is_linear()) return std::nullopt;
  post.sum = true;
  return kernel.with_post(post);
}

// A static input shape with batch 1, as a typical shape to pack weights for (kAnyDim kept
// where the model does not fix a size).
inline Dims typical_input(const Dims& static_shape) {
  Dims shape = static_shape;
  if (!shape.empty()) shape[0] = 1;
  return shape;
}

}  // namespace kerasrt

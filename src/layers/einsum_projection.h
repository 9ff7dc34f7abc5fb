// Keras's EinsumDense semantics, shared by the EinsumDense layer and the projections inside
// MultiHeadAttention: an equation `x,w->y` (an ellipsis may stand for leading or trailing axes
// of x and y), an `output_shape` without the batch axis, a bias over `bias_axes` broadcast
// against the output's trailing axes, and an activation. See `_analyze_split_string` in
// keras/src/layers/core/einsum_dense.py.
#pragma once

#include <memory>
#include <string>

#include "kernels/activation.h"
#include "kernels/einsum.h"
#include "layers/layer.h"

namespace kerasrt {

class EinsumProjection {
 public:
  // `output_shape`: Keras's (ints, kAnyDim for None); `bias_axes` empty for no bias. Takes
  // the kernel (and bias) from `weights`, shapes checked, naming them `weight_prefix` + "kernel"
  // in errors. Throws Error with the reason.
  EinsumProjection(const std::string& equation, const Dims& output_shape,
                   const std::string& bias_axes, const Activation& act, const Dims& input_shape,
                   WeightReader& weights, const std::string& weight_prefix = "");

  Dims output_shape(std::span<const int64_t> input) const { return gemm_->output_shape(input); }
  size_t scratch_floats(std::span<const int64_t> input) const {
    return gemm_->scratch_floats(input);
  }
  std::shared_ptr<const Prepared> prepare(std::span<const int64_t> input) const {
    return gemm_->prepare(input);
  }
  // out = activation(einsum(in, kernel) + bias); `scratch` has scratch_floats() floats,
  // `product_scratch` the prepared state's.
  void run(const Prepared& prepared, const float* in, std::span<const int64_t> in_shape, float* out,
           float* scratch, float* product_scratch) const;

 private:
  std::shared_ptr<const EinsumGemm> gemm_;
  std::vector<float> bias_;  // over the output's trailing axes (empty: no bias)
  Activation act_;
};

}  // namespace kerasrt

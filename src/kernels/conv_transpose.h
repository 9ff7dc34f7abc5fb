// Transposed convolutions (Conv1D/2D/3DTranspose) over channels_last volumes, as a matrix product
// and a scatter: each input position's channels times the kernel taken as an
// [in_channels x taps * filters] matrix is that position's contribution to the output position
// under every tap (one oneDNN matmul, the kernel packed at load, over bounded chunks of input
// positions); col2im adds the contributions there, then come the bias and the activation.
//
// oneDNN's own deconvolution primitive was slower on the four layers of a DCGAN generator
// (4x4 kernels, stride 2, 512 channels down to 3; batch 1, 1 thread): 1.28 ms with the bias in
// the primitive and 3.4 ms with a fused ReLU, against 0.96 ms for these products plus about
// 0.1 ms of scatter, bias and activation.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "kernels/conv_geometry.h"
#include "kernels/onednn.h"

namespace kerasrt {

class ConvTransposeKernel {
 public:
  ConvTransposeKernel() = default;
  // `weights`: the Keras kernel (taps..., filters, in_channels), possibly a view of the model
  // file until packed; `bias` has `filters` values or none.
  ConvTransposeKernel(int64_t in_channels, int64_t filters, int64_t taps, SharedFloats weights,
                      std::vector<float> bias);

  int64_t in_channels() const { return product_.k(); }
  int64_t filters() const { return filters_; }
  const PostOps& post() const { return post_; }
  bool packed() const { return product_.packed(); }
  bool in_file() const { return product_.in_file(); }
  size_t weight_count() const { return product_.weight_count(); }

  // The same operations as PrimitiveKernel's (kernels/onednn.h), so that the fusion helpers of
  // layers/fused.h take this kernel too.
  ConvTransposeKernel with_scale_shift(std::span<const float> scale,
                                       std::span<const float> shift) const;
  ConvTransposeKernel with_post(const PostOps& post) const;
  ConvTransposeKernel detached(WeightArena* arena) const;
  ConvTransposeKernel packed_for(const Window& typical, WeightArena* arena) const;

  // `window` is the forward window this is the transpose of (make_transpose_window): its `in`
  // is this kernel's output.
  std::shared_ptr<const Prepared> prepare(const Window& window) const;
  // out = post(transposed convolution of in + bias). With post().sum, out holds the addend on
  // entry.
  void run(const Prepared& prepared, const Window& window, const float* in, float* out,
           float* scratch) const;

 private:
  int64_t columns() const { return taps_ * filters_; }
  // Input positions per matrix product: a bounded scratch, yet a large product.
  int64_t chunk_rows(const Window& window) const;

  MatmulKernel product_;  // in_channels x taps * filters; no bias, no post-ops
  std::shared_ptr<const std::vector<float>> bias_;  // filters values, or null
  int64_t filters_ = 0, taps_ = 0;
  PostOps post_;
};

}  // namespace kerasrt

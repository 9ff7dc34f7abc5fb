// Convolution and matrix products on oneDNN primitives (2.x API), for layers that keep
// Keras's layouts at their boundaries (channels_last NHWC, or channels_first, as the model says).
//
// Life of a kernel: built from Keras-layout weights; folded at load with a following per-channel
// scale and shift (BatchNormalization) and given post-operations (a following Add, a ReLU-family
// activation); then packed once into the weights layout the primitive picks for a typical shape.
// Per concrete shape, prepare() makes the primitive (cached by oneDNN too) and, in the rare case
// that it wants another weights layout than the one held, a reordered copy. Primitives are
// immutable and executed concurrently by many threads. A call borrows a set of memory objects
// and a stream from the prepared state's pool (made the first time no set is free, so there are
// as many as calls ever ran that primitive at once), points them at its buffers and returns
// them; its scratchpad comes from the call's workspace (scratchpad_mode::user). So calls share
// nothing mutable, and the heap sees only oneDNN's own per-execution bookkeeping (a few small
// blocks).
#pragma once

#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <vector>

#include "kernels/activation.h"
#include "kernels/conv_geometry.h"
#include "layers/layer.h"

namespace kerasrt {

// What follows the primitive's own result (result + bias), in order.
struct PostOps {
  bool sum = false;       // add the addend found in the output buffer before the call (a fused Add)
  Activation activation;  // a pointwise activation (any: the ReLU family runs inside oneDNN)

  // True when the activation runs inside the primitive, exactly as Keras computes it.
  bool fuses_activation() const;
};

struct PrimitiveState;

class ConvKernel {
 public:
  struct Config {
    int rank = 2;  // spatial axes, 1 to 3
    bool channels_first = false;
    int64_t in_channels = 0, filters = 0, groups = 1;
    Spatial kernel{1, 1, 1};  // right-aligned like Window's
  };

  ConvKernel() = default;
  // `weights` in Keras's layout (taps..., in_channels / groups, filters): a Conv kernel, or a
  // depthwise kernel (taps..., channels, multiplier) with groups = channels and filters =
  // channels * multiplier. `bias` has `filters` values or none.
  ConvKernel(const Config& config, SharedFloats weights, std::vector<float> bias);
  ConvKernel(const Config& config, std::vector<float> weights, std::vector<float> bias)
      : ConvKernel(config, SharedFloats::owning(std::move(weights)), std::move(bias)) {}

  const Config& config() const { return config_; }
  const PostOps& post() const { return post_; }
  bool packed() const { return packed_; }
  // Whether the weights are still a view of the model file (packed_for() and detached() end it).
  bool in_file() const { return weights_.in_file; }

  // Copies with a per-filter scale and shift folded in (only before packing), or other post-ops.
  ConvKernel with_scale_shift(std::span<const float> scale, std::span<const float> shift) const;
  ConvKernel with_post(const PostOps& post) const;
  // A copy with its weights reordered into the layout the primitive picks for `typical`, and
  // in memory of its own.
  ConvKernel packed_for(const Window& typical) const;
  // A copy whose weights are in memory of its own, for a kernel that cannot be packed at load.
  ConvKernel detached() const;

  // The primitive for one concrete window (batch included); its scratch_floats is what run() needs.
  std::shared_ptr<const Prepared> prepare(const Window& window) const;
  // out = post(conv(in) + bias). With post().sum, out must hold the addend on entry. Applies a
  // non-fused activation itself.
  void run(const Prepared& prepared, const Window& window, const float* in, float* out,
           float* scratch) const;

 private:
  Config config_;
  std::shared_ptr<PrimitiveState> make_state(const Window& window, bool primitive) const;
  dnnl::memory::dims spatial(const Spatial& s) const;  // the rank's slots of a Spatial
  dnnl::memory::desc data_desc(int64_t batch, int64_t channels, const Spatial& size) const;

  // The weights as held: Keras's layout (a strided descriptor) until packed_for().
  SharedFloats weights_;
  dnnl::memory::desc weights_desc_;
  // A folded per-filter scale not yet multiplied into weights_ (it is when they are reordered).
  std::shared_ptr<const std::vector<float>> weight_scale_;
  std::shared_ptr<const std::vector<float>> bias_;  // filters values, or null
  bool packed_ = false;
  PostOps post_;
};

// out[rows x n] = post(in[rows x k] . weights[k x n] + bias) on oneDNN's matmul primitive (a
// Dense layer). Unlike oneDNN's sgemm, which allocates its packing buffers on every call, the
// primitive takes weights packed once at load and its scratch from the call's workspace.
class MatmulKernel {
 public:
  MatmulKernel() = default;
  // `weights` row-major (k x n) as Keras stores a Dense kernel, possibly a view of the model file
  // until packed_for(); `bias` has n values or none.
  MatmulKernel(int64_t k, int64_t n, SharedFloats weights, std::vector<float> bias);

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  const PostOps& post() const { return post_; }
  bool packed() const { return packed_; }

  // As ConvKernel's: a per-column scale and shift folded in (only before packing), other
  // post-ops, weights packed for a typical number of rows.
  MatmulKernel with_scale_shift(std::span<const float> scale, std::span<const float> shift) const;
  MatmulKernel with_post(const PostOps& post) const;
  // In memory of its own, whatever the layout the primitive picked.
  MatmulKernel packed_for(int64_t typical_rows) const;

  std::shared_ptr<const Prepared> prepare(int64_t rows) const;
  // With post().sum, out must hold the addend on entry. Applies a non-fused activation itself.
  void run(const Prepared& prepared, const float* in, float* out, float* scratch) const;

 private:
  std::shared_ptr<PrimitiveState> make_state(int64_t rows, bool primitive) const;

  int64_t k_ = 0, n_ = 0;
  SharedFloats weights_;
  dnnl::memory::desc weights_desc_;
  std::shared_ptr<const std::vector<float>> bias_;
  bool packed_ = false;
  PostOps post_;
};

}  // namespace kerasrt

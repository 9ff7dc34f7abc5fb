// Convolution on oneDNN primitives (2.x API), for layers that keep
// Keras's layouts at their boundaries (channels_last NHWC, or channels_first, as the model says).
//
// Life of a kernel: built from Keras-layout weights; folded at load with a following per-channel
// scale and shift (BatchNormalization) and given post-operations (a following Add, a ReLU-family
// activation); then packed once into the weights layout the primitive picks for a typical shape.
// Per concrete shape, prepare() makes the primitive (cached by oneDNN too) and, in the rare case
// that it wants another weights layout than the one held, a reordered copy. Primitives are
// immutable and executed concurrently by many threads; each execution gets its own stream and
// its scratchpad from the call's workspace (scratchpad_mode::user), so calls share nothing
// mutable.
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

struct ConvState;

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
  std::shared_ptr<ConvState> make_state(const Window& window, bool primitive) const;
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

}  // namespace kerasrt

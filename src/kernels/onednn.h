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

#include "core/weight_arena.h"
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

// A bias of `units` values (`bias`, or zeros when null) with y = x * scale + shift folded in:
// bias * scale + shift, rounded once.
std::shared_ptr<const std::vector<float>> folded_bias(const std::vector<float>* bias, int64_t units,
                                                      std::span<const float> scale,
                                                      std::span<const float> shift);

// What a convolution and a matrix product hold alike: weights in Keras's layout (possibly a view
// of the model file) until packed into the layout their primitive picks, a folded per-unit scale
// not yet multiplied into them (it is in the same pass that packs them), a bias and post-ops.
// `Kernel` is the kernel itself, which says how its primitive is made for a shape.
template <class Kernel>
class PrimitiveKernel {
 public:
  const PostOps& post() const { return post_; }
  bool packed() const { return packed_; }
  // Whether the weights are still a view of the model file (packing and detached() end it).
  bool in_file() const { return weights_.in_file; }
  size_t weight_count() const { return weights_.size; }
  // Before packing, for a kernel of our own built from this one: the weights in Keras's layout,
  // the folded per-unit scale not yet multiplied into them (or null) and the bias (or null).
  std::span<const float> keras_weights() const;
  const std::vector<float>* weight_scale() const { return weight_scale_.get(); }
  const std::vector<float>* bias() const { return bias_.get(); }

  // Copies with a per-unit scale and shift folded in (y * scale + shift, only before packing),
  // or with other post-ops.
  Kernel with_scale_shift(std::span<const float> scale, std::span<const float> shift) const;
  // A copy whose weights are scaled per unit (only before packing), its bias left as it is.
  Kernel with_unit_scale(std::span<const float> scale) const;
  Kernel with_post(const PostOps& post) const;
  // A copy whose weights are in memory of its own (in `arena` when there is one), for a kernel
  // that cannot be packed at load.
  Kernel detached(WeightArena* arena) const;

 protected:
  PrimitiveKernel() = default;
  // `layout` describes `weights` as held; `units` is the length of the bias and of a folded
  // scale, whose axes in `layout` are `unit_axes` (a bit mask).
  PrimitiveKernel(SharedFloats weights, dnnl::memory::desc layout, std::vector<float> bias,
                  int64_t units, int unit_axes);

  // A copy holding the weights as the primitive of `state` (made for a typical shape) wants them.
  Kernel packed_as(PrimitiveState& state, WeightArena* arena) const;
  // Completes `state` once its primitive descriptor is chosen: weights in the layout it wants
  // (re-laid out into `arena` when there is one), its scratchpad, and with `primitive` the
  // primitive itself, bound to the weights and bias.
  template <class Primitive>
  void complete(PrimitiveState& state, const typename Primitive::primitive_desc& pd, bool primitive,
                WeightArena* arena) const;

  SharedFloats weights_;
  dnnl::memory::desc weights_desc_;
  std::shared_ptr<const std::vector<float>> weight_scale_;  // units values, or null
  std::shared_ptr<const std::vector<float>> bias_;          // units values, or null
  int64_t units_ = 0;
  int unit_axes_ = 0;
  bool packed_ = false;
  PostOps post_;
};

class ConvKernel : public PrimitiveKernel<ConvKernel> {
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

  // A copy with its weights reordered into the layout the primitive picks for `typical`, and
  // in memory of its own: in `arena` when there is one (a model's load), else on the heap.
  ConvKernel packed_for(const Window& typical, WeightArena* arena) const;

  // The primitive for one concrete window (batch included); its scratch_floats is what run() needs.
  std::shared_ptr<const Prepared> prepare(const Window& window) const;
  // out = post(conv(in) + bias). With post().sum, out must hold the addend on entry. Applies a
  // non-fused activation itself.
  void run(const Prepared& prepared, const Window& window, const float* in, float* out,
           float* scratch) const;

 private:
  Config config_;
  std::shared_ptr<PrimitiveState> make_state(const Window& window, bool primitive,
                                             WeightArena* arena) const;
  dnnl::memory::dims spatial(const Spatial& s) const;  // the rank's slots of a Spatial
  dnnl::memory::desc data_desc(int64_t batch, int64_t channels, const Spatial& size) const;
};

// out[rows x n] = post(in[rows x k] . weights[k x n] + bias) on oneDNN's matmul primitive (a
// Dense layer). Unlike oneDNN's sgemm, which allocates its packing buffers on every call, the
// primitive takes weights packed once at load and its scratch from the call's workspace.
class MatmulKernel : public PrimitiveKernel<MatmulKernel> {
 public:
  MatmulKernel() = default;
  // `weights` row-major (k x n) as Keras stores a Dense kernel, or (n x k) when `transposed`,
  // possibly a view of the model file until packed_for(); `bias` has n values or none.
  MatmulKernel(int64_t k, int64_t n, SharedFloats weights, std::vector<float> bias,
               bool transposed = false);

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }

  // Weights packed for a typical number of rows, in memory of their own whatever the layout
  // (in `arena` when there is one).
  MatmulKernel packed_for(int64_t typical_rows, WeightArena* arena) const;

  std::shared_ptr<const Prepared> prepare(int64_t rows) const;
  // With post().sum, out must hold the addend on entry. Applies a non-fused activation itself.
  void run(const Prepared& prepared, const float* in, float* out, float* scratch) const;

 private:
  std::shared_ptr<PrimitiveState> make_state(int64_t rows, bool primitive,
                                             WeightArena* arena) const;

  int64_t k_ = 0, n_ = 0;
  bool transposed_ = false;  // Keras's layout of the weights is (n x k)
  bool on_panels_ = false;   // packed for our GEMM, which runs every product (see make_state)
};

// Matrices at any place in a buffer: dims (batch axes..., rows, columns) and each axis's stride
// in floats, so that attention reads its heads in place.
struct StridedMatrices {
  dnnl::memory::dims dims, strides;

  // A row-major array of shape `stored` (batch axes..., rows, columns) as `rank`-dimensional
  // matrices: batch axes it lacks are 1 (broadcast, as are its own axes of 1). `transposed`
  // reads each stored matrix transposed, in place.
  static StridedMatrices row_major(std::span<const int64_t> stored, bool transposed, size_t rank);
};

// out = scale * a . b for each pair of a batch of matrices, with both operands given per call
// (attention's scores and weighted sums), on one oneDNN matmul primitive made per shape: unlike
// sgemm it allocates nothing per call, and it runs the whole batch in one call. `out` must
// cover its buffer (an empty product fills it with zeros).
std::shared_ptr<const Prepared> prepare_batched_matmul(const StridedMatrices& a,
                                                       const StridedMatrices& b,
                                                       const StridedMatrices& out, float scale);
void run_batched_matmul(const Prepared& prepared, const float* a, const float* b, float* out,
                        float* scratch);

}  // namespace kerasrt

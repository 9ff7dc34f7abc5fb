// Config parsing and shape handling shared by the convolution, pooling, padding, cropping and
// upsampling layers (1-D, 2-D and 3-D, channels_last or channels_first).
#pragma once

#include <optional>
#include <utility>

#include "kernels/conv_geometry.h"
#include "kernels/onednn.h"
#include "kernels/transpose.h"
#include "layers/layer.h"

namespace kerasrt {

// The Spatial slot (0 depth, 1 height, 2 width) of spatial axis i of a rank-`rank` layout:
// lower ranks are right-aligned.
inline size_t spatial_slot(int rank, int i) {
  return static_cast<size_t>(kMaxSpatialRank - rank + i);
}

// Where the channels and the `rank` spatial axes of an input (batch included) are.
class SpatialLayout {
 public:
  SpatialLayout(int rank, bool channels_first) : rank_(rank), channels_first_(channels_first) {}
  // data_format from the config (channels_last when absent).
  static SpatialLayout from_config(const LayerConfig& config, int rank);

  int rank() const { return rank_; }
  bool channels_first() const { return channels_first_; }
  size_t channel_axis() const { return channels_first_ ? 1 : static_cast<size_t>(rank_) + 1; }
  size_t spatial_axis(int i) const { return static_cast<size_t>((channels_first_ ? 2 : 1) + i); }

  // Throws unless `shape` is (batch, spatial..., channels) or (batch, channels, spatial...).
  void check(std::span<const int64_t> shape) const;
  // The spatial sizes of `shape` (which may hold kAnyDim), right-aligned in a Spatial
  // (depth, height, width) with leading 1s.
  Spatial spatial(std::span<const int64_t> shape) const;
  // `shape` with its spatial sizes replaced by `size` (right-aligned as above), and its
  // channel count by `channels` when that is not negative.
  Dims with_spatial(const Dims& shape, const Spatial& size, int64_t channels = -1) const;

  // A concrete input as kernels see it: a batch of channels_last volumes. For channels_first
  // data this is only the sizes; the data itself must be transposed (run_channels_last).
  Volume volume(std::span<const int64_t> shape) const;
  // For operations that treat every channel alike (pooling, padding, cropping, upsampling):
  // channels_first data as batch * channels volumes of one channel, which needs no transpose.
  Volume per_channel_volume(std::span<const int64_t> shape) const;

 private:
  int rank_;
  bool channels_first_;
};

// The options of a sliding window (convolution or pooling) over a layout.
struct WindowSpec {
  SpatialLayout layout;
  Spatial kernel{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1};
  Padding padding = Padding::kValid;

  // Output spatial sizes for input spatial sizes (kAnyDim propagates).
  Spatial output_size(const Spatial& in) const;
  // The kernel's spatial sizes as the leading dims of a Keras kernel shape.
  Dims kernel_dims() const;
  Window window(const Volume& in) const {
    return make_window(in, kernel, stride, dilation, padding);
  }
};

// kernel_size, strides, dilation_rate, padding and data_format of a convolution.
WindowSpec conv_window_config(const LayerConfig& config, int rank, bool allow_causal);

// The number of channels of `shape`, which must be known.
int64_t known_channels(const SpatialLayout& layout, const Dims& shape);
// Throws unless `shape` fits the layout and has `channels` channels (or an unknown count).
void check_channels(const SpatialLayout& layout, const Dims& shape, int64_t channels);

// `rank` values from an int or a list (kernel_size, strides, ...), right-aligned in a Spatial
// filled with `fill`; each value must be positive.
Spatial spatial_config(const LayerConfig& config, const char* key, int rank,
                       std::optional<int64_t> fallback, int64_t fill = 1);

// `padding`: "valid", "same", and "causal" when allowed.
Padding padding_config(const LayerConfig& config, bool allow_causal);

// Per spatial axis (before, after) amounts, as ZeroPadding/Cropping accept them: an int for
// every side; for 1-D a pair (before, after); for 2-D/3-D one int (both sides) or one pair per
// axis. Right-aligned in Spatials filled with 0. Values must not be negative.
std::pair<Spatial, Spatial> before_after_config(const LayerConfig& config, const char* key,
                                                int rank);

// Keras 1 configs use other keys for the same layers (border_mode, dim_ordering, subsample,
// ...); until the config reader translates them, refuse them rather than ignore them.
void refuse_keras1_config(const LayerConfig& config);

// The layer running `kernel` over windows of `spec` (Conv1D/2D/3D, DepthwiseConv1D/2D), then
// `after` (a non-pointwise activation, or linear); `typical_input` is the static input shape
// with batch 1, which the weights are packed for at load when every size is known.
std::unique_ptr<Layer> make_convolution_layer(const WindowSpec& spec, ConvKernel kernel,
                                              const Activation& after, Dims typical_input);

// Scratch floats run_channels_last needs around a computation from `in` to `out`.
size_t channels_last_scratch_floats(const SpatialLayout& layout, const Volume& in,
                                    const Volume& out);

// Runs compute(in, out, scratch) on channels_last data. For channels_first layers the input
// is transposed into scratch and the result transposed back out of it; `scratch` passed on
// is what follows those buffers (channels_last_scratch_floats() floats are used first).
template <typename Compute>
void run_channels_last(const SpatialLayout& layout, const Volume& in, const Volume& out,
                       const float* in_data, float* out_data, float* scratch, Compute&& compute) {
  if (!layout.channels_first()) return compute(in_data, out_data, scratch);
  float* in_last = scratch;
  float* out_last = in_last + in.elements();
  channels_first_to_last(in_data, in.batch, in.channels, in.positions(), in_last);
  compute(in_last, out_last, out_last + out.elements());
  channels_last_to_first(out_last, out.batch, out.channels, out.positions(), out_data);
}

}  // namespace kerasrt

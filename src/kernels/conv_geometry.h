// Geometry shared by the convolution, pooling and resampling kernels. Kernels see data as a
// batch of channels_last volumes [batch, depth, height, width, channels]; 1-D and 2-D data
// use leading spatial sizes of 1. Sliding windows follow TensorFlow's padding rules.
#pragma once

#include <array>
#include <cstdint>

namespace kerasrt {

inline constexpr int kMaxSpatialRank = 3;
using Spatial = std::array<int64_t, kMaxSpatialRank>;  // depth, height, width

struct Volume {
  int64_t batch = 1;
  Spatial size{1, 1, 1};
  int64_t channels = 1;

  int64_t positions() const { return size[0] * size[1] * size[2]; }  // per sample
  int64_t elements() const { return batch * positions() * channels; }
};

// "valid": no padding. "same": output = ceil(in / stride), the padding split evenly with the
// extra position at the end. "causal": (kernel - 1) * dilation zeros before the start only.
enum class Padding { kValid, kSame, kCausal };

// Output length of a window sliding along one axis; kAnyDim (-1) in gives kAnyDim out. Throws
// kerasrt::Error if a "valid" window does not fit in the input.
int64_t window_output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                             Padding padding);

// A window sliding over a volume. Output position o along an axis covers the input positions
// o * stride - pad_before + k * dilation for k in [0, kernel); those outside [0, in) are padding.
struct Window {
  Volume in;
  Spatial out{1, 1, 1};
  Spatial kernel{1, 1, 1};
  Spatial stride{1, 1, 1};
  Spatial dilation{1, 1, 1};
  Spatial pad_before{0, 0, 0};

  int64_t out_positions() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_positions() const { return kernel[0] * kernel[1] * kernel[2]; }
  // True when every output position reads exactly one input position, the same one (1x1
  // kernel, stride 1, no padding): the window is then a plain per-position operation.
  bool is_pointwise() const;

  // Input coordinate along `axis` of kernel tap k for output coordinate o; may lie in padding.
  int64_t input_coord(int axis, int64_t o, int64_t k) const {
    return o * stride[axis] - pad_before[axis] + k * dilation[axis];
  }
  bool inside(int axis, int64_t coord) const { return coord >= 0 && coord < in.size[axis]; }
};

// `in` must have concrete sizes.
Window make_window(const Volume& in, const Spatial& kernel, const Spatial& stride,
                   const Spatial& dilation, Padding padding);

// Output length of a transposed convolution, as Keras computes it (kAnyDim propagates):
// "valid" (in - 1) * stride + max(extent, stride), "same" in * stride, where extent is the
// dilated kernel; with an explicit output_padding (>= 0) "valid" gives
// (in - 1) * stride + extent + output_padding and "same" (in - 1) * stride + extent % 2 +
// output_padding. output_padding < 0 stands for Keras's None.
int64_t transpose_output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                Padding padding, int64_t output_padding);

// The forward window whose transpose maps spatial sizes `in_size` to the volume `out`: its
// `in` is `out` and its `out` is `in_size`; "same" padding is placed as TensorFlow does for a
// given output size (half of max((in - 1) * stride + extent - out, 0) before the start).
Window make_transpose_window(const Volume& out, const Spatial& in_size, const Spatial& kernel,
                             const Spatial& stride, const Spatial& dilation, Padding padding);

// Index of an output row (flattened over batch and output positions), advanced in order. Only
// for windows with at least one output position.
struct OutputCursor {
  int64_t n = 0, d = 0, h = 0, w = 0;

  OutputCursor(const Window& win, int64_t row) {
    w = row % win.out[2];
    row /= win.out[2];
    h = row % win.out[1];
    row /= win.out[1];
    d = row % win.out[0];
    n = row / win.out[0];
  }
  void next(const Window& win) {
    if (++w < win.out[2]) return;
    w = 0;
    if (++h < win.out[1]) return;
    h = 0;
    if (++d < win.out[0]) return;
    d = 0;
    ++n;
  }
};

// Calls visit(tap, input_offset) for every kernel tap of the output position at `at` that
// lies inside the input; `tap` is the tap's index in kernel order (depth, height, width) and
// `input_offset` the index of its first channel in `in`. Taps in padding are skipped.
template <typename Visit>
void for_each_tap(const Window& w, const OutputCursor& at, Visit&& visit) {
  const Volume& in = w.in;
  for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
    const int64_t id = w.input_coord(0, at.d, kd);
    if (!w.inside(0, id)) continue;
    for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
      const int64_t ih = w.input_coord(1, at.h, kh);
      if (!w.inside(1, ih)) continue;
      for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
        const int64_t iw = w.input_coord(2, at.w, kw);
        if (!w.inside(2, iw)) continue;
        const int64_t tap = (kd * w.kernel[1] + kh) * w.kernel[2] + kw;
        visit(tap, (((at.n * in.size[0] + id) * in.size[1] + ih) * in.size[2] + iw) * in.channels);
      }
    }
  }
}

}  // namespace kerasrt

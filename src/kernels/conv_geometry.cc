#include "kernels/conv_geometry.h"

#include <algorithm>
#include <string>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

int64_t dilated_extent(int64_t kernel, int64_t dilation) { return (kernel - 1) * dilation + 1; }

int64_t pad_before(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                   Padding padding) {
  switch (padding) {
    case Padding::kValid:
      return 0;
    case Padding::kCausal:
      return (kernel - 1) * dilation;
    case Padding::kSame: {
      const int64_t total =
          std::max<int64_t>((out - 1) * stride + dilated_extent(kernel, dilation) - in, 0);
      return total / 2;  // TensorFlow puts the odd position at the end
    }
  }
  return 0;
}

}  // namespace

int64_t window_output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                             Padding padding) {
  if (in == kAnyDim) return kAnyDim;
  if (padding != Padding::kValid) return (in + stride - 1) / stride;  // same and causal
  const int64_t extent = dilated_extent(kernel, dilation);
  if (in < extent)
    throw Error("an input length of " + std::to_string(in) + " is shorter than the window of " +
                std::to_string(extent) + " with 'valid' padding");
  return (in - extent) / stride + 1;
}

bool Window::is_pointwise() const {
  for (int a = 0; a < kMaxSpatialRank; ++a)
    if (kernel[a] != 1 || stride[a] != 1 || pad_before[a] != 0) return false;
  return true;
}

Window make_window(const Volume& in, const Spatial& kernel, const Spatial& stride,
                   const Spatial& dilation, Padding padding) {
  Window w;
  w.in = in;
  w.kernel = kernel;
  w.stride = stride;
  w.dilation = dilation;
  for (int a = 0; a < kMaxSpatialRank; ++a) {
    w.out[a] = window_output_length(in.size[a], kernel[a], stride[a], dilation[a], padding);
    w.pad_before[a] = pad_before(in.size[a], w.out[a], kernel[a], stride[a], dilation[a], padding);
  }
  return w;
}

int64_t transpose_output_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                Padding padding, int64_t output_padding) {
  if (in == kAnyDim) return kAnyDim;
  const int64_t extent = dilated_extent(kernel, dilation);
  if (padding == Padding::kSame)
    return output_padding < 0 ? in * stride : (in - 1) * stride + extent % 2 + output_padding;
  return (in - 1) * stride +
         (output_padding < 0 ? std::max(extent, stride) : extent + output_padding);
}

Window make_transpose_window(const Volume& out, const Spatial& in_size, const Spatial& kernel,
                             const Spatial& stride, const Spatial& dilation, Padding padding) {
  Window w;
  w.in = out;
  w.out = in_size;
  w.kernel = kernel;
  w.stride = stride;
  w.dilation = dilation;
  for (int a = 0; a < kMaxSpatialRank; ++a) {
    const int64_t total =
        (in_size[a] - 1) * stride[a] + dilated_extent(kernel[a], dilation[a]) - out.size[a];
    w.pad_before[a] = padding == Padding::kSame ? std::max<int64_t>(total, 0) / 2 : 0;
  }
  return w;
}

}  // namespace kerasrt

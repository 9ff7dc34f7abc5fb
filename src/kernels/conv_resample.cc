#include "kernels/conv_resample.h"

#include <algorithm>
#include <cmath>

namespace kerasrt {
namespace {

// Where output coordinate o samples the input along one axis, as TensorFlow computes it (in
// float32): between `lower` and `upper` with weight `lerp` on `upper`.
struct LinearTap {
  int64_t lower = 0, upper = 0;
  float lerp = 0.0f;
};

LinearTap linear_tap(int64_t o, int64_t in_size, int64_t out_size, bool half_pixel_centers) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float source = half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f
                                          : static_cast<float>(o) * scale;
  const float floor = std::floor(source);
  LinearTap tap;
  tap.lower = std::max<int64_t>(static_cast<int64_t>(floor), 0);
  tap.upper = std::min<int64_t>(static_cast<int64_t>(std::ceil(source)), in_size - 1);
  tap.lerp = source - floor;
  return tap;
}

}  // namespace

void shifted_copy(const Volume& in, const Spatial& out_size, const Spatial& offset,
                  const float* in_data, float* out) {
  const int64_t channels = in.channels;
  const int64_t row_floats = out_size[2] * channels;
  // Output columns [w_begin, w_end) read input columns [w_begin + offset, w_end + offset).
  const int64_t w_begin = std::clamp<int64_t>(-offset[2], 0, out_size[2]);
  const int64_t w_end = std::clamp<int64_t>(in.size[2] - offset[2], w_begin, out_size[2]);
  for (int64_t n = 0; n < in.batch; ++n) {
    for (int64_t od = 0; od < out_size[0]; ++od) {
      const int64_t id = od + offset[0];
      for (int64_t oh = 0; oh < out_size[1]; ++oh) {
        const int64_t ih = oh + offset[1];
        float* dst = out + ((n * out_size[0] + od) * out_size[1] + oh) * row_floats;
        if (id < 0 || id >= in.size[0] || ih < 0 || ih >= in.size[1] || w_begin == w_end) {
          std::fill_n(dst, row_floats, 0.0f);
          continue;
        }
        const float* src = in_data + (((n * in.size[0] + id) * in.size[1] + ih) * in.size[2] +
                                      w_begin + offset[2]) *
                                         channels;
        std::fill_n(dst, w_begin * channels, 0.0f);
        std::copy_n(src, (w_end - w_begin) * channels, dst + w_begin * channels);
        std::fill(dst + w_end * channels, dst + row_floats, 0.0f);
      }
    }
  }
}

void upsample_nearest(const Volume& in, const Spatial& factor, const float* in_data, float* out) {
  const int64_t channels = in.channels;
  const Spatial out_size{in.size[0] * factor[0], in.size[1] * factor[1], in.size[2] * factor[2]};
  const int64_t row_floats = out_size[2] * channels;
  for (int64_t n = 0; n < in.batch; ++n) {
    for (int64_t od = 0; od < out_size[0]; ++od) {
      for (int64_t oh = 0; oh < out_size[1]; ++oh) {
        const int64_t id = od / factor[0], ih = oh / factor[1];
        const float* src =
            in_data + ((n * in.size[0] + id) * in.size[1] + ih) * in.size[2] * channels;
        float* dst = out + ((n * out_size[0] + od) * out_size[1] + oh) * row_floats;
        for (int64_t ow = 0; ow < out_size[2]; ++ow)
          std::copy_n(src + (ow / factor[2]) * channels, channels, dst + ow * channels);
      }
    }
  }
}

void upsample_bilinear(const Volume& in, int64_t factor_h, int64_t factor_w,
                       bool half_pixel_centers, const float* in_data, float* out) {
  const int64_t channels = in.channels;
  const int64_t in_h = in.size[1], in_w = in.size[2];
  const int64_t out_h = in_h * factor_h, out_w = in_w * factor_w;
  const int64_t samples = in.batch * in.size[0];
  for (int64_t n = 0; n < samples; ++n) {
    const float* image = in_data + n * in_h * in_w * channels;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const LinearTap y = linear_tap(oh, in_h, out_h, half_pixel_centers);
      const float* top_row = image + y.lower * in_w * channels;
      const float* bottom_row = image + y.upper * in_w * channels;
      float* dst = out + (n * out_h + oh) * out_w * channels;
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const LinearTap x = linear_tap(ow, in_w, out_w, half_pixel_centers);
        const float* top_left = top_row + x.lower * channels;
        const float* top_right = top_row + x.upper * channels;
        const float* bottom_left = bottom_row + x.lower * channels;
        const float* bottom_right = bottom_row + x.upper * channels;
        for (int64_t c = 0; c < channels; ++c) {
          // TensorFlow's order of operations, for matching rounding.
          const float top = top_left[c] + (top_right[c] - top_left[c]) * x.lerp;
          const float bottom = bottom_left[c] + (bottom_right[c] - bottom_left[c]) * x.lerp;
          dst[ow * channels + c] = top + (bottom - top) * y.lerp;
        }
      }
    }
  }
}

}  // namespace kerasrt

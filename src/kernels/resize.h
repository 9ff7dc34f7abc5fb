// Image resizing as TensorFlow's tf.image.resize computes it without antialiasing (what Keras's
// Resizing, CenterCrop and RandomCrop call): each output position reads a few input positions
// along each axis with fixed weights ("taps"), which depend only on the sizes and are made once
// per shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kerasrt {

enum class ResizeMethod {
  kNearest,
  kBilinear,
  kBicubic,
  kArea,
  kLanczos3,
  kLanczos5,
  kGaussian,
  kMitchellCubic
};

// Keras's interpolation names: nearest, bilinear, bicubic, area, lanczos3, lanczos5, gaussian,
// mitchellcubic; nullopt for any other.
std::optional<ResizeMethod> resize_method(std::string_view name);

// For every output position o along one axis, the input positions index[offset[o] ..
// offset[o + 1]) and their weights.
struct ResizeTaps {
  std::vector<int64_t> offset, index;
  std::vector<float> weight;
};

// The taps of `method` from `in_size` to `out_size` positions, reading input positions
// first + [0, in_size):
//   nearest:  floor((o + 0.5) * scale), half-pixel centers (ResizeNearestNeighbor);
//   bilinear: half-pixel centers, edges clamped (ResizeBilinear);
//   bicubic:  Keys cubic (a = -0.5) with TensorFlow's 1024-entry weight table, half-pixel
//             centers, taps outside the image dropped and the rest renormalised (ResizeBicubic);
//   area:     the average over the box [o * scale, (o + 1) * scale), partial pixels weighted by
//             their overlap (ResizeArea, no half-pixel centers);
// with scale = in_size / out_size in float32, as TensorFlow computes it;
//   lanczos3/5, gaussian, mitchellcubic: TensorFlow's ScaleAndTranslate without antialiasing
//             (the kernel centred on the sampled position, unscaled, taps inside the image,
//             weights normalised to sum 1).
ResizeTaps resize_taps(ResizeMethod method, int64_t in_size, int64_t out_size, int64_t first = 0);

// Resamples `images` channels_last images (`in_row` floats from row to row, `in_image` floats
// from image to image; the taps say which rows and columns are read, so a crop is read in place)
// to out_h x out_w pixels, out_h = y.offset.size() - 1 and out_w likewise:
// out[y][x] = sum_i wy_i * sum_j wx_j * in[iy_i][ix_j]. `scratch` holds in_row floats.
void resample_image(const ResizeTaps& y, const ResizeTaps& x, int64_t images, int64_t channels,
                    int64_t in_row, int64_t in_image, const float* in, float* out, float* scratch);

}  // namespace kerasrt

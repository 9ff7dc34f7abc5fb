#include "kernels/resize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

// TensorFlow tabulates the cubic kernel at 1024 steps of the fractional position and rounds the
// position to the nearest step, so exact cubic weights would differ from it by up to ~1e-3.
constexpr int64_t kCubicTableSize = 1024;

// The Keys cubic kernel (a = -0.5) at |t| = step / 1024 (near: |t| in [0, 1]) or 1 + step / 1024
// (far: |t| in [1, 2]), computed as TensorFlow fills its table.
float cubic_weight(int64_t step, bool far) {
  constexpr double a = -0.5;
  float t = static_cast<float>(static_cast<double>(step) * 1.0 / kCubicTableSize);
  if (!far) return static_cast<float>(((a + 2) * t - (a + 3)) * t * t + 1);
  t += 1.0f;
  return static_cast<float>(((a * t - 5 * a) * t + 8 * a) * t - 4 * a);
}

void add_tap(ResizeTaps& taps, int64_t index, float weight) {
  taps.index.push_back(index);
  taps.weight.push_back(weight);
}

void add_cubic_taps(ResizeTaps& taps, float source, int64_t in_size) {
  const int64_t base = static_cast<int64_t>(std::floor(source));
  const int64_t step = std::lrint((source - static_cast<float>(base)) * kCubicTableSize);
  const float weights[4] = {cubic_weight(step, true), cubic_weight(step, false),
                            cubic_weight(kCubicTableSize - step, false),
                            cubic_weight(kCubicTableSize - step, true)};
  float sum = 0.0f;
  for (int k = 0; k < 4; ++k)
    if (base - 1 + k >= 0 && base - 1 + k < in_size) sum += weights[k];
  const float inverse =
      std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min() ? 1.0f / sum : 1.0f;
  for (int k = 0; k < 4; ++k)
    if (base - 1 + k >= 0 && base - 1 + k < in_size)
      add_tap(taps, base - 1 + k, weights[k] * inverse);
}

// ScaleAndTranslate's kernels, of |x| (TensorFlow's sampling_kernels.h) and their radii.
float sampling_kernel(ResizeMethod method, float x) {
  constexpr float kPi = 3.14159265358979323846f;
  switch (method) {
    case ResizeMethod::kLanczos3:
    case ResizeMethod::kLanczos5: {
      const float radius = method == ResizeMethod::kLanczos3 ? 3.0f : 5.0f;
      if (x > radius) return 0.0f;
      if (x <= 1e-3f) return 1.0f;  // sin(pi x) / (pi x) -> 1, as TensorFlow cuts it off
      return radius * std::sin(kPi * x) * std::sin(kPi * x / radius) / (kPi * kPi * x * x);
    }
    case ResizeMethod::kGaussian: {
      constexpr float kSigma = 0.5f, kRadius = 1.5f;  // three sigmas
      return x >= kRadius ? 0.0f : static_cast<float>(std::exp(-x * x / (2.0 * kSigma * kSigma)));
    }
    case ResizeMethod::kMitchellCubic:  // B = C = 1/3
      if (x >= 2.0f) return 0.0f;
      if (x >= 1.0f) return ((-7.0f / 18.0f * x + 2.0f) * x - 10.0f / 3.0f) * x + 16.0f / 9.0f;
      return (7.0f / 6.0f * x - 2.0f) * x * x + 8.0f / 9.0f;
    default:
      return 0.0f;
  }
}

float sampling_radius(ResizeMethod method) {
  switch (method) {
    case ResizeMethod::kLanczos3:
      return 3.0f;
    case ResizeMethod::kLanczos5:
      return 5.0f;
    case ResizeMethod::kGaussian:
      return 1.5f;
    default:
      return 2.0f;  // Mitchell-Netravali cubic
  }
}

// One output position of ScaleAndTranslate (translation 0, no antialiasing): the input positions
// whose centres lie within the kernel's radius of the sampled position, weights normalised.
void add_kernel_taps(ResizeTaps& taps, ResizeMethod method, int64_t o, float inverse_scale,
                     int64_t in_size) {
  const float sample = (static_cast<float>(o) + 0.5f) * inverse_scale;
  if (sample < 0.0f || sample > static_cast<float>(in_size)) return;  // TensorFlow: no taps
  const float radius = sampling_radius(method);
  const int64_t begin =
      std::clamp<int64_t>(static_cast<int64_t>(std::ceil(sample - radius - 0.5f)), 0, in_size - 1);
  const int64_t end = std::clamp<int64_t>(static_cast<int64_t>(std::floor(sample + radius - 0.5f)),
                                          0, in_size - 1) +
                      1;
  const size_t first = taps.weight.size();
  float sum = 0.0f;
  for (int64_t i = begin; i < end; ++i) {
    const float weight = sampling_kernel(method, std::abs(static_cast<float>(i) + 0.5f - sample));
    sum += weight;
    add_tap(taps, i, weight);
  }
  if (std::abs(sum) < 1000.0f * std::numeric_limits<float>::min()) {
    std::fill(taps.weight.begin() + static_cast<ptrdiff_t>(first), taps.weight.end(), 0.0f);
    return;
  }
  const float inverse = 1.0f / sum;
  for (size_t t = first; t < taps.weight.size(); ++t) taps.weight[t] *= inverse;
}

void add_area_taps(ResizeTaps& taps, int64_t o, float scale, int64_t in_size) {
  const float begin = static_cast<float>(o) * scale;
  const float end = static_cast<float>(o + 1) * scale;
  const int64_t first = static_cast<int64_t>(std::floor(begin));
  const int64_t last = static_cast<int64_t>(std::ceil(end));
  for (int64_t i = first; i < last; ++i) {
    const float lo = std::max(static_cast<float>(i), begin);
    const float hi = std::min(static_cast<float>(i + 1), end);
    add_tap(taps, std::min(i, in_size - 1), (hi - lo) / scale);
  }
}

}  // namespace

std::optional<ResizeMethod> resize_method(std::string_view name) {
  static constexpr std::pair<std::string_view, ResizeMethod> kNames[] = {
      {"nearest", ResizeMethod::kNearest},   {"bilinear", ResizeMethod::kBilinear},
      {"bicubic", ResizeMethod::kBicubic},   {"area", ResizeMethod::kArea},
      {"lanczos3", ResizeMethod::kLanczos3}, {"lanczos5", ResizeMethod::kLanczos5},
      {"gaussian", ResizeMethod::kGaussian}, {"mitchellcubic", ResizeMethod::kMitchellCubic}};
  for (const auto& [key, method] : kNames)
    if (key == name) return method;
  return std::nullopt;
}

ResizeTaps resize_taps(ResizeMethod method, int64_t in_size, int64_t out_size, int64_t first) {
  // TensorFlow refuses to resize an empty image too; with no input position there is nothing
  // for an output position to read (found by fuzz_detect).
  if (in_size <= 0 && out_size > 0)
    throw Error("cannot resize an image with an empty height or width to " +
                std::to_string(out_size) + " positions");
  ResizeTaps taps;
  taps.offset.reserve(static_cast<size_t>(out_size) + 1);
  taps.offset.push_back(0);
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  // ScaleAndTranslate takes scale = out / in and inverts it in double, rounding to float.
  const float inverse_scale = static_cast<float>(
      1.0 / static_cast<double>(static_cast<float>(out_size) / static_cast<float>(in_size)));
  for (int64_t o = 0; o < out_size; ++o) {
    const float center = (static_cast<float>(o) + 0.5f) * scale;
    switch (method) {
      case ResizeMethod::kNearest: {
        const int64_t i = static_cast<int64_t>(std::floor(center));
        add_tap(taps, std::clamp<int64_t>(i, 0, in_size - 1), 1.0f);
        break;
      }
      case ResizeMethod::kBilinear: {
        const float source = center - 0.5f;
        const float floor = std::floor(source);
        const float lerp = source - floor;
        add_tap(taps, std::max<int64_t>(static_cast<int64_t>(floor), 0), 1.0f - lerp);
        add_tap(taps, std::min<int64_t>(static_cast<int64_t>(std::ceil(source)), in_size - 1),
                lerp);
        break;
      }
      case ResizeMethod::kBicubic:
        add_cubic_taps(taps, center - 0.5f, in_size);
        break;
      case ResizeMethod::kArea:
        add_area_taps(taps, o, scale, in_size);
        break;
      case ResizeMethod::kLanczos3:
      case ResizeMethod::kLanczos5:
      case ResizeMethod::kGaussian:
      case ResizeMethod::kMitchellCubic:
        add_kernel_taps(taps, method, o, inverse_scale, in_size);
        break;
    }
    taps.offset.push_back(static_cast<int64_t>(taps.index.size()));
  }
  for (int64_t& i : taps.index) i += first;
  return taps;
}

void resample_image(const ResizeTaps& y, const ResizeTaps& x, int64_t images, int64_t channels,
                    int64_t in_row, int64_t in_image, const float* in, float* out, float* scratch) {
  const int64_t out_h = static_cast<int64_t>(y.offset.size()) - 1;
  const int64_t out_w = static_cast<int64_t>(x.offset.size()) - 1;
  for (int64_t n = 0; n < images; ++n) {
    const float* image = in + n * in_image;
    for (int64_t oy = 0; oy < out_h; ++oy) {
      // One row mixed from the rows this output row reads, then mixed along it.
      std::fill(scratch, scratch + in_row, 0.0f);
      for (int64_t t = y.offset[static_cast<size_t>(oy)]; t < y.offset[static_cast<size_t>(oy) + 1];
           ++t) {
        const float w = y.weight[static_cast<size_t>(t)];
        const float* row = image + y.index[static_cast<size_t>(t)] * in_row;
        for (int64_t k = 0; k < in_row; ++k) scratch[k] += w * row[k];
      }
      float* dst = out + ((n * out_h) + oy) * out_w * channels;
      for (int64_t ox = 0; ox < out_w; ++ox) {
        float* pixel = dst + ox * channels;
        std::fill(pixel, pixel + channels, 0.0f);
        for (int64_t t = x.offset[static_cast<size_t>(ox)];
             t < x.offset[static_cast<size_t>(ox) + 1]; ++t) {
          const float w = x.weight[static_cast<size_t>(t)];
          const float* src = scratch + x.index[static_cast<size_t>(t)] * channels;
          for (int64_t c = 0; c < channels; ++c) pixel[c] += w * src[c];
        }
      }
    }
  }
}

}  // namespace kerasrt

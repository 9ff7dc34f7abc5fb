#include "kernels/pool.h"

#include <algorithm>
#include <limits>

namespace kerasrt {
namespace {

constexpr float kLowest = -std::numeric_limits<float>::infinity();

// Global averages sum in double over channel blocks: the block stays in registers/L1 while
// the positions stream by, and long sums keep float32 accuracy.
constexpr int64_t kChannelBlock = 64;

}  // namespace

void pool_forward(PoolOp op, const Window& w, const float* in, float* out) {
  const int64_t channels = w.in.channels;
  const int64_t rows = w.in.batch * w.out_positions();
  if (rows == 0) return;
  OutputCursor at(w, 0);
  for (int64_t row = 0; row < rows; ++row, at.next(w)) {
    float* o = out + row * channels;
    int64_t taps = 0;
    if (op == PoolOp::kMax) {
      std::fill_n(o, channels, kLowest);
      for_each_tap(w, at, [&](int64_t, int64_t offset) {
        const float* x = in + offset;
        for (int64_t c = 0; c < channels; ++c) o[c] = std::max(o[c], x[c]);
      });
    } else {
      std::fill_n(o, channels, 0.0f);
      for_each_tap(w, at, [&](int64_t, int64_t offset) {
        const float* x = in + offset;
        for (int64_t c = 0; c < channels; ++c) o[c] += x[c];
        ++taps;
      });
      const float count = static_cast<float>(taps);
      for (int64_t c = 0; c < channels; ++c) o[c] /= count;
    }
  }
}

void global_pool_forward(PoolOp op, const float* in, int64_t batch, int64_t positions,
                         int64_t channels, float* out) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* sample = in + n * positions * channels;
    float* o = out + n * channels;
    for (int64_t begin = 0; begin < channels; begin += kChannelBlock) {
      const int64_t width = std::min(kChannelBlock, channels - begin);
      if (op == PoolOp::kMax) {
        std::fill_n(o + begin, width, kLowest);
        for (int64_t p = 0; p < positions; ++p) {
          const float* x = sample + p * channels + begin;
          for (int64_t c = 0; c < width; ++c) o[begin + c] = std::max(o[begin + c], x[c]);
        }
      } else {
        double sum[kChannelBlock] = {};
        for (int64_t p = 0; p < positions; ++p) {
          const float* x = sample + p * channels + begin;
          for (int64_t c = 0; c < width; ++c) sum[c] += x[c];
        }
        for (int64_t c = 0; c < width; ++c)
          o[begin + c] = static_cast<float>(sum[c] / static_cast<double>(positions));
      }
    }
  }
}

}  // namespace kerasrt

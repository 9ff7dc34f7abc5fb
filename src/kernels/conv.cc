#include "kernels/conv.h"

#include <algorithm>

#include "kernels/gemm.h"

namespace kerasrt {
namespace {

// im2col works on chunks of output positions so that its scratch stays bounded (4 MB)
// whatever the batch and image size, while each chunk still makes a large sgemm.
constexpr int64_t kIm2colChunkFloats = int64_t{1} << 20;

int64_t output_rows(const Window& w) { return w.in.batch * w.out_positions(); }

int64_t im2col_columns(const Window& w, int64_t groups) {
  return w.kernel_positions() * (w.in.channels / groups);
}

int64_t chunk_rows(const Window& w, int64_t columns) {
  const int64_t rows = std::max<int64_t>(output_rows(w), 1);
  return std::clamp<int64_t>(kIm2colChunkFloats / std::max<int64_t>(columns, 1), 1, rows);
}

// Writes, for output rows [row_begin, row_end), one row of kernel_positions * channels values:
// input channels [channel_begin, channel_begin + channels) at every kernel tap, in the order
// of the Keras kernel's rows (taps, then channels), zeros for taps in padding.
void im2col(const Window& w, int64_t channel_begin, int64_t channels, const float* in,
            int64_t row_begin, int64_t row_end, float* cols) {
  const int64_t columns = w.kernel_positions() * channels;
  OutputCursor at(w, row_begin);
  for (int64_t row = row_begin; row < row_end; ++row, at.next(w)) {
    float* dst = cols + (row - row_begin) * columns;
    std::fill_n(dst, columns, 0.0f);
    for_each_tap(w, at, [&](int64_t tap, int64_t offset) {
      std::copy_n(in + offset + channel_begin, channels, dst + tap * channels);
    });
  }
}

void add_bias(float* out, int64_t rows, int64_t channels, const float* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = out + r * channels;
    for (int64_t c = 0; c < channels; ++c) row[c] += bias[c];
  }
}

}  // namespace

size_t conv_scratch_floats(const Window& window, int64_t groups) {
  if (window.is_pointwise()) return 0;
  const int64_t columns = im2col_columns(window, groups);
  return static_cast<size_t>(chunk_rows(window, columns) * columns);
}

void conv_forward(const Window& w, int64_t groups, int64_t filters, const float* in,
                  const float* kernel, const float* bias, float* out, float* scratch) {
  const int64_t channels = w.in.channels;
  const int64_t group_channels = channels / groups, group_filters = filters / groups;
  const int64_t rows = output_rows(w);
  if (w.is_pointwise()) {
    // The input already is the im2col matrix: [rows x channels], each group a column block.
    for (int64_t g = 0; g < groups; ++g)
      sgemm(false, false, rows, group_filters, group_channels, 1.0f, in + g * group_channels,
            channels, kernel + g * group_filters, filters, 0.0f, out + g * group_filters, filters);
  } else {
    const int64_t columns = im2col_columns(w, groups);
    const int64_t step = chunk_rows(w, columns);
    for (int64_t begin = 0; begin < rows; begin += step) {
      const int64_t end = std::min(rows, begin + step);
      for (int64_t g = 0; g < groups; ++g) {
        im2col(w, g * group_channels, group_channels, in, begin, end, scratch);
        // The group's kernel is the column block [columns x group_filters] of the Keras kernel.
        sgemm(false, false, end - begin, group_filters, columns, 1.0f, scratch, columns,
              kernel + g * group_filters, filters, 0.0f, out + begin * filters + g * group_filters,
              filters);
      }
    }
  }
  if (bias) add_bias(out, rows, filters, bias);
}

void depthwise_conv_forward(const Window& w, int64_t multiplier, const float* in,
                            const float* kernel, const float* bias, float* out) {
  const int64_t channels = w.in.channels;
  const int64_t out_channels = channels * multiplier;
  const int64_t rows = output_rows(w);
  if (rows == 0) return;
  OutputCursor at(w, 0);
  for (int64_t row = 0; row < rows; ++row, at.next(w)) {
    float* o = out + row * out_channels;
    std::fill_n(o, out_channels, 0.0f);
    for_each_tap(w, at, [&](int64_t tap, int64_t offset) {
      const float* x = in + offset;
      const float* k = kernel + tap * out_channels;
      if (multiplier == 1) {
        for (int64_t c = 0; c < channels; ++c) o[c] += x[c] * k[c];
      } else {
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t m = 0; m < multiplier; ++m)
            o[c * multiplier + m] += x[c] * k[c * multiplier + m];
      }
    });
  }
  if (bias) add_bias(out, rows, out_channels, bias);
}

void channels_first_to_last(const float* in, int64_t batch, int64_t channels, int64_t positions,
                            float* out) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* src = in + n * channels * positions;
    float* dst = out + n * channels * positions;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < positions; ++p) dst[p * channels + c] = src[c * positions + p];
  }
}

void channels_last_to_first(const float* in, int64_t batch, int64_t channels, int64_t positions,
                            float* out) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* src = in + n * channels * positions;
    float* dst = out + n * channels * positions;
    for (int64_t p = 0; p < positions; ++p)
      for (int64_t c = 0; c < channels; ++c) dst[c * positions + p] = src[p * channels + c];
  }
}

}  // namespace kerasrt

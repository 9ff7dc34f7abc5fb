#include "kernels/winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/openmp_threads.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "kernels/simd.h"
#include "kernels/vecmath.h"

// The transforms are written once on GCC vector types and compiled per instruction set below;
// GCC and clang note that such types change the calling convention without AVX, which does not
// matter for these inlined helpers.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace kerasrt {
namespace {

constexpr int kTile = 4;                // input tile side: 2 outputs + 3 taps - 1
constexpr int kPoints = kTile * kTile;  // products per (channel, filter) per tile
constexpr int64_t kLanes = 16;

using Vec16 = float __attribute__((vector_size(64)));

template <class V>
[[gnu::always_inline]] inline V load(const float* p) {
  if constexpr (std::is_same_v<V, float>) {
    return *p;
  } else {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
}
template <class V>
[[gnu::always_inline]] inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// Where a chunk of tiles reads its inputs and writes its outputs.
struct Geometry {
  const float* in;
  float* out;
  int64_t height, width, channels;         // input
  int64_t out_height, out_width, filters;  // output
  int64_t pad_top, pad_left;
  int64_t tiles_high, tiles_wide;
  const float* zeros;  // `channels` zeros: the input outside the image
};

// Tile t of the batch (numbered row by row): its image and the top-left output it computes.
struct TileOrigin {
  int64_t image, y, x;
};
[[gnu::always_inline]] inline TileOrigin tile_origin(const Geometry& g, int64_t t) {
  const int64_t per_image = g.tiles_high * g.tiles_wide, in_image = t % per_image;
  return {t / per_image, in_image / g.tiles_wide * 2, in_image % g.tiles_wide * 2};
}

// V = B^T d B for one tile's 4x4 inputs d at channels [c, c + lanes): rows, then columns, of
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
template <class V>
[[gnu::always_inline]] inline void transform_input(const float* const* src, float* const* dst,
                                                   int64_t c) {
  V t[kTile][kTile];
  for (int j = 0; j < kTile; ++j) {
    const V d0 = load<V>(src[j] + c), d1 = load<V>(src[4 + j] + c), d2 = load<V>(src[8 + j] + c),
            d3 = load<V>(src[12 + j] + c);
    t[0][j] = d0 - d2;
    t[1][j] = d1 + d2;
    t[2][j] = d2 - d1;
    t[3][j] = d1 - d3;
  }
  for (int i = 0; i < kTile; ++i) {
    store(dst[4 * i + 0] + c, t[i][0] - t[i][2]);
    store(dst[4 * i + 1] + c, t[i][1] + t[i][2]);
    store(dst[4 * i + 2] + c, t[i][2] - t[i][1]);
    store(dst[4 * i + 3] + c, t[i][1] - t[i][3]);
  }
}

// Y = A^T M A + bias (+ the addend already in the output) for one tile's 16 products at filters
// [k, k + lanes), with A^T = [1 1 1 0; 0 1 -1 -1]; writes the outputs that lie in the image.
template <class V>
[[gnu::always_inline]] inline void transform_output(const float* const* src, float* const* dst,
                                                    int rows, int cols, const float* bias, bool sum,
                                                    int64_t k) {
  V r[2][kTile];
  for (int j = 0; j < kTile; ++j) {
    const V m0 = load<V>(src[j] + k), m1 = load<V>(src[4 + j] + k), m2 = load<V>(src[8 + j] + k),
            m3 = load<V>(src[12 + j] + k);
    r[0][j] = m0 + m1 + m2;
    r[1][j] = m1 - m2 - m3;
  }
  const V b = load<V>(bias + k);
  for (int i = 0; i < rows; ++i) {
    const V y[2] = {r[i][0] + r[i][1] + r[i][2] + b, r[i][1] - r[i][2] - r[i][3] + b};
    for (int j = 0; j < cols; ++j) {
      float* to = dst[2 * i + j] + k;
      store(to, sum ? y[j] + load<V>(to) : y[j]);
    }
  }
}

// Applies `transform` over `count` channels: whole vectors, then the rest one at a time.
template <class Transform>
[[gnu::always_inline]] inline void over_lanes(int64_t count, Transform&& transform) {
  int64_t c = 0;
  for (; c + kLanes <= count; c += kLanes) transform(Vec16{}, c);
  for (; c < count; ++c) transform(0.0f, c);
}

struct Chunk {
  int64_t first, count;  // tiles, numbered over the batch row by row
  float* transformed;    // kPoints x count x channels
  float* products;       // kPoints x count x filters
};

// The input transform of every tile of a chunk into its 16 (tiles x channels) matrices.
[[gnu::always_inline]] inline void transform_inputs(const Geometry& g, const Chunk& chunk) {
  for (int64_t i = 0; i < chunk.count; ++i) {
    const TileOrigin tile = tile_origin(g, chunk.first + i);
    const int64_t image = tile.image, y0 = tile.y - g.pad_top, x0 = tile.x - g.pad_left;
    const float* src[kPoints];
    float* dst[kPoints];
    for (int p = 0; p < kPoints; ++p) {
      const int64_t y = y0 + p / kTile, x = x0 + p % kTile;
      const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
      src[p] = inside ? g.in + ((image * g.height + y) * g.width + x) * g.channels : g.zeros;
      dst[p] = chunk.transformed + (p * chunk.count + i) * g.channels;
    }
    over_lanes(
        g.channels, [&](auto lanes, int64_t c) __attribute__((always_inline)) {
          transform_input<decltype(lanes)>(src, dst, c);
        });
  }
}

// The output transform of every tile of a chunk, with the bias, a fused Add and the activation.
[[gnu::always_inline]] inline void transform_outputs(const Geometry& g, const Chunk& chunk,
                                                     const float* bias, const PostOps& post) {
  const bool activate = post.activation.kind != ActKind::kLinear;
  for (int64_t i = 0; i < chunk.count; ++i) {
    const TileOrigin tile = tile_origin(g, chunk.first + i);
    const int64_t image = tile.image, y0 = tile.y, x0 = tile.x;
    const int rows = static_cast<int>(std::min<int64_t>(2, g.out_height - y0));
    const int cols = static_cast<int>(std::min<int64_t>(2, g.out_width - x0));
    const float* src[kPoints];
    for (int p = 0; p < kPoints; ++p) src[p] = chunk.products + (p * chunk.count + i) * g.filters;
    float* dst[4];
    for (int p = 0; p < 4; ++p)
      dst[p] = g.out + ((image * g.out_height + y0 + p / 2) * g.out_width + x0 + p % 2) * g.filters;
    over_lanes(
        g.filters, [&](auto lanes, int64_t k) __attribute__((always_inline)) {
          transform_output<decltype(lanes)>(src, dst, rows, cols, bias, post.sum, k);
        });
    // Both outputs of a row are adjacent in channels_last data.
    if (activate)
      for (int r = 0; r < rows; ++r) apply_pointwise(post.activation, dst[2 * r], cols * g.filters);
  }
}

// One chunk from input to output; compiled once per instruction set below.
[[gnu::always_inline]] inline void run_chunk_body(const Geometry& g, const Chunk& chunk,
                                                  const std::vector<PackedMatrix>& filters,
                                                  const float* bias, const PostOps& post) {
  transform_inputs(g, chunk);
  for (int p = 0; p < kPoints; ++p)
    packed_matmul(chunk.transformed + p * chunk.count * g.channels, chunk.count, g.channels,
                  filters[static_cast<size_t>(p)].panels(),
                  chunk.products + p * chunk.count * g.filters, g.filters);
  transform_outputs(g, chunk, bias, post);
}

// U = G g G^T for one input channel and every filter, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2;
// 0 0 1]: the rows of 3 taps (`rows`, 4 x 3 per filter), then the columns, in double over the
// filters (contiguous in Keras's layout), each value rounded once, with its filter's scale, into
// `values` (the 16 positions' rows of `filters` floats). `taps` points at tap (0, 0) of the
// channel; tap (a, b) is (a * 3 + b) * tap_stride further. Compiled per instruction set
// below, as the chunks are.
[[gnu::always_inline]] inline void transform_filters_body(const float* taps, int64_t tap_stride,
                                                          int64_t filters, const double* scale,
                                                          double* rows, float* values) {
  for (int b = 0; b < 3; ++b) {
    double* t = rows + b * filters;  // t[i][b] at t + (i * 3) * filters
    const float *g0 = taps + b * tap_stride, *g1 = taps + (3 + b) * tap_stride,
                *g2 = taps + (6 + b) * tap_stride;
    for (int64_t k = 0; k < filters; ++k) {
      const double x0 = g0[k], x1 = g1[k], x2 = g2[k];
      t[k] = x0;
      t[3 * filters + k] = 0.5 * (x0 + x1 + x2);
      t[6 * filters + k] = 0.5 * (x0 - x1 + x2);
      t[9 * filters + k] = x2;
    }
  }
  for (int i = 0; i < kTile; ++i) {
    const double* t = rows + i * 3 * filters;
    float* u = values + i * kTile * filters;  // u[i][j] at u + j * filters
    for (int64_t k = 0; k < filters; ++k) {
      const double t0 = t[k], t1 = t[filters + k], t2 = t[2 * filters + k], s = scale[k];
      u[k] = static_cast<float>(t0 * s);
      u[filters + k] = static_cast<float>(0.5 * (t0 + t1 + t2) * s);
      u[2 * filters + k] = static_cast<float>(0.5 * (t0 - t1 + t2) * s);
      u[3 * filters + k] = static_cast<float>(t2 * s);
    }
  }
}

// The bodies above compiled for each instruction set.
#define KRT_WINOGRAD_FOR(suffix, target)                                                         \
  target void run_chunk_##suffix(const Geometry& g, const Chunk& chunk,                          \
                                 const std::vector<PackedMatrix>& filters, const float* bias,    \
                                 const PostOps& post) {                                          \
    run_chunk_body(g, chunk, filters, bias, post);                                               \
  }                                                                                              \
  target void transform_filters_##suffix(const float* taps, int64_t tap_stride, int64_t filters, \
                                         const double* scale, double* rows, float* values) {     \
    transform_filters_body(taps, tap_stride, filters, scale, rows, values);                      \
  }
KRT_WINOGRAD_FOR(avx512, KRT_AVX512)
KRT_WINOGRAD_FOR(avx2, KRT_AVX2)
KRT_WINOGRAD_FOR(portable, )
#undef KRT_WINOGRAD_FOR

// Calls the variant compiled for the instruction set in use.
template <class Fn, class... Args>
void for_isa(Fn avx512, Fn avx2, Fn portable, Args&&... args) {
  switch (isa()) {
    case Isa::kAvx512:
      return avx512(std::forward<Args>(args)...);
    case Isa::kAvx2:
      return avx2(std::forward<Args>(args)...);
    case Isa::kScalar:
      break;
  }
  portable(std::forward<Args>(args)...);
}

void run_chunk(const Geometry& g, const Chunk& chunk, const std::vector<PackedMatrix>& filters,
               const float* bias, const PostOps& post) {
  for_isa(run_chunk_avx512, run_chunk_avx2, run_chunk_portable, g, chunk, filters, bias, post);
}

void transform_filters(const float* taps, int64_t tap_stride, int64_t filters, const double* scale,
                       double* rows, float* values) {
  for_isa(transform_filters_avx512, transform_filters_avx2, transform_filters_portable, taps,
          tap_stride, filters, scale, rows, values);
}

int64_t tiles_along(int64_t outputs) { return ceil_div(outputs, 2); }

struct WinogradState final : Prepared {
  int64_t tiles = 0;  // over the whole batch
  int64_t chunk = 0;  // tiles per chunk
  int threads = 1;
  size_t thread_floats = 0;  // each thread's scratch
};

// Scratch for one chunk's transformed inputs and products: about half of a typical per-core
// L2 cache, so that they stay there between the transforms and the products.
constexpr int64_t kChunkBytes = 512 * 1024;
// Tiles a chunk takes at the least: the products read each packed filter matrix once per chunk,
// and these many rows keep that read a small share of their time when the filters do not fit
// in the cache.
constexpr int64_t kMinChunkTiles = 96;

}  // namespace

bool WinogradKernel::suits(const ConvKernel::Config& config, const Window& typical) {
  if (config.rank != 2 || config.channels_first || config.groups != 1 ||
      config.kernel != Spatial{1, 3, 3} || typical.stride != Spatial{1, 1, 1} ||
      typical.dilation != Spatial{1, 1, 1})
    return false;
  // Measured against oneDNN's direct convolution on one thread (stop 18's note): with
  // fewer than 32 channels the transforms cost as much as the multiplications saved (16 -> 16
  // filters: 0.36x), and with fewer than 64 filters the products are too narrow (64 -> 32:
  // 1.00x); 32 -> 64 filters gains 1.35x, 128 -> 128 1.5-1.8x.
  if (config.in_channels < 32 || config.filters < 64) return false;
  const int64_t out_h = typical.out[1], out_w = typical.out[2];
  const int64_t tiles = tiles_along(out_h) * tiles_along(out_w);
  // The 2x2 tiles cover whole multiples of 2: 16 multiplications per tile against 9 per
  // output of the direct convolution. Up to 56% of them pays (13x13 outputs: 1.5x, 9x9: 1.1x);
  // 7x7 (58%) runs no faster on 2 threads, 5x5 (64%) slower.
  return out_h > 0 && out_w > 0 && kPoints * tiles * 100 <= 56 * 9 * out_h * out_w;
}

WinogradKernel::WinogradKernel(const ConvKernel& conv, WeightArena& arena)
    : config_(conv.config()), post_(conv.post()) {
  const int64_t channels = config_.in_channels, filters = config_.filters;
  const std::span<const float> g = conv.keras_weights();  // (3, 3, channels, filters)
  bias_ = conv.bias() ? *conv.bias() : std::vector<float>(static_cast<size_t>(filters), 0.0f);
  std::vector<double> scale(static_cast<size_t>(filters), 1.0);
  if (conv.weight_scale())
    std::copy(conv.weight_scale()->begin(), conv.weight_scale()->end(), scale.begin());
  transformed_.resize(kPoints);
  for (PackedMatrix& m : transformed_) m = packed_zeros(channels, filters, &arena);
  std::vector<double> rows(static_cast<size_t>(kTile * 3 * filters));
  std::vector<float> values(static_cast<size_t>(kPoints * filters));
  for (int64_t c = 0; c < channels; ++c) {
    transform_filters(g.data() + c * filters, channels * filters, filters, scale.data(),
                      rows.data(), values.data());
    for (int p = 0; p < kPoints; ++p)
      transformed_[static_cast<size_t>(p)].set_row(c, values.data() + p * filters);
  }
}

std::shared_ptr<const Prepared> WinogradKernel::prepare(const Window& w) const {
  auto state = std::make_shared<WinogradState>();
  state->tiles = w.in.batch * tiles_along(w.out[1]) * tiles_along(w.out[2]);
  if (state->tiles == 0) return state;  // an empty batch: nothing to compute
  state->threads = openmp_threads();
  const int64_t per_tile = kPoints * (config_.in_channels + config_.filters);
  const int64_t chunk = std::max<int64_t>(
      kChunkBytes / static_cast<int64_t>(sizeof(float)) / per_tile, kMinChunkTiles);
  // A multiple of the threads in chunks of equal size, so that every thread gets as many tiles.
  const int64_t threads = state->threads;
  const int64_t chunks = ceil_div(ceil_div(state->tiles, chunk), threads) * threads;
  state->chunk = std::max<int64_t>(ceil_div(state->tiles, chunks), 1);
  state->thread_floats =
      static_cast<size_t>(aligned_floats(state->chunk * kPoints * config_.in_channels) +
                          aligned_floats(state->chunk * kPoints * config_.filters) +
                          aligned_floats(config_.in_channels));
  state->scratch_floats = state->thread_floats * static_cast<size_t>(state->threads);
  return state;
}

void WinogradKernel::run(const Prepared& prepared, const Window& w, const float* in, float* out,
                         float* scratch) const {
  const auto& state = static_cast<const WinogradState&>(prepared);
  if (state.tiles == 0) return;
  const int64_t channels = config_.in_channels, filters = config_.filters;
  const int threads = std::min(state.threads, openmp_threads());
  const int64_t chunks = ceil_div(state.tiles, state.chunk);
  const Geometry g{.in = in,
                   .out = out,
                   .height = w.in.size[1],
                   .width = w.in.size[2],
                   .channels = channels,
                   .out_height = w.out[1],
                   .out_width = w.out[2],
                   .filters = filters,
                   .pad_top = w.pad_before[1],
                   .pad_left = w.pad_before[2],
                   .tiles_high = tiles_along(w.out[1]),
                   .tiles_wide = tiles_along(w.out[2]),
                   .zeros = nullptr};
  parallel_for(threads, chunks, [&](int64_t c) {
    // Each thread's scratch: transformed inputs, products, a row of zeros.
    float* transformed = scratch + state.thread_floats * static_cast<size_t>(omp_get_thread_num());
    float* products = transformed + aligned_floats(state.chunk * kPoints * channels);
    float* zeros = products + aligned_floats(state.chunk * kPoints * filters);
    std::fill_n(zeros, channels, 0.0f);
    Geometry own = g;
    own.zeros = zeros;
    const int64_t first = c * state.chunk, count = std::min(state.chunk, state.tiles - first);
    run_chunk(own, {first, count, transformed, products}, transformed_, bias_.data(), post_);
  });
}

}  // namespace kerasrt

#include "kernels/gemm.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_isa.h"
#include "core/shape.h"
#include "kernels/simd.h"
#include "kernels/vecmath.h"

namespace kerasrt {
namespace {

constexpr int64_t kPanel = PackedMatrix::kPanel;
constexpr int64_t kPrefetchRows = 4;

struct Mode {
  bool accumulate;  // onto C's values, or from zero
  bool streamed;    // B is read once, from beyond the L2 cache: prefetch it ahead
};

// R rows of C, the first V * 16 columns of one panel (the first `cols` of them real): V zmm per
// row; C's values are the starting sums when `mode.accumulate`, zero otherwise.
template <int R, int V>
KRT_AVX512 void panel_avx512(const float* a, int64_t lda, int64_t k, const float* panel, float* c,
                             int64_t ldc, int64_t cols, Mode mode) {
  __mmask16 mask[V];
  for (int v = 0; v < V; ++v) {
    const int64_t lanes = std::clamp<int64_t>(cols - 16 * v, 0, 16);
    mask[v] = static_cast<__mmask16>((1u << lanes) - 1u);
  }
  __m512 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      acc[r][v] = mode.accumulate ? _mm512_maskz_loadu_ps(mask[v], c + r * ldc + 16 * v)
                                  : _mm512_setzero_ps();
  for (int64_t i = 0; i < k; ++i) {
    const float* row = panel + i * kPanel;
    // With one or two rows of A a streamed panel goes by faster than the hardware prefetches it
    // from the last-level cache (a batch-1 Dense layer): asking for it 4 rows ahead took the
    // MLP's three products from 26.3 to 22.3 us, the MNIST CNN's 9216 x 128 one from 46 to 37 us.
    // Weights that stay in L2 (recurrent steps) are better without: LSTM text 3.5% slower.
    if (R <= 2 && mode.streamed)
      for (int v = 0; v < V; ++v)
        _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchRows * kPanel + 16 * v),
                     _MM_HINT_T0);
    __m512 w[V];
    for (int v = 0; v < V; ++v) w[v] = _mm512_loadu_ps(row + 16 * v);
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * lda + i]);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(x, w[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mask[v], acc[r][v]);
}

// All rows of C against one panel, V zmm per row: blocks of 24 / V rows share each panel load
// (24 accumulators, V weight and 1 broadcast registers), then smaller blocks for the rest.
template <int V>
KRT_AVX512 void rows_avx512(const float* a, int64_t m, int64_t lda, int64_t k, const float* panel,
                            float* c, int64_t ldc, int64_t cols, Mode mode) {
  constexpr int kRows = 24 / V;
  int64_t r = 0;
  for (; r + kRows <= m; r += kRows)
    panel_avx512<kRows, V>(a + r * lda, lda, k, panel, c + r * ldc, ldc, cols, mode);
  for (; r + 4 <= m; r += 4)
    panel_avx512<4, V>(a + r * lda, lda, k, panel, c + r * ldc, ldc, cols, mode);
  for (; r < m; ++r) panel_avx512<1, V>(a + r * lda, lda, k, panel, c + r * ldc, ldc, cols, mode);
}

KRT_AVX512 void packed_avx512(const float* a, int64_t m, int64_t lda, const PackedPanels& b,
                              float* c, int64_t ldc, Mode mode) {
  // Prefetching a streamed panel (see panel_avx512) slows AMD's Zen 4 down, which runs a 512-bit
  // load as two 256-bit halves and whose hardware prefetchers alone keep up: the batch-1 MLP took
  // 42.3 us with it, 31.6 us without, the MNIST CNN 200 and 182 us (EPYC, family 25). The AVX2
  // kernel's prefetch helps there too (MLP 40.7 -> 36.8 us).
  mode.streamed = mode.streamed && !amd_cpu();
  for (int64_t j = 0; j < b.n; j += kPanel) {
    const float* panel = b.data + j / kPanel * b.panel_floats;
    const int64_t cols = std::min(kPanel, b.n - j);
    // A last panel of at most 32 columns runs on half the registers per row, so twice the rows
    // share each load and no multiplications go to its padding.
    if (cols <= 32)
      rows_avx512<2>(a, m, lda, b.k, panel, c + j, ldc, cols, mode);
    else
      rows_avx512<4>(a, m, lda, b.k, panel, c + j, ldc, cols, mode);
  }
}

// R rows of C, V * 8 columns of one panel (the first `cols` of them real): V ymm per row. With
// R = 6, V = 2: 12 accumulators, 2 weight and 1 broadcast registers, the 16 AVX2 has (the classic
// 6 x 16 kernel).
template <int R, int V>
KRT_AVX2 void block_avx2(const float* a, int64_t lda, int64_t k, const float* panel, float* c,
                         int64_t ldc, int64_t cols, Mode mode) {
  // The row loops are unrolled for GCC 12, which otherwise stores all 12 accumulators of the
  // 6 x 16 block to the stack on every step (half the speed).
  const bool whole = cols == 8 * V;  // else C's last columns go through a buffer
  alignas(32) float buffer[R][8 * V];
  __m256 acc[R][V];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    if (mode.accumulate && !whole)
      for (int64_t j = 0; j < 8 * V; ++j) buffer[r][j] = j < cols ? c[r * ldc + j] : 0.0f;
    for (int v = 0; v < V; ++v)
      acc[r][v] = !mode.accumulate ? _mm256_setzero_ps()
                  : whole          ? _mm256_loadu_ps(c + r * ldc + 8 * v)
                                   : _mm256_load_ps(buffer[r] + 8 * v);
  }
  for (int64_t i = 0; i < k; ++i) {
    const float* row = panel + i * kPanel;
    if (R <= 2 && mode.streamed)  // as in panel_avx512, each cache line of this row's block
      for (int line = 0; line < V / 2; ++line)
        _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchRows * kPanel + 16 * line),
                     _MM_HINT_T0);
    __m256 w[V];
    for (int v = 0; v < V; ++v) w[v] = _mm256_loadu_ps(row + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * lda + i);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(x, w[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    if (whole) {
      for (int v = 0; v < V; ++v) _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]);
    } else {
      for (int v = 0; v < V; ++v) _mm256_store_ps(buffer[r] + 8 * v, acc[r][v]);
      for (int64_t j = 0; j < cols; ++j) c[r * ldc + j] = buffer[r][j];
    }
  }
}

// Blocks of 6 rows on quarter panels, the rest (and a product of fewer rows, which streams
// the weights) 2 or 1 rows at a time on half panels, whose 256-bit loads cover a row's 128 bytes
// of the panel: the quarter panels' 64-byte pieces took a batch-1 MLP from 32 to 50 us.
KRT_AVX2 void packed_avx2(const float* a, int64_t m, int64_t lda, const PackedPanels& b, float* c,
                          int64_t ldc, Mode mode) {
  const int64_t blocked = m / 6 * 6;
  // Rows in groups of about 256 KB of A, which stay in L2 while every column strip passes: an A
  // larger than L2 would otherwise come from memory once per 16-column strip.
  const int64_t group =
      std::max<int64_t>(6, (int64_t{1} << 16) / std::max<int64_t>(b.k, 1) / 6 * 6);
  for (int64_t first = 0; first < blocked; first += group) {
    const int64_t last = std::min(blocked, first + group);
    for (int64_t j = 0; j < b.n; j += 16) {
      const float* panel = b.data + j / kPanel * b.panel_floats + j % kPanel;
      const int64_t cols = std::min<int64_t>(16, b.n - j);
      for (int64_t r = first; r < last; r += 6)
        block_avx2<6, 2>(a + r * lda, lda, b.k, panel, c + r * ldc + j, ldc, cols, mode);
    }
  }
  for (int64_t j = 0; j < b.n && blocked < m; j += 32) {
    const float* panel = b.data + j / kPanel * b.panel_floats + j % kPanel;
    const int64_t cols = std::min<int64_t>(32, b.n - j);
    int64_t r = blocked;
    for (; r + 2 <= m; r += 2)
      block_avx2<2, 4>(a + r * lda, lda, b.k, panel, c + r * ldc + j, ldc, cols, mode);
    if (r < m) block_avx2<1, 4>(a + r * lda, lda, b.k, panel, c + r * ldc + j, ldc, cols, mode);
  }
}

}  // namespace

PackedMatrix packed_zeros(int64_t k, int64_t n, WeightArena* arena) {
  PackedMatrix packed;
  packed.k = k;
  packed.n = n;
  packed.data = zero_floats(static_cast<size_t>(ceil_div(n, kPanel) * kPanel * k), arena);
  return packed;
}

void pack_panels(const float* w, int64_t ldw, int64_t k, int64_t n, const float* column_scale,
                 float* out, const PanelLayout& layout) {
  for (int64_t j = 0; j < n; j += layout.width) {
    const int64_t cols = std::min(layout.width, n - j);
    float* panel = out + j / layout.width * layout.panel_floats;
    for (int64_t i = 0; i < k; ++i) {
      const float* row = w + i * ldw + j;
      float* to = panel + i * layout.row_floats;
      if (column_scale)
        for (int64_t c = 0; c < cols; ++c) to[c] = row[c] * column_scale[j + c];
      else
        std::copy_n(row, cols, to);
    }
  }
}

void PackedMatrix::set_row(int64_t i, const float* values) {
  pack_panels(values, n, 1, n, nullptr, data.get() + i * kPanel, layout());
}

PackedMatrix pack_matrix(const float* w, int64_t k, int64_t n, int64_t ldw) {
  PackedMatrix packed = packed_zeros(k, n, /*arena=*/nullptr);
  pack_panels(w, ldw, k, n, nullptr, packed.data.get(), packed.layout());
  return packed;
}

namespace {

void packed_product(const float* a, int64_t m, int64_t lda, const PackedPanels& b, float* c,
                    int64_t ldc, Mode mode) {
  if (m <= 0 || b.n <= 0) return;
  switch (isa()) {
    case Isa::kAvx512:
      return packed_avx512(a, m, lda, b, c, ldc, mode);
    case Isa::kAvx2:
      return packed_avx2(a, m, lda, b, c, ldc, mode);
    case Isa::kScalar:
      break;
  }
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < b.n; ++j) {
      const float* column = b.data + j / kPanel * b.panel_floats + j % kPanel;
      float sum = mode.accumulate ? c[r * ldc + j] : 0.0f;
      for (int64_t i = 0; i < b.k; ++i) sum += a[r * lda + i] * column[i * kPanel];
      c[r * ldc + j] = sum;
    }
}

}  // namespace

void packed_matmul_accumulate(const float* a, int64_t m, int64_t lda, const PackedPanels& b,
                              float* c, int64_t ldc) {
  packed_product(a, m, lda, b, c, ldc, {.accumulate = true, .streamed = false});
}

void packed_matmul(const float* a, int64_t m, int64_t lda, const PackedPanels& b, float* c,
                   int64_t ldc, bool streamed) {
  packed_product(a, m, lda, b, c, ldc, {.accumulate = false, .streamed = streamed});
}

}  // namespace kerasrt

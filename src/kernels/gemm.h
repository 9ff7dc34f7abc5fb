// A single-precision matrix product kernel of our own against a matrix packed once, for what
// oneDNN's primitives (kernels/onednn.h) do not do as well: recurrent steps (few rows, every
// step), a batch-1 Dense layer (one row, weights streamed from the last-level cache), every
// Dense layer on a machine without AVX-512 (where oneDNN's rows depend on the batch) and the 16
// products of a Winograd convolution (kernels/winograd.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/weight_arena.h"

namespace kerasrt {

// Where a packed matrix's panels are: k rows of kPanel floats each (the first n columns of all
// the panels real), a panel `panel_floats` after the previous one (k * kPanel, or more when the
// rows are padded: oneDNN's BA16a64b weights layout is this layout with k rounded up to 16).
struct PackedPanels {
  const float* data = nullptr;
  int64_t k = 0, n = 0, panel_floats = 0;
};

// Where a matrix's values go in a panel layout: column j of row i at
// (j / width) * panel_floats + i * row_floats + j % width. Ours is PackedMatrix::layout();
// oneDNN's blocked weights layouts are others of the same form.
struct PanelLayout {
  int64_t width = 0, row_floats = 0, panel_floats = 0;
};

// A k x n matrix packed in memory of its own: column panels of kPanel columns, each k rows of
// kPanel floats, the last panel padded with zeros. The panels stream through the cache in
// order, which a row-major matrix with long rows does not. Filled once, then read only: copies
// share the values.
struct PackedMatrix {
  static constexpr int64_t kPanel = 64;
  int64_t k = 0, n = 0;
  std::shared_ptr<float> data;

  PackedPanels panels() const { return {data.get(), k, n, k * kPanel}; }
  PanelLayout layout() const { return {kPanel, kPanel, k * kPanel}; }

  // Sets row i to the n `values`.
  void set_row(int64_t i, const float* values);
};
// Writes w[k x n] (row-major, rows `ldw` apart), column j multiplied by column_scale[j] when
// that is given, into `out` laid out as `layout` says; its padding is left as it is.
void pack_panels(const float* w, int64_t ldw, int64_t k, int64_t n, const float* column_scale,
                 float* out, const PanelLayout& layout);
// A k x n matrix of zeros, packed (in `arena` when there is one).
PackedMatrix packed_zeros(int64_t k, int64_t n, WeightArena* arena);
// Packs w[k x n] (row-major, rows `ldw` apart).
PackedMatrix pack_matrix(const float* w, int64_t k, int64_t n, int64_t ldw);
// C[m x n] += A[m x k] . B (rows of A `lda` apart, of C `ldc` apart). Each C element adds its k
// products in order, one fused multiply-add at a time, to its initial value: the result depends
// on nothing but the values (not on m, the row's position, alignment or threads).
void packed_matmul_accumulate(const float* a, int64_t m, int64_t lda, const PackedPanels& b,
                              float* c, int64_t ldc);
inline void packed_matmul_accumulate(const float* a, int64_t m, int64_t lda, const PackedMatrix& b,
                                     float* c, int64_t ldc) {
  packed_matmul_accumulate(a, m, lda, b.panels(), c, ldc);
}
// C[m x n] = A[m x k] . B: the same sums started from zero, C's values before unread.
// `streamed`: B is read once per call from beyond the L2 cache (a batch-1 Dense layer's
// weights), so a product of one or two rows prefetches it ahead (on the AVX-512 path, the one
// measured).
void packed_matmul(const float* a, int64_t m, int64_t lda, const PackedPanels& b, float* c,
                   int64_t ldc, bool streamed = false);

}  // namespace kerasrt

// Two-operand einsum `x,w->y` between a data tensor x and a constant tensor w, every letter
// appearing at most once per operand, lowered to one GEMM: x's letters shared with y (rows)
// and with w (the contraction), w's letters shared with y (columns). x and the product are
// transposed around the GEMM only when their letters are not already in that order; w is
// rearranged once, at construction, and packed for the matrix product primitive
// (kernels/onednn.h) that runs the GEMM. This is the form Keras's EinsumDense takes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/shape.h"
#include "kernels/onednn.h"

namespace kerasrt {

class EinsumGemm {
 public:
  // `x`, `w`, `y`: one letter per axis (any characters, ellipses already expanded); `w_shape`
  // and `w_values` the constant operand. The first letter of x must be the first of y and
  // appear nowhere in w (the batch axis, so that samples stay independent). Throws Error with
  // the reason when the equation has another form (a letter summed over, shared by all three
  // operands, repeated, or unknown).
  EinsumGemm(const std::string& x, const std::string& w, const std::string& y,
             std::span<const int64_t> w_shape, std::span<const float> w_values);

  // The shape of y for an x of shape `x_shape` (dims may be kAnyDim). Throws Error on a rank or
  // contracted-dimension mismatch.
  Dims output_shape(std::span<const int64_t> x_shape) const;
  // Its element count, for a concrete x shape: what a call needs, without building the shape.
  int64_t output_elements(std::span<const int64_t> x_shape) const {
    return rows(x_shape) * col_elements_;
  }
  // Scratch floats run() needs for concrete x shape `x_shape` (for the transposes).
  size_t scratch_floats(std::span<const int64_t> x_shape) const;
  // The GEMM's primitive for concrete x shape `x_shape`; its scratch_floats is what run()'s
  // `product_scratch` needs.
  std::shared_ptr<const Prepared> prepare(std::span<const int64_t> x_shape) const;
  // y = einsum(x, w); `scratch` has scratch_floats() floats.
  void run(const Prepared& prepared, const float* x, std::span<const int64_t> x_shape, float* y,
           float* scratch, float* product_scratch) const;

 private:
  size_t x_rank_ = 0;
  std::vector<int> x_to_rows_;  // permutation of x: row axes (x order), then contracted axes
  bool x_in_order_ = true;
  std::vector<size_t> row_axes_;   // axes of x that index rows, in x order
  std::vector<int64_t> col_dims_;  // dims of w's column letters, in y order
  int64_t col_elements_ = 1;       // their product
  std::vector<int> product_to_y_;  // permutation of the GEMM result [rows..., cols...] to y
  bool y_in_order_ = true;
  std::vector<size_t> contracted_axes_;  // axes of x contracted, in x order
  Dims contracted_dims_;
  int64_t rows(std::span<const int64_t> x_shape) const;
  // The GEMM result's shape [rows..., cols...] for x shape `x_shape`.
  Dims product_shape(std::span<const int64_t> x_shape) const;

  // w as a k x n matrix (contracted letters in x order, columns).
  MatmulKernel product_;
};

}  // namespace kerasrt

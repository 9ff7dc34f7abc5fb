// Single-precision matrix multiply on oneDNN (JIT, CPU features chosen at run time).
#pragma once

#include <cstdint>

namespace kerasrt {

// C[m x n] = alpha * op(A) * op(B) + beta * C, all row-major; op(X) = X or X^T.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc);

// out[rows x n] = in[rows x k] * weights[k x n] (+ bias[n] on every row, when not null).
void matmul_bias(const float* in, int64_t rows, int64_t k, const float* weights, int64_t n,
                 const float* bias, float* out);

}  // namespace kerasrt

#include "kernels/gemm.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <string>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // oneDNN rejects k == 0; the product is empty, so C = beta * C.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha,
                                          a, lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success)
    throw Error("oneDNN sgemm failed (status " + std::to_string(static_cast<int>(status)) + ")");
}

void matmul_bias(const float* in, int64_t rows, int64_t k, const float* weights, int64_t n,
                 const float* bias, float* out) {
  float beta = 0.0f;
  if (bias) {
    for (int64_t r = 0; r < rows; ++r) std::copy(bias, bias + n, out + r * n);
    beta = 1.0f;
  }
  sgemm(false, false, rows, n, k, 1.0f, in, k, weights, n, beta, out, n);
}

}  // namespace kerasrt

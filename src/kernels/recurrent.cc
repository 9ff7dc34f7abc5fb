#include "kernels/recurrent.h"

#include <algorithm>

#include "kernels/gemm.h"

namespace kerasrt {
namespace {

// x[rows] += state[batch, k] . weights[k, n] (weights rows `ldw` apart), x rows strided.
void add_projection(const float* state, int64_t batch, int64_t k, const float* weights, int64_t ldw,
                    int64_t n, float* x, int64_t x_stride) {
  sgemm(false, false, batch, n, k, 1.0f, state, k, weights, ldw, 1.0f, x, x_stride);
}

}  // namespace

void simple_rnn_step(const CellParams& cell, int64_t batch, StepInputs x, float* h) {
  const int64_t u = cell.units;
  add_projection(h, batch, u, cell.recurrent_kernel, u, u, x.data, x.stride);
  for (int64_t b = 0; b < batch; ++b) {
    float* z = x.data + b * x.stride;
    apply_pointwise(cell.activation, z, u);
    std::copy(z, z + u, h + b * u);
  }
}

void lstm_step(const CellParams& cell, int64_t batch, StepInputs x, float* h, float* c) {
  const int64_t u = cell.units;
  add_projection(h, batch, u, cell.recurrent_kernel, 4 * u, 4 * u, x.data, x.stride);
  for (int64_t b = 0; b < batch; ++b) {
    float* i_gate = x.data + b * x.stride;
    float* f_gate = i_gate + u;
    float* candidate = i_gate + 2 * u;
    float* o_gate = i_gate + 3 * u;
    apply_pointwise(cell.recurrent_activation, i_gate, 2 * u);  // i and f are adjacent
    apply_pointwise(cell.activation, candidate, u);
    apply_pointwise(cell.recurrent_activation, o_gate, u);
    float* c_row = c + b * u;
    float* h_row = h + b * u;
    for (int64_t j = 0; j < u; ++j) {
      c_row[j] = f_gate[j] * c_row[j] + i_gate[j] * candidate[j];
      h_row[j] = c_row[j];
    }
    apply_pointwise(cell.activation, h_row, u);
    for (int64_t j = 0; j < u; ++j) h_row[j] *= o_gate[j];
  }
}

int64_t gru_step_scratch_floats(int64_t units, bool reset_after, int64_t batch) {
  // reset_after: the recurrent projection of all three gates; otherwise r * h.
  return batch * units * (reset_after ? 3 : 1);
}

void gru_step(const CellParams& cell, bool reset_after, int64_t batch, StepInputs x, float* h,
              float* scratch) {
  const int64_t u = cell.units;
  const float* kernel = cell.recurrent_kernel;
  if (reset_after) {
    // recurrent[b] = h[b] . U + recurrent_bias, kept apart: r scales its h block only.
    float* recurrent = scratch;
    float beta = 0.0f;
    if (cell.recurrent_bias) {
      for (int64_t b = 0; b < batch; ++b)
        std::copy(cell.recurrent_bias, cell.recurrent_bias + 3 * u, recurrent + b * 3 * u);
      beta = 1.0f;
    }
    sgemm(false, false, batch, 3 * u, u, 1.0f, h, u, kernel, 3 * u, beta, recurrent, 3 * u);
    for (int64_t b = 0; b < batch; ++b) {
      float* z_gate = x.data + b * x.stride;  // then r, then the candidate
      float* candidate = z_gate + 2 * u;
      const float* rec = recurrent + b * 3 * u;
      for (int64_t j = 0; j < 2 * u; ++j) z_gate[j] += rec[j];
      apply_pointwise(cell.recurrent_activation, z_gate, 2 * u);
      const float* r_gate = z_gate + u;
      for (int64_t j = 0; j < u; ++j) candidate[j] += r_gate[j] * rec[2 * u + j];
    }
  } else {
    // z and r from the whole state; the candidate from the state scaled by r.
    add_projection(h, batch, u, kernel, 3 * u, 2 * u, x.data, x.stride);
    float* reset_state = scratch;
    for (int64_t b = 0; b < batch; ++b) {
      float* z_gate = x.data + b * x.stride;
      apply_pointwise(cell.recurrent_activation, z_gate, 2 * u);
      const float* r_gate = z_gate + u;
      for (int64_t j = 0; j < u; ++j) reset_state[b * u + j] = r_gate[j] * h[b * u + j];
    }
    add_projection(reset_state, batch, u, kernel + 2 * u, 3 * u, u, x.data + 2 * u, x.stride);
  }
  for (int64_t b = 0; b < batch; ++b) {
    const float* z_gate = x.data + b * x.stride;
    float* candidate = x.data + b * x.stride + 2 * u;
    apply_pointwise(cell.activation, candidate, u);
    float* h_row = h + b * u;
    for (int64_t j = 0; j < u; ++j)
      h_row[j] = z_gate[j] * h_row[j] + (1.0f - z_gate[j]) * candidate[j];
  }
}

}  // namespace kerasrt

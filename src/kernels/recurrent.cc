#include "kernels/recurrent.h"

#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/vecmath.h"

namespace kerasrt {
void simple_rnn_step(const CellParams& cell, int64_t batch, StepInputs x, float* h) {
  const int64_t u = cell.units;
  packed_matmul_accumulate(h, batch, u, *cell.recurrent_kernel, x.data, x.stride);
  for (int64_t b = 0; b < batch; ++b) {
    float* z = x.data + b * x.stride;
    apply_pointwise(cell.activation, z, u);
    std::copy(z, z + u, h + b * u);
  }
}

void lstm_step(const CellParams& cell, int64_t batch, StepInputs x, float* h, float* c) {
  packed_matmul_accumulate(h, batch, cell.units, *cell.recurrent_kernel, x.data, x.stride);
  lstm_gates(cell, batch, x, h, c);
}

void lstm_gates(const CellParams& cell, int64_t rows, StepInputs z, float* h, float* c) {
  const int64_t u = cell.units;
  if (cell.activation.kind == ActKind::kTanh &&
      cell.recurrent_activation.kind == ActKind::kSigmoid) {
    for (int64_t b = 0; b < rows; ++b)
      vec::lstm_cell_sigmoid_tanh(z.data + b * z.stride, c + b * u, h + b * u, u);
    return;
  }
  for (int64_t b = 0; b < rows; ++b) {
    float* i_gate = z.data + b * z.stride;
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
  if (reset_after) {
    // recurrent[b] = h[b] . U + recurrent_bias, kept apart: r scales its h block only.
    float* recurrent = scratch;
    for (int64_t b = 0; b < batch; ++b) {
      float* row = recurrent + b * 3 * u;
      if (cell.recurrent_bias)
        std::copy(cell.recurrent_bias, cell.recurrent_bias + 3 * u, row);
      else
        std::fill(row, row + 3 * u, 0.0f);
    }
    packed_matmul_accumulate(h, batch, u, *cell.recurrent_kernel, recurrent, 3 * u);
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
    packed_matmul_accumulate(h, batch, u, *cell.recurrent_kernel, x.data, x.stride);
    float* reset_state = scratch;
    for (int64_t b = 0; b < batch; ++b) {
      float* z_gate = x.data + b * x.stride;
      apply_pointwise(cell.recurrent_activation, z_gate, 2 * u);
      const float* r_gate = z_gate + u;
      for (int64_t j = 0; j < u; ++j) reset_state[b * u + j] = r_gate[j] * h[b * u + j];
    }
    packed_matmul_accumulate(reset_state, batch, u, *cell.recurrent_candidate, x.data + 2 * u,
                             x.stride);
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

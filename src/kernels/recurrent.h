// One timestep of the classic recurrent cells (simple RNN, LSTM, GRU) over a batch.
//
// A sequence driver projects the inputs of every timestep through the input kernel first, with
// one GEMM for all timesteps and all gates (plus the input bias). A step then adds the
// projection of the previous state through the recurrent kernel, with one GEMM (two for a GRU
// that resets before the matmul), and applies the gate math, updating the state in place.
// Everything is row-major; the gate blocks of a row follow each other in the order named below.
#pragma once

#include <cstdint>

#include "kernels/activation.h"
#include "kernels/gemm.h"

namespace kerasrt {

// The projected inputs of one timestep: `batch` rows of gates * units floats, row b starting
// at data + b * stride (the rows of one timestep are strided inside a [batch, time, gates]
// buffer). Steps overwrite them.
struct StepInputs {
  float* data;
  int64_t stride;
};

// What a step needs besides its inputs.
struct CellParams {
  int64_t units = 0;
  // [units, gates * units], packed; for a GRU that resets before the matmul, [units, 2 * units]
  // (z and r) with the candidate's [units, units] in `recurrent_candidate`.
  const PackedMatrix* recurrent_kernel = nullptr;
  const PackedMatrix* recurrent_candidate = nullptr;
  // GRU with the reset gate after the matmul has a separate recurrent bias [3 * units];
  // nullptr otherwise.
  const float* recurrent_bias = nullptr;
  Activation activation;            // candidate / output activation
  Activation recurrent_activation;  // gate activation
};

// Simple RNN: h = activation(x + h . U).
void simple_rnn_step(const CellParams& cell, int64_t batch, StepInputs x, float* h);

// LSTM, gates [i, f, c, o]: z = x + h . U; i, f, o = recurrent_activation(z_i, z_f, z_o);
// c = f * c + i * activation(z_c); h = o * activation(c).
void lstm_step(const CellParams& cell, int64_t batch, StepInputs x, float* h, float* c);
// The gate math of lstm_step on `rows` rows whose recurrent part is already added to `z`
// (recurrent_kernel unused): a convolutional LSTM has one row per sample and position.
void lstm_gates(const CellParams& cell, int64_t rows, StepInputs z, float* h, float* c);

// GRU, gates [z, r, h], h = z * h + (1 - z) * activation(x_h + recurrent part), where the reset
// gate r scales either the recurrent projection (reset_after: r * (h . U_h + b_h)) or the state
// before it ((r * h) . U_h).
void gru_step(const CellParams& cell, bool reset_after, int64_t batch, StepInputs x, float* h,
              float* scratch);
// Floats of scratch gru_step needs.
int64_t gru_step_scratch_floats(int64_t units, bool reset_after, int64_t batch);

}  // namespace kerasrt

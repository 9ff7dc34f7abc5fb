// Vectorised float32 math with the instruction set chosen at run time (AVX-512, AVX2+FMA, or
// portable scalar code): the transcendental functions behind activations and recurrent gates,
// and a few fused loops. The default build has no -march: each vector body is compiled for its
// instruction set with a target attribute and selected by core/cpu_isa.h.
//
// Accuracy: exp within 2 ulp (Cephes polynomial, exact 2^n scaling down to subnormals),
// sigmoid and tanh within a few ulp; NaN in gives NaN out, +-inf give the limits. Results of
// the vector paths differ from libm in the last bits; they are the same on every call on a
// given machine (no dependence on threads, alignment or the position of a value in the array).
#pragma once

#include <cstdint>

#include "core/cpu_isa.h"

namespace kerasrt::vec {

// out[i] = f(in[i]) for n values; out may equal in.
void exp(const float* in, float* out, int64_t n);
void sigmoid(const float* in, float* out, int64_t n);
void tanh(const float* in, float* out, int64_t n);
void silu(const float* in, float* out, int64_t n);  // x * sigmoid(x)
void gelu_tanh(const float* in, float* out,
               int64_t n);  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// max(x, 0) * (x > 0) + slope * x * (x <= 0), then clipped to [lo, hi] (hi may be +inf):
// ReLU, leaky ReLU, ReLU6 in one loop.
void relu_clip(const float* in, float* out, int64_t n, float slope, float lo, float hi);
// out = clamp(a * x + b, 0, 1) (hard sigmoid, both Keras versions: Keras 3's relu6(x + 3) / 6
// computed as clamp(x + 3, 0, 6) / 6 to round as Keras does).
void hard_sigmoid2(const float* in, float* out, int64_t n);
void hard_sigmoid3(const float* in, float* out, int64_t n);

// Softmax of n values in place: exp(x - max) / sum (all NaN when one is NaN or +inf, or when
// all are -inf).
void softmax(float* x, int64_t n);

// rows x cols row-major data += bias[cols] on every row.
void add_bias_rows(float* data, int64_t rows, int64_t cols, const float* bias);

// One LSTM cell update for one sample, with the standard activations (sigmoid gates, tanh):
// z holds the pre-activations [i, f, g, o] (units each) and is overwritten;
// c = f * c + i * tanh(g), h = o * tanh(c).
void lstm_cell_sigmoid_tanh(float* z, float* c, float* h, int64_t units);

}  // namespace kerasrt::vec

// Convolutions over channels_last volumes (see conv_geometry.h). Kernels are in Keras's layout:
// [kernel depth, height, width, in_channels / groups, filters] for a convolution and
// [kernel depth, height, width, channels, multiplier] for a depthwise convolution.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/conv_geometry.h"

namespace kerasrt {

// Scratch floats conv_forward needs (0 for pointwise windows, which need no im2col).
size_t conv_scratch_floats(const Window& window, int64_t groups);

// out[batch, out..., filters] = sum over the window and the group's input channels of
// in * kernel (+ bias[filters] when not null): im2col in bounded chunks of output positions
// followed by one sgemm per chunk and group; pointwise windows multiply the input directly.
void conv_forward(const Window& window, int64_t groups, int64_t filters, const float* in,
                  const float* kernel, const float* bias, float* out, float* scratch);

// out[batch, out..., channels * multiplier] where output channel c * multiplier + m convolves
// input channel c with kernel[..., c, m] (+ bias when not null).
void depthwise_conv_forward(const Window& window, int64_t multiplier, const float* in,
                            const float* kernel, const float* bias, float* out);

// Layout changes between [batch, channels, positions] and [batch, positions, channels].
void channels_first_to_last(const float* in, int64_t batch, int64_t channels, int64_t positions,
                            float* out);
void channels_last_to_first(const float* in, int64_t batch, int64_t channels, int64_t positions,
                            float* out);

}  // namespace kerasrt

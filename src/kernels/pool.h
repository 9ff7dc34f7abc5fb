// Pooling over channels_last volumes (see conv_geometry.h). channels_first data is pooled as a
// volume of batch * channels samples with one channel.
#pragma once

#include "kernels/conv_geometry.h"

namespace kerasrt {

enum class PoolOp { kMax, kAverage };

// out[batch, out..., channels]: the max or the mean of each window's taps inside the input.
// Taps in padding are ignored, so a "same" average divides by the number of real elements.
void pool_forward(PoolOp op, const Window& window, const float* in, float* out);

// out[batch, channels]: the max or the mean of in[batch, positions, channels] over positions.
void global_pool_forward(PoolOp op, const float* in, int64_t batch, int64_t positions,
                         int64_t channels, float* out);

}  // namespace kerasrt

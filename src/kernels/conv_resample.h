// Zero padding, cropping and upsampling of channels_last volumes (see conv_geometry.h).
// channels_first data goes through as a volume of batch * channels samples with one channel.
#pragma once

#include "kernels/conv_geometry.h"

namespace kerasrt {

// out[n, o, c] = in[n, o + offset, c] where o + offset lies inside the input, else 0, for an
// output of spatial size `out_size`. Zero padding uses offset = -pad_before, cropping
// offset = crop_before.
void shifted_copy(const Volume& in, const Spatial& out_size, const Spatial& offset,
                  const float* in_data, float* out);

// Nearest-neighbour upsampling by integer factors: out[n, o, c] = in[n, o / factor, c].
void upsample_nearest(const Volume& in, const Spatial& factor, const float* in_data, float* out);

// Bilinear resize of the height and width axes (each depth slice on its own) to `factor` times
// their size, as TensorFlow's ResizeBilinear: source coordinate (o + 0.5) / factor - 0.5 with
// `half_pixel_centers` (tf.image.resize), o / factor without (tf.compat.v1 resize_bilinear),
// clamped to the edges.
void upsample_bilinear(const Volume& in, int64_t factor_h, int64_t factor_w,
                       bool half_pixel_centers, const float* in_data, float* out);

}  // namespace kerasrt

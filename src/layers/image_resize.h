// The image resizer behind Resizing, CenterCrop and RandomCrop, also used by UpSampling2D for
// the interpolations that tf.image.resize computes (bicubic, area, lanczos, gaussian, ...).
#pragma once

#include <cstdint>
#include <memory>

#include "kernels/resize.h"
#include "layers/layer.h"

namespace kerasrt {

// Resizes (batch, height, width, channels) images, or channels_first ones, to (height *
// height_factor, width * width_factor) with `method`, as tf.image.resize does without
// antialiasing.
std::unique_ptr<Layer> make_scaled_image_resize(bool channels_first, int64_t height_factor,
                                                int64_t width_factor, ResizeMethod method);

}  // namespace kerasrt

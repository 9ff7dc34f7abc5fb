// A layer that applies one activation function (pointwise, or softmax along an axis).
#pragma once

#include "kernels/activation.h"
#include "layers/layer.h"

namespace kerasrt {

std::unique_ptr<Layer> make_pointwise_layer(const Activation& act);

}  // namespace kerasrt

// Numeric arrays given in a layer's config (Rescaling scale/offset, Normalization mean/variance,
// Discretization bin_boundaries): a number, a (nested) list of numbers, or a NumPy array as Keras
// 3 serialises it ({"class_name": "__numpy__", "config": {"value": ..., "dtype": ...}}).
#pragma once

#include "core/tensor.h"
#include "layers/config.h"

namespace kerasrt {

// The array at `key` (shape () for a number); throws naming the key when it is not one.
Array config_array(const LayerConfig& config, const char* key);

// `array` broadcast (NumPy rules, aligned at the right) to exactly `shape`; throws naming
// `what` when it does not broadcast to it.
std::vector<float> broadcast_to(const Array& array, const Dims& shape, const std::string& what);

}  // namespace kerasrt

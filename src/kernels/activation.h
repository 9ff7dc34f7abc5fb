// Keras activation functions, applied in place.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

namespace kerasrt {

enum class ActKind {
  kLinear,
  kRelu,  // general: max_value, negative_slope, threshold (Keras ReLU layer)
  kElu,   // alpha
  kSelu,
  kSigmoid,
  kHardSigmoid2,  // Keras 2: clip(0.2 x + 0.5, 0, 1)
  kHardSigmoid3,  // Keras 3: relu6(x + 3) / 6
  kHardSilu,      // x * hard_sigmoid3(x)
  kTanh,
  kSoftplus,
  kSoftsign,
  kExponential,
  kGelu,      // exact (erf)
  kGeluTanh,  // approximate=True
  kSilu,      // swish
  kMish,
  kLogSigmoid,
  kHardTanh,
  kTanhShrink,
  kSoftmax,     // over `axis`
  kLogSoftmax,  // over `axis`
};

struct Activation {
  ActKind kind = ActKind::kLinear;
  float alpha = 0.0f;  // relu negative_slope, elu alpha
  float max_value = std::numeric_limits<float>::infinity();
  float threshold = 0.0f;
  int axis = -1;  // softmax / log_softmax

  bool is_linear() const { return kind == ActKind::kLinear; }
  bool is_pointwise() const { return kind != ActKind::kSoftmax && kind != ActKind::kLogSoftmax; }
};

// Parses a Keras activation: a name ("relu"), or a serialized function/object
// ({"class_name": "function", "config": "relu"}, Keras 3 {"module": ..., "config": "relu"}).
// `keras_major` picks the version-specific meaning (hard_sigmoid). Throws Error for unknown
// or custom activations.
Activation parse_activation(const nlohmann::json& value, int keras_major);
Activation activation_by_name(const std::string& name, int keras_major);

// Applies in place to a tensor of shape `shape` (softmax along act.axis).
void apply_activation(const Activation& act, float* data, std::span<const int64_t> shape);
// Applies a pointwise activation to `count` values.
void apply_pointwise(const Activation& act, float* data, int64_t count);
// Softmax / log-softmax along the middle axis of a [outer, axis, inner] view.
void apply_softmax(bool log, float* data, int64_t outer, int64_t axis_len, int64_t inner);

}  // namespace kerasrt

#include "kernels/activation.h"

#include <algorithm>
#include <cmath>

#include "core/shape.h"
#include "kernels/vecmath.h"

namespace kerasrt {
namespace {

constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;

// log(1 + exp(x)) without overflow.
inline float softplus(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

template <typename F>
void map(float* data, int64_t count, F f) {
  for (int64_t i = 0; i < count; ++i) data[i] = f(data[i]);
}

}  // namespace

Activation activation_by_name(const std::string& name, int keras_major) {
  Activation act;
  if (name == "linear" || name.empty())
    act.kind = ActKind::kLinear;
  else if (name == "relu")
    act.kind = ActKind::kRelu;
  else if (name == "relu6") {
    act.kind = ActKind::kRelu;
    act.max_value = 6.0f;
  } else if (name == "leaky_relu") {
    act.kind = ActKind::kRelu;
    act.alpha = 0.2f;
  } else if (name == "elu") {
    act.kind = ActKind::kElu;
    act.alpha = 1.0f;
  } else if (name == "selu")
    act.kind = ActKind::kSelu;
  else if (name == "sigmoid")
    act.kind = ActKind::kSigmoid;
  else if (name == "hard_sigmoid")
    act.kind = keras_major >= 3 ? ActKind::kHardSigmoid3 : ActKind::kHardSigmoid2;
  else if (name == "hard_silu" || name == "hard_swish")
    act.kind = ActKind::kHardSilu;
  else if (name == "tanh")
    act.kind = ActKind::kTanh;
  else if (name == "softplus")
    act.kind = ActKind::kSoftplus;
  else if (name == "softsign")
    act.kind = ActKind::kSoftsign;
  else if (name == "exponential")
    act.kind = ActKind::kExponential;
  else if (name == "gelu")
    act.kind = ActKind::kGelu;
  else if (name == "silu" || name == "swish")
    act.kind = ActKind::kSilu;
  else if (name == "mish")
    act.kind = ActKind::kMish;
  else if (name == "log_sigmoid")
    act.kind = ActKind::kLogSigmoid;
  else if (name == "hard_tanh")
    act.kind = ActKind::kHardTanh;
  else if (name == "tanh_shrink")
    act.kind = ActKind::kTanhShrink;
  else if (name == "softmax")
    act.kind = ActKind::kSoftmax;
  else if (name == "log_softmax")
    act.kind = ActKind::kLogSoftmax;
  else
    throw Error("activation '" + name + "' is not supported");
  return act;
}

Activation parse_activation(const nlohmann::json& value, int keras_major) {
  if (value.is_null()) return {};
  if (value.is_string()) return activation_by_name(value.get<std::string>(), keras_major);
  if (value.is_object()) {
    // Serialized built-in function: {"class_name": "function", "config": "relu", ...}.
    auto config = value.find("config");
    auto module = value.find("module");
    const bool builtin_module =
        module == value.end() ||
        (module->is_string() && module->get<std::string>().rfind("keras", 0) == 0);
    if (config != value.end() && config->is_string() && builtin_module)
      return activation_by_name(config->get<std::string>(), keras_major);
  }
  throw Error("activation " + value.dump() + " is not a built-in Keras activation");
}

void apply_pointwise(const Activation& act, float* x, int64_t n) {
  switch (act.kind) {
    case ActKind::kLinear:
      return;
    case ActKind::kRelu: {
      // Keras's relu(x, negative_slope, max_value, threshold), term by term.
      const float slope = act.alpha, max_value = act.max_value, threshold = act.threshold;
      if (threshold == 0.0f)  // relu, leaky relu, relu6: max(x, 0) clipped, plus slope * min(x, 0)
        return vec::relu_clip(x, x, n, slope,
                              slope == 0.0f ? 0.0f : -std::numeric_limits<float>::infinity(),
                              max_value);
      const bool clip = !std::isinf(max_value);
      return map(x, n, [=](float v) {
        float out = v > threshold ? v : 0.0f;
        if (clip) out = std::clamp(out, 0.0f, max_value);
        if (slope != 0.0f) out -= slope * std::max(threshold - v, 0.0f);
        return out;
      });
    }
    case ActKind::kElu: {
      const float alpha = act.alpha;
      return map(x, n, [=](float v) { return v > 0.0f ? v : alpha * std::expm1(v); });
    }
    case ActKind::kSelu:
      return map(x, n, [](float v) {
        return v > 0.0f ? kSeluScale * v : kSeluScale * kSeluAlpha * std::expm1(v);
      });
    case ActKind::kSigmoid:
      return vec::sigmoid(x, x, n);
    case ActKind::kHardSigmoid2:
      return vec::hard_sigmoid2(x, x, n);
    case ActKind::kHardSigmoid3:
      return vec::hard_sigmoid3(x, x, n);
    case ActKind::kHardSilu:
      return map(x, n, [](float v) { return v * (std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f); });
    case ActKind::kTanh:
      return vec::tanh(x, x, n);
    case ActKind::kSoftplus:
      return map(x, n, softplus);
    case ActKind::kSoftsign:
      return map(x, n, [](float v) { return v / (1.0f + std::fabs(v)); });
    case ActKind::kExponential:
      return vec::exp(x, x, n);
    case ActKind::kGelu:
      return map(x, n,
                 [](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); });
    case ActKind::kGeluTanh:
      return vec::gelu_tanh(x, x, n);
    case ActKind::kSilu:
      return vec::silu(x, x, n);
    case ActKind::kMish:
      return map(x, n, [](float v) { return v * std::tanh(softplus(v)); });
    case ActKind::kLogSigmoid:
      return map(x, n, [](float v) { return -softplus(-v); });
    case ActKind::kHardTanh:
      return map(x, n, [](float v) { return std::clamp(v, -1.0f, 1.0f); });
    case ActKind::kTanhShrink:
      return map(x, n, [](float v) { return v - std::tanh(v); });
    case ActKind::kSoftmax:
    case ActKind::kLogSoftmax:
      apply_softmax(act.kind == ActKind::kLogSoftmax, x, 1, n, 1);
      return;
  }
}

void apply_softmax(bool log, float* data, int64_t outer, int64_t axis_len, int64_t inner) {
  if (inner == 1 && !log) {  // the usual last-axis softmax: vectorised, row by row
    for (int64_t o = 0; o < outer; ++o) vec::softmax(data + o * axis_len, axis_len);
    return;
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      float* base = data + o * axis_len * inner + i;
      float max_value = -std::numeric_limits<float>::infinity();
      for (int64_t a = 0; a < axis_len; ++a) max_value = std::max(max_value, base[a * inner]);
      float sum = 0.0f;
      for (int64_t a = 0; a < axis_len; ++a) sum += std::exp(base[a * inner] - max_value);
      if (log) {
        const float log_sum = std::log(sum);
        for (int64_t a = 0; a < axis_len; ++a)
          base[a * inner] = base[a * inner] - max_value - log_sum;
      } else {
        const float scale = 1.0f / sum;
        for (int64_t a = 0; a < axis_len; ++a)
          base[a * inner] = std::exp(base[a * inner] - max_value) * scale;
      }
    }
  }
}

void apply_activation(const Activation& act, float* data, std::span<const int64_t> shape) {
  if (act.is_pointwise()) return apply_pointwise(act, data, num_elements(shape));
  const int axis = normalize_axis(act.axis, shape.size());
  apply_softmax(act.kind == ActKind::kLogSoftmax, data, product(shape, 0, axis), shape[axis],
                product(shape, axis + 1, shape.size()));
}

}  // namespace kerasrt

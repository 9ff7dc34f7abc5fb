// TFOpLambda and SlicingOpLambda factories, the argument reader, and the elementwise,
// reduction and normalisation functions. Structural functions live in tf_op_structure.cc,
// `x[...]` in tf_op_slicing.cc.
#include "layers/tf_op_lambda.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "kernels/index_walk.h"

namespace kerasrt {

// ------------------------------------------------------------------ arguments

TfOpArgs::TfOpArgs(const std::string& function, const Json& call, std::vector<std::string> params)
    : function_(function), call_(call), params_(std::move(params)) {
  const Json& kwargs = call_.at("kwargs");
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "name") continue;  // the op's name scope
    if (key == params_[0] || std::find(params_.begin(), params_.end(), key) == params_.end())
      throw Error("TensorFlow function '" + function_ + "' is called with argument '" + key +
                  "' (" + value.dump() + "), which kerasrt does not support");
  }
}

TfOpArg TfOpArgs::operator[](const std::string& param) const {
  TfOpArg arg;
  if (param == params_[0]) {
    arg.json = &call_.at("args");
  } else {
    const Json& kwargs = call_.at("kwargs");
    auto it = kwargs.find(param);
    if (it == kwargs.end()) return arg;
    arg.json = &*it;
  }
  if (arg.json->is_object() && arg.json->contains("kerasrt_input"))
    arg.input = arg.json->at("kerasrt_input").get<int>();
  else if (arg.json->is_object() && arg.json->contains("kerasrt_constant"))
    arg.json = &arg.json->at("kerasrt_constant");
  return arg;
}

void TfOpArgs::tensor_not_supported(const std::string& param) const {
  throw Error("TensorFlow function '" + function_ + "': argument '" + param +
              "' is computed from tensors, which kerasrt does not support (it must be a "
              "constant)");
}

bool TfOpArgs::get_bool(const std::string& param, bool fallback) const {
  const TfOpArg arg = (*this)[param];
  if (arg.is_tensor()) tensor_not_supported(param);
  if (!arg.given()) return fallback;
  if (!arg.json->is_boolean())
    throw Error("TensorFlow function '" + function_ + "': argument '" + param +
                "' must be true or false, got " + arg.json->dump());
  return arg.json->get<bool>();
}

double TfOpArgs::get_float(const std::string& param, double fallback) const {
  const TfOpArg arg = (*this)[param];
  if (arg.is_tensor()) tensor_not_supported(param);
  if (!arg.given()) return fallback;
  if (!arg.json->is_number())
    throw Error("TensorFlow function '" + function_ + "': argument '" + param +
                "' must be a number, got " + arg.json->dump());
  return arg.json->get<double>();
}

std::optional<int64_t> TfOpArgs::get_int(const std::string& param) const {
  const TfOpArg arg = (*this)[param];
  if (arg.is_tensor()) tensor_not_supported(param);
  if (!arg.given()) return std::nullopt;
  if (!arg.json->is_number_integer())
    throw Error("TensorFlow function '" + function_ + "': argument '" + param +
                "' must be an integer, got " + arg.json->dump());
  return arg.json->get<int64_t>();
}

std::optional<std::vector<int64_t>> TfOpArgs::get_ints(const std::string& param) const {
  const TfOpArg arg = (*this)[param];
  if (arg.is_tensor()) tensor_not_supported(param);
  if (!arg.given()) return std::nullopt;
  std::vector<int64_t> out;
  if (arg.json->is_number_integer()) return std::vector<int64_t>{arg.json->get<int64_t>()};
  if (arg.json->is_array()) {
    for (const Json& item : *arg.json) {
      if (item.is_object() && item.contains("kerasrt_input")) tensor_not_supported(param);
      if (!item.is_number_integer()) break;
      out.push_back(item.get<int64_t>());
    }
    if (out.size() == arg.json->size()) return out;
  }
  throw Error("TensorFlow function '" + function_ + "': argument '" + param +
              "' must be an integer or a list of integers, got " + arg.json->dump());
}

namespace {

void flatten_constant(const Json& value, size_t depth, Array& out, const std::string& what) {
  if (value.is_number() || value.is_boolean()) {
    if (depth != out.shape.size()) throw Error(what + " is a ragged list");
    out.values.push_back(value.is_boolean() ? (value.get<bool>() ? 1.f : 0.f)
                                            : static_cast<float>(value.get<double>()));
    return;
  }
  if (!value.is_array()) throw Error(what + " must be a number or a list of numbers");
  if (depth == out.shape.size()) {
    if (!out.values.empty()) throw Error(what + " is a ragged list");
    out.shape.push_back(static_cast<int64_t>(value.size()));
  } else if (depth > out.shape.size() || out.shape[depth] != static_cast<int64_t>(value.size())) {
    throw Error(what + " is a ragged list");
  }
  for (const Json& item : value) flatten_constant(item, depth + 1, out, what);
}

}  // namespace

Array tf_op_constant(const Json& value, const std::string& what) {
  if (value.is_object() && value.contains("kerasrt_input"))
    throw Error(what + " mixes tensors into a constant, which kerasrt does not support");
  Array out;
  out.name = what;
  flatten_constant(value, 0, out, what);
  if (static_cast<int64_t>(out.values.size()) != num_elements(out.shape))
    throw Error(what + " is a ragged list");
  return out;
}

int tf_op_axis(int64_t axis, size_t rank, const std::string& what) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    throw Error(what + " " + std::to_string(axis) + " is out of range for a tensor of rank " +
                std::to_string(rank));
  const int64_t a = axis < 0 ? axis + r : axis;
  if (a == 0)
    throw Error(what + " " + std::to_string(axis) +
                " is the batch axis; kerasrt does not support functions across the batch");
  return static_cast<int>(a);
}

namespace {

// ------------------------------------------------------------------ elementwise

enum class Fn {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMax,
  kMin,
  kPow,
  kSquaredDiff,
  kFloorDiv,
  kFloorMod,
  kClip,   // 3 operands: t, min, max
  kWhere,  // 3 operands: condition, x, y
  // Comparisons and logic give booleans, carried as 0 and 1 (a nonzero float is true).
  kEqual,
  kNotEqual,
  kGreater,
  kGreaterEqual,
  kLess,
  kLessEqual,
  kLogicalAnd,
  kLogicalOr,
  kLogicalNot,
  kTruncate,  // cast to an integer type
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kSquare,
  kAbs,
  kNeg,
  kTanh,
  kSigmoid,
  kSin,
  kCos,
  kErf,
  kReciprocal,
  kSign,
  kFloor,
  kCeil,
  kRound,
  kLog1p,
  kExpm1,
  kSoftplus,
  kSoftsign,
  kRelu,
  kRelu6,
  kElu,
  kSelu,
  kSilu,
  kHardSigmoid,
  kHardSilu,
  kGelu,
  kGeluTanh,
  kLeakyRelu
};

double apply(Fn fn, const double* v, double param) {
  const double x = v[0];
  switch (fn) {
    case Fn::kAdd:
      return x + v[1];
    case Fn::kSub:
      return x - v[1];
    case Fn::kMul:
      return x * v[1];
    case Fn::kDiv:
      return x / v[1];
    case Fn::kMax:
      return std::isnan(x) || std::isnan(v[1]) ? NAN : std::max(x, v[1]);
    case Fn::kMin:
      return std::isnan(x) || std::isnan(v[1]) ? NAN : std::min(x, v[1]);
    case Fn::kPow:
      return std::pow(x, v[1]);
    case Fn::kSquaredDiff:
      return (x - v[1]) * (x - v[1]);
    case Fn::kFloorDiv:
      return std::floor(x / v[1]);
    case Fn::kFloorMod: {
      const double r = std::fmod(x, v[1]);
      return r != 0 && ((r < 0) != (v[1] < 0)) ? r + v[1] : r;
    }
    case Fn::kClip:
      return std::max(std::min(x, v[2]), v[1]);
    case Fn::kWhere:
      return x != 0 ? v[1] : v[2];
    case Fn::kEqual:
      return x == v[1];
    case Fn::kNotEqual:
      return x != v[1];
    case Fn::kGreater:
      return x > v[1];
    case Fn::kGreaterEqual:
      return x >= v[1];
    case Fn::kLess:
      return x < v[1];
    case Fn::kLessEqual:
      return x <= v[1];
    case Fn::kLogicalAnd:
      return x != 0 && v[1] != 0;
    case Fn::kLogicalOr:
      return x != 0 || v[1] != 0;
    case Fn::kLogicalNot:
      return x == 0;
    case Fn::kTruncate:
      return std::trunc(x);
    case Fn::kExp:
      return std::exp(x);
    case Fn::kLog:
      return std::log(x);
    case Fn::kSqrt:
      return std::sqrt(x);
    case Fn::kRsqrt:
      return 1 / std::sqrt(x);
    case Fn::kSquare:
      return x * x;
    case Fn::kAbs:
      return std::fabs(x);
    case Fn::kNeg:
      return -x;
    case Fn::kTanh:
      return std::tanh(x);
    case Fn::kSigmoid:
      return 1 / (1 + std::exp(-x));
    case Fn::kSin:
      return std::sin(x);
    case Fn::kCos:
      return std::cos(x);
    case Fn::kErf:
      return std::erf(x);
    case Fn::kReciprocal:
      return 1 / x;
    case Fn::kSign:
      return x > 0 ? 1 : x < 0 ? -1 : 0;
    case Fn::kFloor:
      return std::floor(x);
    case Fn::kCeil:
      return std::ceil(x);
    case Fn::kRound:
      return std::nearbyint(x);  // half to even, as tf.math.round
    case Fn::kLog1p:
      return std::log1p(x);
    case Fn::kExpm1:
      return std::expm1(x);
    case Fn::kSoftplus:
      return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    case Fn::kSoftsign:
      return x / (1 + std::fabs(x));
    case Fn::kRelu:
      return x > 0 ? x : 0;
    case Fn::kRelu6:
      return std::min(std::max(x, 0.0), 6.0);
    case Fn::kElu:
      return x > 0 ? x : std::expm1(x);
    case Fn::kSelu: {
      const double alpha = 1.6732632423543772848170429916717;
      const double scale = 1.0507009873554804934193349852946;
      return scale * (x > 0 ? x : alpha * std::expm1(x));
    }
    case Fn::kHardSigmoid:
      return std::clamp(x / 6 + 0.5, 0.0, 1.0);
    case Fn::kHardSilu:
      return x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
    case Fn::kSilu:
      return x / (1 + std::exp(-param * x));
    case Fn::kGelu:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case Fn::kGeluTanh: {
      const double c = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1 + std::tanh(c * (x + 0.044715 * x * x * x)));
    }
    case Fn::kLeakyRelu:
      return x > 0 ? x : param * x;
  }
  return 0;
}

struct Operand {
  int input = -1;  // tensor input, or -1 for the constant
  Array constant;
};

// numpy broadcasting of two shapes (right-aligned); kAnyDim broadcasts like an unknown.
Dims broadcast(const Dims& a, const Dims& b, const std::string& function) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t y = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (x == 1)
      out[i] = y;
    else if (y == 1 || x == y)
      out[i] = x;
    else if (x == kAnyDim || y == kAnyDim)
      out[i] = x == kAnyDim ? y : x;
    else
      throw Error("TensorFlow function '" + function + "': shapes " + to_string(a) + " and " +
                  to_string(b) + " do not broadcast");
  }
  return out;
}

// The most operands a function takes (clip, where).
constexpr size_t kMaxOperands = 3;

// For one set of input shapes: each operand's element stride along each output axis (0 where
// it is broadcast, and for operands the function does not take).
struct OperandStrides final : Prepared {
  size_t rank = 0;
  std::vector<int64_t> strides;  // kMaxOperands x rank

  std::array<std::span<const int64_t>, kMaxOperands> of_each() const {
    std::array<std::span<const int64_t>, kMaxOperands> out;
    for (size_t k = 0; k < kMaxOperands; ++k) out[k] = {strides.data() + k * rank, rank};
    return out;
  }
};

class Elementwise final : public Layer {
 public:
  Elementwise(std::string function, Fn fn, std::vector<Operand> operands, double param)
      : function_(std::move(function)), fn_(fn), operands_(std::move(operands)), param_(param) {
    if (operands_.empty() || operands_.size() > kMaxOperands)
      throw Error("internal: TensorFlow function '" + function_ + "' with " +
                  std::to_string(operands_.size()) + " operands");
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    Dims out;
    for (const Operand& op : operands_)
      out =
          broadcast(out, op.input >= 0 ? inputs[static_cast<size_t>(op.input)] : op.constant.shape,
                    function_);
    return {out};
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Dims out = output_shapes(inputs)[0];
    auto state = std::make_shared<OperandStrides>();
    state->rank = out.size();
    state->strides.assign(kMaxOperands * out.size(), 0);
    for (size_t k = 0; k < operands_.size(); ++k) {
      const Operand& op = operands_[k];
      const Dims& shape = op.input >= 0 ? inputs[static_cast<size_t>(op.input)] : op.constant.shape;
      int64_t stride = 1;
      for (size_t i = shape.size(); i-- > 0;) {
        if (shape[i] != 1) state->strides[k * out.size() + i + out.size() - shape.size()] = stride;
        stride *= shape[i];
      }
    }
    return state;
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    if (out.size() == 0) return;
    with_prepared(*this, ctx, [&](const Prepared& prepared, float*) {
      std::array<const float*, kMaxOperands> data{};
      for (size_t k = 0; k < operands_.size(); ++k) {
        const Operand& op = operands_[k];
        data[k] = op.input >= 0 ? ctx.inputs[static_cast<size_t>(op.input)].data
                                : op.constant.values.data();
      }
      float* next = out.data;
      const auto& strides = static_cast<const OperandStrides&>(prepared);
      walk_indices<kMaxOperands>(out.shape, strides.of_each(), out.shape.size(),
                                 [&](std::array<int64_t, kMaxOperands> at) {
                                   std::array<double, kMaxOperands> values{};
                                   for (size_t k = 0; k < operands_.size(); ++k)
                                     values[k] = data[k][at[k]];
                                   *next++ = static_cast<float>(apply(fn_, values.data(), param_));
                                 });
    });
  }

 private:
  std::string function_;
  Fn fn_;
  std::vector<Operand> operands_;
  double param_;
};

// ------------------------------------------------------------------ reductions

enum class Reduce { kSum, kMean, kMax, kMin, kProd };

class Reduction final : public Layer {
 public:
  Reduction(Reduce kind, std::vector<bool> reduced, bool keepdims)
      : kind_(kind), reduced_(std::move(reduced)), keepdims_(keepdims) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() != reduced_.size()) throw Error("the input rank changed");
    Dims out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (!reduced_[i])
        out.push_back(in[i]);
      else if (keepdims_)
        out.push_back(1);
    }
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = in.shape.size();
    // Output strides in input axis order (0 for reduced axes).
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1, count = 1;
    for (size_t i = rank; i-- > 0;) {
      if (reduced_[i]) {
        count *= in.shape[i];
        continue;
      }
      strides[i] = stride;
      stride *= in.shape[i];
    }
    const double init = kind_ == Reduce::kMax    ? -std::numeric_limits<double>::infinity()
                        : kind_ == Reduce::kMin  ? std::numeric_limits<double>::infinity()
                        : kind_ == Reduce::kProd ? 1.0
                                                 : 0.0;
    std::vector<double> acc(static_cast<size_t>(out.size()), init);
    std::vector<int64_t> index(rank, 0);
    int64_t o = 0;
    const int64_t total = in.size();
    for (int64_t e = 0; e < total; ++e) {
      double& a = acc[static_cast<size_t>(o)];
      const double x = in.data[e];
      switch (kind_) {
        case Reduce::kSum:
        case Reduce::kMean:
          a += x;
          break;
        case Reduce::kMax:
          a = std::isnan(x) ? x : std::max(a, x);
          break;
        case Reduce::kMin:
          a = std::isnan(x) ? x : std::min(a, x);
          break;
        case Reduce::kProd:
          a *= x;
          break;
      }
      for (size_t i = rank; i-- > 0;) {
        o += strides[i];
        if (++index[i] < in.shape[i]) break;
        o -= strides[i] * index[i];
        index[i] = 0;
      }
    }
    for (size_t i = 0; i < acc.size(); ++i)
      out.data[i] =
          static_cast<float>(kind_ == Reduce::kMean ? acc[i] / static_cast<double>(count) : acc[i]);
  }

 private:
  Reduce kind_;
  std::vector<bool> reduced_;
  bool keepdims_;
};

// Softmax / log-softmax along one axis, and l2_normalize over a set of axes.
class AxisNormalize final : public Layer {
 public:
  enum class Kind { kSoftmax, kLogSoftmax, kL2 };
  AxisNormalize(Kind kind, std::vector<bool> axes, double epsilon)
      : kind_(kind), axes_(std::move(axes)), epsilon_(epsilon) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs[0].size() != axes_.size()) throw Error("the input rank changed");
    return {inputs[0]};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = in.shape.size();
    // Group the elements by their index over the kept axes.
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      if (axes_[i]) continue;
      strides[i] = stride;
      stride *= in.shape[i];
    }
    std::vector<int64_t> group(static_cast<size_t>(in.size()));
    std::vector<int64_t> index(rank, 0);
    int64_t g = 0;
    for (int64_t e = 0; e < in.size(); ++e) {
      group[static_cast<size_t>(e)] = g;
      for (size_t i = rank; i-- > 0;) {
        g += strides[i];
        if (++index[i] < in.shape[i]) break;
        g -= strides[i] * index[i];
        index[i] = 0;
      }
    }
    const size_t groups = static_cast<size_t>(stride);
    std::vector<double> a(groups, kind_ == Kind::kL2 ? 0.0 : -INFINITY), b(groups, 0.0);
    for (int64_t e = 0; e < in.size(); ++e) {
      const double x = in.data[e];
      double& m = a[static_cast<size_t>(group[static_cast<size_t>(e)])];
      m = kind_ == Kind::kL2 ? m + x * x : std::max(m, x);
    }
    if (kind_ == Kind::kL2) {
      for (int64_t e = 0; e < in.size(); ++e) {
        const double s = a[static_cast<size_t>(group[static_cast<size_t>(e)])];
        out.data[e] = static_cast<float>(in.data[e] / std::sqrt(std::max(s, epsilon_)));
      }
      return;
    }
    for (int64_t e = 0; e < in.size(); ++e) {
      const size_t k = static_cast<size_t>(group[static_cast<size_t>(e)]);
      b[k] += std::exp(in.data[e] - a[k]);
    }
    for (int64_t e = 0; e < in.size(); ++e) {
      const size_t k = static_cast<size_t>(group[static_cast<size_t>(e)]);
      const double shifted = in.data[e] - a[k];
      out.data[e] = static_cast<float>(kind_ == Kind::kSoftmax ? std::exp(shifted) / b[k]
                                                               : shifted - std::log(b[k]));
    }
  }

 private:
  Kind kind_;
  std::vector<bool> axes_;
  double epsilon_;
};

class Passthrough final : public Layer {
 public:
  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {inputs[0]};
  }
  bool aliases_input() const override { return true; }
  void run(const RunContext&) const override {}
};

// ------------------------------------------------------------------ the function table

const std::map<std::string, Fn>& binary_functions() {
  static const std::map<std::string, Fn> table = {
      {"math.add", Fn::kAdd},
      {"__operators__.add", Fn::kAdd},
      {"math.subtract", Fn::kSub},
      {"math.multiply", Fn::kMul},
      {"math.divide", Fn::kDiv},
      {"math.truediv", Fn::kDiv},
      {"math.maximum", Fn::kMax},
      {"math.minimum", Fn::kMin},
      {"math.pow", Fn::kPow},
      {"math.squared_difference", Fn::kSquaredDiff},
      {"math.floordiv", Fn::kFloorDiv},
      {"math.floormod", Fn::kFloorMod},
      {"math.equal", Fn::kEqual},
      {"math.not_equal", Fn::kNotEqual},
      {"math.greater", Fn::kGreater},
      {"math.greater_equal", Fn::kGreaterEqual},
      {"math.less", Fn::kLess},
      {"math.less_equal", Fn::kLessEqual},
      {"math.logical_and", Fn::kLogicalAnd},
      {"math.logical_or", Fn::kLogicalOr},
  };
  return table;
}

// Unary functions and the name of their first parameter.
const std::map<std::string, std::pair<Fn, const char*>>& unary_functions() {
  static const std::map<std::string, std::pair<Fn, const char*>> table = {
      {"math.exp", {Fn::kExp, "x"}},
      {"math.log", {Fn::kLog, "x"}},
      {"math.sqrt", {Fn::kSqrt, "x"}},
      {"math.rsqrt", {Fn::kRsqrt, "x"}},
      {"math.square", {Fn::kSquare, "x"}},
      {"math.abs", {Fn::kAbs, "x"}},
      {"math.negative", {Fn::kNeg, "x"}},
      {"math.tanh", {Fn::kTanh, "x"}},
      {"math.sigmoid", {Fn::kSigmoid, "x"}},
      {"math.sin", {Fn::kSin, "x"}},
      {"math.cos", {Fn::kCos, "x"}},
      {"math.erf", {Fn::kErf, "x"}},
      {"math.reciprocal", {Fn::kReciprocal, "x"}},
      {"math.sign", {Fn::kSign, "x"}},
      {"math.floor", {Fn::kFloor, "x"}},
      {"math.ceil", {Fn::kCeil, "x"}},
      {"math.round", {Fn::kRound, "x"}},
      {"math.log1p", {Fn::kLog1p, "x"}},
      {"math.expm1", {Fn::kExpm1, "x"}},
      {"math.logical_not", {Fn::kLogicalNot, "x"}},
      {"math.softplus", {Fn::kSoftplus, "features"}},
      {"nn.softplus", {Fn::kSoftplus, "features"}},
      {"nn.softsign", {Fn::kSoftsign, "features"}},
      {"math.softsign", {Fn::kSoftsign, "features"}},
      {"nn.relu", {Fn::kRelu, "features"}},
      {"nn.relu6", {Fn::kRelu6, "features"}},
      {"nn.elu", {Fn::kElu, "features"}},
      {"nn.selu", {Fn::kSelu, "features"}},
      {"nn.silu", {Fn::kSilu, "features"}},
      // Keras 3 operations with no TensorFlow function of their own (keras_operations.cc); the
      // ':' keeps these names apart from every TensorFlow function name.
      {"keras:hard_sigmoid", {Fn::kHardSigmoid, "x"}},
      {"keras:hard_silu", {Fn::kHardSilu, "x"}},
      {"nn.gelu", {Fn::kGelu, "features"}},
      {"nn.leaky_relu", {Fn::kLeakyRelu, "features"}},
  };
  return table;
}

const std::map<std::string, Reduce>& reductions() {
  static const std::map<std::string, Reduce> table = {
      {"math.reduce_sum", Reduce::kSum},   {"math.reduce_mean", Reduce::kMean},
      {"math.reduce_max", Reduce::kMax},   {"math.reduce_min", Reduce::kMin},
      {"math.reduce_prod", Reduce::kProd},
  };
  return table;
}

Operand operand(const TfOpArgs& args, const std::string& param, std::span<const Dims> inputs,
                size_t rank) {
  const TfOpArg arg = args[param];
  Operand op;
  if (arg.is_tensor()) {
    op.input = arg.input;
    if (inputs[static_cast<size_t>(arg.input)].size() != rank)
      throw Error("TensorFlow function '" + args.function() + "': tensors of ranks " +
                  std::to_string(rank) + " and " +
                  std::to_string(inputs[static_cast<size_t>(arg.input)].size()) +
                  " would broadcast the batch axis against another axis, which kerasrt does "
                  "not support");
    return op;
  }
  if (!arg.given())
    throw Error("TensorFlow function '" + args.function() + "' is called without '" + param + "'");
  op.constant = tf_op_constant(*arg.json, "argument '" + param + "' of '" + args.function() + "'");
  const Dims& shape = op.constant.shape;
  if (shape.size() > rank || (shape.size() == rank && shape[0] != 1))
    throw Error("TensorFlow function '" + args.function() + "': the constant '" + param +
                "' of shape " + to_string(shape) +
                " would broadcast against the batch axis, which kerasrt does not support");
  return op;
}

// The rank of the call's tensors (all tensors of an elementwise call must share it).
size_t tensor_rank(std::span<const Dims> inputs) {
  if (inputs.empty()) throw Error("has no tensor input");
  return inputs[0].size();
}

std::vector<bool> axis_set(const std::optional<std::vector<int64_t>>& axes, size_t rank,
                           const std::string& function, bool none_means_all) {
  std::vector<bool> set(rank, false);
  if (!axes) {
    if (none_means_all)
      throw Error("TensorFlow function '" + function +
                  "' without 'axis' works across the batch axis, which kerasrt does not support");
    set[rank - 1] = true;
    return set;
  }
  for (int64_t a : *axes)
    set[static_cast<size_t>(tf_op_axis(a, rank, "TensorFlow function '" + function + "': axis"))] =
        true;
  return set;
}

std::string unsupported_function(const std::string& function) {
  return "TensorFlow function '" + function +
         "' is not supported (kerasrt supports elementwise math, comparisons, logic, where, "
         "reductions, softmax, l2_normalize, reshape, transpose, concat, stack, expand_dims, "
         "squeeze, matmul, cast, clip_by_value and slicing)";
}

std::unique_ptr<Layer> build_tf_op(const std::string& function, const Json& call,
                                   std::span<const Dims> inputs) {
  if (auto it = binary_functions().find(function); it != binary_functions().end()) {
    const TfOpArgs args(function, call, {"x", "y"});
    const size_t rank = tensor_rank(inputs);
    std::vector<Operand> ops{operand(args, "x", inputs, rank), operand(args, "y", inputs, rank)};
    return std::make_unique<Elementwise>(function, it->second, std::move(ops), 0.0);
  }
  if (auto it = unary_functions().find(function); it != unary_functions().end()) {
    Fn fn = it->second.first;
    std::vector<std::string> params{it->second.second};
    if (fn == Fn::kSilu) params.push_back("beta");
    if (fn == Fn::kGelu) params.push_back("approximate");
    if (fn == Fn::kLeakyRelu) params.push_back("alpha");
    const TfOpArgs args(function, call, params);
    const size_t rank = tensor_rank(inputs);
    double param = 0;
    if (fn == Fn::kSilu) param = args.get_float("beta", 1.0);
    if (fn == Fn::kLeakyRelu) param = args.get_float("alpha", 0.2);
    if (fn == Fn::kGelu && args.get_bool("approximate", false)) fn = Fn::kGeluTanh;
    Operand op = operand(args, params[0], inputs, rank);
    if (op.input < 0) throw Error("TensorFlow function '" + function + "' has no tensor input");
    std::vector<Operand> ops;
    ops.push_back(std::move(op));
    return std::make_unique<Elementwise>(function, fn, std::move(ops), param);
  }
  if (function == "clip_by_value") {
    const TfOpArgs args(function, call, {"t", "clip_value_min", "clip_value_max"});
    const size_t rank = tensor_rank(inputs);
    std::vector<Operand> ops{operand(args, "t", inputs, rank),
                             operand(args, "clip_value_min", inputs, rank),
                             operand(args, "clip_value_max", inputs, rank)};
    return std::make_unique<Elementwise>(function, Fn::kClip, std::move(ops), 0.0);
  }
  if (function == "where") {
    const TfOpArgs args(function, call, {"condition", "x", "y"});
    if (!args["x"].given() || !args["y"].given())
      throw Error(
          "TensorFlow function 'where' with a condition only gives the indices of its "
          "true elements (a shape that depends on the data), which kerasrt does not "
          "support");
    const size_t rank = tensor_rank(inputs);
    std::vector<Operand> ops{operand(args, "condition", inputs, rank),
                             operand(args, "x", inputs, rank), operand(args, "y", inputs, rank)};
    return std::make_unique<Elementwise>(function, Fn::kWhere, std::move(ops), 0.0);
  }
  if (auto it = reductions().find(function); it != reductions().end()) {
    const TfOpArgs args(function, call, {"input_tensor", "axis", "keepdims"});
    if (!args["input_tensor"].is_tensor())
      throw Error("TensorFlow function '" + function + "' has no tensor input");
    const size_t rank = inputs[0].size();
    return std::make_unique<Reduction>(it->second,
                                       axis_set(args.get_ints("axis"), rank, function, true),
                                       args.get_bool("keepdims", false));
  }
  if (function == "nn.softmax" || function == "math.softmax" || function == "nn.log_softmax" ||
      function == "math.log_softmax") {
    const TfOpArgs args(function, call, {"logits", "axis"});
    if (!args["logits"].is_tensor())
      throw Error("TensorFlow function '" + function + "' has no tensor input");
    const auto axis = args.get_int("axis");
    std::optional<std::vector<int64_t>> axes;
    if (axis) axes = std::vector<int64_t>{*axis};
    const bool log = function.find("log_softmax") != std::string::npos;
    return std::make_unique<AxisNormalize>(
        log ? AxisNormalize::Kind::kLogSoftmax : AxisNormalize::Kind::kSoftmax,
        axis_set(axes, inputs[0].size(), function, false), 0.0);
  }
  if (function == "math.l2_normalize" || function == "linalg.l2_normalize" ||
      function == "nn.l2_normalize") {
    const TfOpArgs args(function, call, {"x", "axis", "epsilon", "dim"});
    if (!args["x"].is_tensor())
      throw Error("TensorFlow function '" + function + "' has no tensor input");
    auto axes = args.get_ints("axis");
    if (!axes) axes = args.get_ints("dim");
    return std::make_unique<AxisNormalize>(AxisNormalize::Kind::kL2,
                                           axis_set(axes, inputs[0].size(), function, true),
                                           args.get_float("epsilon", 1e-12));
  }
  if (function == "cast" || function == "identity" || function == "convert_to_tensor") {
    const char* first = function == "cast" ? "x" : function == "identity" ? "input" : "value";
    std::vector<std::string> params{first};
    if (function != "identity") params.push_back("dtype");
    if (function == "convert_to_tensor") params.push_back("dtype_hint");
    const TfOpArgs args(function, call, params);
    if (!args[first].is_tensor())
      throw Error("TensorFlow function '" + function + "' has no tensor input");
    std::optional<Fn> conversion;  // none: the values stay as they are
    for (const char* key : {"dtype", "dtype_hint"}) {
      const TfOpArg dtype = args[key];
      if (!dtype.given()) continue;
      const std::string name = dtype.json->is_string() ? dtype.json->get<std::string>() : "";
      if (name == "bool")
        conversion = Fn::kNotEqual;  // x != 0
      else if (name == "int32" || name == "int64")
        conversion = Fn::kTruncate;  // as tf.cast of a float: toward zero
      else if (name != "float32" && name != "float" && name != "float64" && name != "double")
        throw Error("TensorFlow function '" + function + "' to dtype " + dtype.json->dump() +
                    " is not supported (kerasrt computes in float32; it casts to float32, "
                    "float64, int32, int64 and bool)");
    }
    if (!conversion) return std::make_unique<Passthrough>();
    const size_t rank = tensor_rank(inputs);
    std::vector<Operand> ops{operand(args, first, inputs, rank)};
    if (*conversion == Fn::kNotEqual) ops.push_back(Operand{-1, tf_op_constant(Json(0.0), "0")});
    return std::make_unique<Elementwise>(function, *conversion, std::move(ops), 0.0);
  }
  std::vector<std::string> params;
  if (tf_op_structure_params(function, params))
    return make_tf_op_structure(TfOpArgs(function, call, params), inputs);
  if (function == "__operators__.getitem")
    return make_tf_op_getitem(TfOpArgs(function, call, {"tensor", "slice_spec", "var"}), inputs);
  throw Error(unsupported_function(function));
}

const std::set<std::string>& other_functions() {
  static const std::set<std::string> names = {"clip_by_value",
                                              "nn.softmax",
                                              "math.softmax",
                                              "nn.log_softmax",
                                              "math.log_softmax",
                                              "math.l2_normalize",
                                              "linalg.l2_normalize",
                                              "nn.l2_normalize",
                                              "cast",
                                              "identity",
                                              "convert_to_tensor",
                                              "__operators__.getitem",
                                              "where"};
  return names;
}

bool known_function(const std::string& function) {
  std::vector<std::string> params;
  return binary_functions().count(function) || unary_functions().count(function) ||
         reductions().count(function) || other_functions().count(function) ||
         tf_op_structure_params(function, params);
}

// Every input marker must name one of the call's inputs.
void check_markers(const Json& value, size_t inputs) {
  if (value.is_object() && value.contains("kerasrt_input")) {
    const Json& index = value["kerasrt_input"];
    if (!index.is_number_unsigned() || index.get<uint64_t>() >= inputs)
      throw Error("malformed call arguments");
    return;
  }
  if (value.is_array() || value.is_object())
    for (const Json& item : value) check_markers(item, inputs);
}

std::unique_ptr<Layer> make_op(const BuildContext& ctx, bool slicing) {
  const std::string function = ctx.config.get_string("function", "");
  if (function.empty()) throw Error("config 'function' is missing");
  if (slicing && function != "__operators__.getitem")
    throw Error("TensorFlow function '" + function +
                "' is not supported (kerasrt supports only __operators__.getitem slicing)");
  const Json& config = ctx.config.json();
  if (!config.contains("kerasrt_call"))
    throw Error("is not called in a functional model (TensorFlow function '" + function + "')");
  const Json& call = config["kerasrt_call"];
  if (!call.is_object() || !call.contains("args") || !call.contains("kwargs") ||
      !call["kwargs"].is_object())
    throw Error("malformed call arguments");
  check_markers(call, ctx.input_shapes.size());
  for (const Dims& shape : ctx.input_shapes)
    if (shape.empty()) throw Error("an input has no batch axis");
  return build_tf_op(function, call, ctx.input_shapes);
}

}  // namespace

std::string tf_op_unsupported_reason(const std::string& class_name, const Json& config) {
  if (class_name == "TensorFlowOpLayer") {
    std::string op = "?";
    if (config.contains("node_def") && config["node_def"].is_object() &&
        config["node_def"].contains("op") && config["node_def"]["op"].is_string())
      op = config["node_def"]["op"].get<std::string>();
    return "a TensorFlowOpLayer (tf.keras 2.2/2.3) holds a raw TensorFlow graph node (op '" + op +
           "'), which kerasrt does not run; TensorFlow >= 2.4 saves such operations as "
           "TFOpLambda layers, which load";
  }
  if (class_name != "TFOpLambda" && class_name != "SlicingOpLambda") return "";
  const auto it = config.find("function");
  if (it == config.end() || !it->is_string()) return "config 'function' is missing";
  const std::string function = it->get<std::string>();
  if (class_name == "SlicingOpLambda" && function != "__operators__.getitem")
    return "TensorFlow function '" + function +
           "' is not supported (kerasrt supports only __operators__.getitem slicing)";
  return known_function(function) ? "" : unsupported_function(function);
}

std::unique_ptr<Layer> make_tf_op_lambda(const BuildContext& ctx) { return make_op(ctx, false); }
std::unique_ptr<Layer> make_slicing_op_lambda(const BuildContext& ctx) {
  return make_op(ctx, true);
}

}  // namespace kerasrt

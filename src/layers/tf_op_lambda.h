// TFOpLambda / SlicingOpLambda: TensorFlow functions that tf.keras 2 recorded as layers (see
// spec/tf_op_calls.h for how a call's arguments reach the config as "kerasrt_call"). Each
// supported function is a small layer built from the call's arguments; anything else is
// refused at load naming the function. The batch axis (0) is never touched: a function that
// would reduce, move, index or resize it is refused.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace kerasrt {

// One argument of a call: an input tensor, a constant, or absent.
struct TfOpArg {
  const Json* json = nullptr;  // null: not given
  int input = -1;              // >= 0: the call's input tensor of that index

  bool given() const { return json != nullptr && !json->is_null(); }
  bool is_tensor() const { return input >= 0; }
};

// The arguments of one call by parameter name, checked against the function's parameters.
class TfOpArgs {
 public:
  // `params`: the function's parameter names in order (the first is the first argument).
  TfOpArgs(const std::string& function, const Json& call, std::vector<std::string> params);

  TfOpArg operator[](const std::string& param) const;
  // Typed access; `what` defaults to the parameter name in messages.
  bool get_bool(const std::string& param, bool fallback) const;
  double get_float(const std::string& param, double fallback) const;
  // An int, or null -> nullopt. Throws on a tensor.
  std::optional<int64_t> get_int(const std::string& param) const;
  // An int or a list of ints; null -> empty optional.
  std::optional<std::vector<int64_t>> get_ints(const std::string& param) const;
  const std::string& function() const { return function_; }
  // Error for an argument computed from tensors (the layer cannot know it at load time).
  [[noreturn]] void tensor_not_supported(const std::string& param) const;

 private:
  std::string function_;
  const Json& call_;
  std::vector<std::string> params_;
};

// A constant argument as a float array (scalars have shape {}); throws on other JSON.
Array tf_op_constant(const Json& value, const std::string& what);

// Axis `axis` of a rank-`rank` tensor, negative counted from the end; throws when out of
// range or when it is the batch axis.
int tf_op_axis(int64_t axis, size_t rank, const std::string& what);

// Why a TFOpLambda / SlicingOpLambda / TensorFlowOpLayer layer cannot load, judged from its
// config alone (the function name), or "" (then the factory checks the arguments).
std::string tf_op_unsupported_reason(const std::string& class_name, const Json& config);

// Factories of the structural functions (tf_op_structure.cc, tf_op_slicing.cc).
std::unique_ptr<Layer> make_tf_op_structure(const TfOpArgs& args, std::span<const Dims> inputs);
std::unique_ptr<Layer> make_tf_op_getitem(const TfOpArgs& args, std::span<const Dims> inputs);
// True when `function` is one make_tf_op_structure builds; fills its parameter names.
bool tf_op_structure_params(const std::string& function, std::vector<std::string>& params);

}  // namespace kerasrt

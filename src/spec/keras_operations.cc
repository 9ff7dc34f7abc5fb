#include "spec/keras_operations.h"

#include <map>

namespace kerasrt {
namespace {

// A parameter of the Keras operation and the TensorFlow parameter that receives it.
struct Param {
  const char* keras;
  const char* tf;
  // Keras's default where the TensorFlow function's differs (a config may omit it).
  Json keras_default = nullptr;
};

struct OperationSpec {
  const char* function;  // the TensorFlow function with the same math
  // call() parameters in order; the first becomes the function's first argument.
  std::vector<Param> call;
  // Constructor arguments (the config) passed on to the function.
  std::vector<Param> options;
  // Constructor arguments kerasrt honours only at one value (the function has no such
  // parameter); any other value is refused by name.
  std::vector<std::pair<const char*, Json>> fixed = {};
};

const std::vector<Param> kBinary = {{"x1", "x"}, {"x2", "y"}};
const std::vector<Param> kUnary = {{"x", "x"}};
const std::vector<Param> kFeatures = {{"x", "features"}};
const std::vector<Param> kReduce = {{"x", "input_tensor"}};
const std::vector<Param> kReduceOptions = {{"axis", "axis"}, {"keepdims", "keepdims"}};

// keras/src/ops/{numpy,nn,math,core}.py: the Operation classes Keras 3 records, with their
// call() and constructor parameters. Configs may omit arguments left at their defaults (Keras
// before 3.4 recorded only the arguments passed); the functions share those defaults.
const std::map<std::string, OperationSpec>& operations() {
  static const std::map<std::string, OperationSpec> table = {
      {"Add", {"math.add", kBinary, {}}},
      {"Subtract", {"math.subtract", kBinary, {}}},
      {"Multiply", {"math.multiply", kBinary, {}}},
      {"Divide", {"math.truediv", kBinary, {}}},
      {"TrueDivide", {"math.truediv", kBinary, {}}},
      {"FloorDivide", {"math.floordiv", kBinary, {}}},
      {"Mod", {"math.floormod", kBinary, {}}},
      {"Power", {"math.pow", kBinary, {}}},
      {"Maximum", {"math.maximum", kBinary, {}}},
      {"Minimum", {"math.minimum", kBinary, {}}},
      {"Matmul", {"linalg.matmul", {{"x1", "a"}, {"x2", "b"}}, {}}},
      {"Negative", {"math.negative", kUnary, {}}},
      {"Absolute", {"math.abs", kUnary, {}}},
      {"Abs", {"math.abs", kUnary, {}}},
      {"Exp", {"math.exp", kUnary, {}}},
      {"Expm1", {"math.expm1", kUnary, {}}},
      {"Log", {"math.log", kUnary, {}}},
      {"Log1p", {"math.log1p", kUnary, {}}},
      {"Sqrt", {"math.sqrt", kUnary, {}}},
      {"Rsqrt", {"math.rsqrt", kUnary, {}}},
      {"Square", {"math.square", kUnary, {}}},
      {"Reciprocal", {"math.reciprocal", kUnary, {}}},
      {"Sign", {"math.sign", kUnary, {}}},
      {"Floor", {"math.floor", kUnary, {}}},
      {"Ceil", {"math.ceil", kUnary, {}}},
      {"Round", {"math.round", kUnary, {}, {{"decimals", 0}}}},
      {"Tanh", {"math.tanh", kUnary, {}}},
      {"Sin", {"math.sin", kUnary, {}}},
      {"Cos", {"math.cos", kUnary, {}}},
      {"Erf", {"math.erf", kUnary, {}}},
      {"Sigmoid", {"math.sigmoid", kUnary, {}}},
      {"Relu", {"nn.relu", kFeatures, {}}},
      {"Relu6", {"nn.relu6", kFeatures, {}}},
      {"Selu", {"nn.selu", kFeatures, {}}},
      {"Silu", {"nn.silu", kFeatures, {}}},
      {"HardSigmoid", {"keras:hard_sigmoid", kUnary, {}}},  // relu6(x + 3) / 6
      {"HardSilu", {"keras:hard_silu", kUnary, {}}},        // x * hard_sigmoid(x)
      {"Softplus", {"math.softplus", kFeatures, {}}},
      {"Softsign", {"nn.softsign", kFeatures, {}}},
      {"Elu", {"nn.elu", kFeatures, {}, {{"alpha", 1.0}}}},
      {"Gelu", {"nn.gelu", kFeatures, {{"approximate", "approximate", true}}}},
      {"LeakyRelu", {"nn.leaky_relu", kFeatures, {{"negative_slope", "alpha"}}}},
      {"Softmax", {"nn.softmax", {{"x", "logits"}}, {{"axis", "axis"}}}},
      {"LogSoftmax", {"nn.log_softmax", {{"x", "logits"}}, {{"axis", "axis"}}}},
      {"Mean", {"math.reduce_mean", kReduce, kReduceOptions}},
      {"Sum", {"math.reduce_sum", kReduce, kReduceOptions}},
      {"Max", {"math.reduce_max", kReduce, kReduceOptions, {{"initial", nullptr}}}},
      {"Min", {"math.reduce_min", kReduce, kReduceOptions, {{"initial", nullptr}}}},
      {"Prod", {"math.reduce_prod", kReduce, kReduceOptions, {{"dtype", nullptr}}}},
      {"Clip",
       {"clip_by_value", {{"x", "t"}}, {{"x_min", "clip_value_min"}, {"x_max", "clip_value_max"}}}},
      {"Cast", {"cast", kUnary, {{"dtype", "dtype"}}}},
      {"Equal", {"math.equal", kBinary, {}}},
      {"NotEqual", {"math.not_equal", kBinary, {}}},
      {"Greater", {"math.greater", kBinary, {}}},
      {"GreaterEqual", {"math.greater_equal", kBinary, {}}},
      {"Less", {"math.less", kBinary, {}}},
      {"LessEqual", {"math.less_equal", kBinary, {}}},
      {"LogicalAnd", {"math.logical_and", kBinary, {}}},
      {"LogicalOr", {"math.logical_or", kBinary, {}}},
      {"LogicalNot", {"math.logical_not", kUnary, {}}},
      {"Where", {"where", {{"condition", "condition"}, {"x1", "x"}, {"x2", "y"}}, {}}},
      // "new_shape" before Keras 3.4
      {"Reshape", {"reshape", {{"x", "tensor"}}, {{"newshape", "shape"}, {"new_shape", "shape"}}}},
      {"Transpose", {"transpose", {{"x", "a"}}, {{"axes", "perm"}}}},
      {"ExpandDims", {"expand_dims", {{"x", "input"}}, {{"axis", "axis"}}}},
      {"Squeeze", {"squeeze", {{"x", "input"}}, {{"axis", "axis"}}}},
      {"Concatenate", {"concat", {{"xs", "values"}}, {{"axis", "axis", 0}}}},
      {"Stack", {"stack", {{"x", "values"}}, {{"axis", "axis"}}}},
      {"GetItem", {"__operators__.getitem", {{"x", "tensor"}, {"key", "slice_spec"}}, {}}},
  };
  return table;
}

std::string string_or(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json input_marker(const Json& tensor, std::vector<InboundRef>& inputs) {
  const Json& history = tensor.contains("config") && tensor["config"].is_object()
                            ? tensor["config"].value("keras_history", Json())
                            : Json();
  if (!history.is_array() || history.size() != 3 || !history[0].is_string() ||
      !history[1].is_number_integer() || !history[2].is_number_integer() ||
      history[1].get<int>() < 0 || history[2].get<int>() < 0)
    throw Error("malformed tensor reference " + tensor.dump().substr(0, 200));
  inputs.push_back({history[0].get<std::string>(), history[1].get<int>(), history[2].get<int>()});
  return Json{{"kerasrt_input", inputs.size() - 1}};
}

// A serialized call argument (keras/src/saving/serialization_lib.py serialize_keras_object) in
// the TFOpLambda form: tensors become input markers, slices and Ellipsis the forms tf.keras
// writes, NumPy arrays and constant tensors their values.
Json translate(const Json& value, std::vector<InboundRef>& inputs) {
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(translate(item, inputs));
    return out;
  }
  if (!value.is_object()) return value;
  const std::string kind = string_or(value, "class_name");
  const Json& config = value.contains("config") ? value["config"] : Json();
  if (kind == "__keras_tensor__") return input_marker(value, inputs);
  if (kind == "__ellipsis__") return Json{{"class_name", "__ellipsis__"}};
  if (kind == "__slice__" && config.is_object())
    return Json{{"start", translate(config.value("start", Json()), inputs)},
                {"stop", translate(config.value("stop", Json()), inputs)},
                {"step", translate(config.value("step", Json()), inputs)}};
  if ((kind == "__numpy__" || kind == "__tensor__") && config.is_object() &&
      config.contains("value"))
    return config["value"];
  throw Error("argument " + value.dump().substr(0, 200) + " is not supported");
}

bool has_input(const Json& value) {
  if (value.is_object()) return value.contains("kerasrt_input");
  if (value.is_array())
    for (const Json& item : value)
      if (has_input(item)) return true;
  return false;
}

// The function's first argument: a tensor, a list holding tensors (concat, stack), or a
// constant, which the TFOpLambda form marks as such.
Json first_argument(Json value) {
  if (has_input(value)) {
    if (value.is_array())
      for (Json& item : value) item = first_argument(std::move(item));
    return value;
  }
  return Json{{"kerasrt_constant", std::move(value)}};
}

const Param* find_param(const std::vector<Param>& params, const std::string& keras) {
  for (const Param& p : params)
    if (keras == p.keras) return &p;
  return nullptr;
}

// One call {"args": [...], "kwargs": {...}} as TFOpLambda's {"args": first, "kwargs": {...}}.
Json translate_call(const std::string& op, const OperationSpec& spec, const Json& node,
                    const Json& options, std::vector<InboundRef>& inputs) {
  if (!node.is_object() || !node.contains("args") || !node["args"].is_array())
    throw Error("malformed inbound node " + node.dump().substr(0, 200));
  const Json& args = node["args"];
  if (args.size() > spec.call.size())
    throw Error("operation " + op + " is called with " + std::to_string(args.size()) +
                " arguments; kerasrt knows " + std::to_string(spec.call.size()));
  std::map<std::string, Json> by_name;
  for (size_t i = 0; i < args.size(); ++i) by_name[spec.call[i].keras] = args[i];
  const Json kwargs = node.value("kwargs", Json::object());
  if (!kwargs.is_object()) throw Error("malformed inbound node " + node.dump().substr(0, 200));
  for (const auto& [key, value] : kwargs.items()) {
    if (!find_param(spec.call, key) || by_name.count(key))
      throw Error("operation " + op + " is called with argument '" + key +
                  "', which kerasrt does not support");
    by_name[key] = value;
  }
  Json call = {{"kwargs", options}};
  for (const Param& p : spec.call) {
    auto it = by_name.find(p.keras);
    if (it == by_name.end()) {
      if (&p == &spec.call.front())
        throw Error("operation " + op + " is called without '" + p.keras + "'");
      continue;
    }
    Json value = translate(it->second, inputs);
    if (&p == &spec.call.front())
      call["args"] = first_argument(std::move(value));
    else
      call["kwargs"][p.tf] = std::move(value);
  }
  return call;
}

// The constructor arguments as the function's keyword arguments.
Json translate_options(const std::string& op, const OperationSpec& spec, const Json& config) {
  Json out = Json::object();
  for (const Param& p : spec.options)
    if (!p.keras_default.is_null()) out[p.tf] = p.keras_default;
  for (const auto& [key, value] : config.items()) {
    if (key == "name") continue;
    if (const Param* p = find_param(spec.options, key)) {
      out[p->tf] = value;
      continue;
    }
    bool honoured = false;
    for (const auto& [fixed_key, fixed_value] : spec.fixed)
      honoured |= key == fixed_key && value == fixed_value;
    if (!honoured)
      throw Error("operation " + op + " with " + key + " = " + value.dump() + " is not supported");
  }
  return out;
}

}  // namespace

bool is_keras_operation(const Json& entry) {
  const std::string module = string_or(entry, "module");
  return module.rfind("keras.src.ops.", 0) == 0 || module.rfind("keras.ops.", 0) == 0;
}

void read_keras_operation(const Json& entry, LayerSpec& layer) {
  const std::string op = string_or(entry, "class_name");
  layer.class_name = kOperationPrefix + op;
  const auto it = operations().find(op);
  if (it == operations().end()) return;  // refused by keras_operation_unsupported_reason
  const OperationSpec& spec = it->second;
  const std::string where = layer.name + " (" + layer.class_name + ")";
  const Json& nodes = entry.value("inbound_nodes", Json::array());
  if (!nodes.is_array()) throw Error("'inbound_nodes' must be a list", where);
  Json config = {{"name", layer.name}, {"function", spec.function}};
  std::optional<Json> first_call;
  try {
    const Json options = translate_options(op, spec, layer.config);
    for (const Json& node : nodes) {
      LayerCall call;
      Json arguments = translate_call(op, spec, node, options, call.inputs);
      if (first_call && *first_call != arguments)
        throw Error("is called with different arguments in different calls (" + first_call->dump() +
                    " and " + arguments.dump() + "), which is not supported");
      first_call = std::move(arguments);
      layer.calls.push_back(std::move(call));
    }
  } catch (const Error& e) {
    throw e.in_layer(where);
  }
  if (first_call) config["kerasrt_call"] = *first_call;
  layer.config = std::move(config);
}

std::string keras_operation_unsupported_reason(const std::string& class_name) {
  const std::string prefix = kOperationPrefix;
  if (class_name.rfind(prefix, 0) != 0) return "";
  const std::string op = class_name.substr(prefix.size());
  if (operations().count(op)) return "";
  std::string known;
  for (const auto& [name, spec] : operations()) known += (known.empty() ? "" : ", ") + name;
  return "Keras operation '" + op + "' is not supported (kerasrt supports " + known + ")";
}

std::vector<std::string> supported_keras_operations() {
  std::vector<std::string> out;
  for (const auto& [name, spec] : operations()) out.push_back(name);
  return out;
}

}  // namespace kerasrt

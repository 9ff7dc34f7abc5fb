#include "spec/tf_op_calls.h"

#include <optional>

namespace kerasrt {
namespace {

constexpr const char* kConstant = "_CONSTANT_VALUE";

// tf_utils.convert_inner_node_data: a list of 3 or 4 items starting with a string is one
// serialized tensor (or constant); anything else is structure.
bool is_leaf(const Json& value) {
  return value.is_array() && (value.size() == 3 || value.size() == 4) && value[0].is_string();
}

InboundRef reference(const Json& leaf) {
  if (!leaf[1].is_number_integer() || !leaf[2].is_number_integer() || leaf[1].get<int>() < 0 ||
      leaf[2].get<int>() < 0)
    throw Error("malformed tensor reference " + leaf.dump());
  return InboundRef{leaf[0].get<std::string>(), leaf[1].get<int>(), leaf[2].get<int>()};
}

Json input_marker(std::vector<InboundRef>& inputs, const InboundRef& ref) {
  inputs.push_back(ref);
  return Json{{"kerasrt_input", inputs.size() - 1}};
}

// The first argument: leaves become input markers or constants; their kwargs (the same dict
// on every leaf) are returned through `kwargs`.
Json first_argument(const Json& node, std::vector<InboundRef>& inputs,
                    std::optional<Json>& kwargs) {
  if (is_leaf(node)) {
    if (node.size() == 4) {
      if (!node[3].is_object()) throw Error("malformed call arguments " + node[3].dump());
      kwargs = node[3];
    }
    if (node[0].get<std::string>() == kConstant) {
      if (node[2].is_object()) throw Error("malformed constant " + node.dump().substr(0, 200));
      return Json{{"kerasrt_constant", node[2]}};
    }
    return input_marker(inputs, reference(node));
  }
  if (node.is_array()) {
    Json out = Json::array();
    for (const Json& item : node) out.push_back(first_argument(item, inputs, kwargs));
    return out;
  }
  throw Error("malformed inbound node " + node.dump().substr(0, 200));
}

// Other arguments: tensors (references of 3 or 4 items) become input markers; dicts and lists
// are walked; everything else is kept.
Json other_argument(const Json& value, std::vector<InboundRef>& inputs) {
  if (is_leaf(value) && value[0].get<std::string>() != kConstant)
    return input_marker(inputs, reference(value));
  if (is_leaf(value)) return value[2];
  if (value.is_object() && (value.contains("kerasrt_input") || value.contains("kerasrt_constant")))
    throw Error("malformed call argument " + value.dump().substr(0, 200));
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(other_argument(item, inputs));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, item] : value.items()) out[key] = other_argument(item, inputs);
    return out;
  }
  return value;
}

}  // namespace

bool is_tf_op_class(const std::string& class_name) {
  return class_name == "TFOpLambda" || class_name == "SlicingOpLambda";
}

void read_tf_op_calls(const Json& inbound_nodes, LayerSpec& layer) {
  const std::string where = layer.name + " (" + layer.class_name + ")";
  layer.config.erase("kerasrt_call");  // only ever made here, never taken from a file
  if (inbound_nodes.is_null()) return;
  if (!inbound_nodes.is_array()) throw Error("'inbound_nodes' must be a list", where);
  std::optional<Json> call_options;
  for (const Json& node : inbound_nodes) {
    LayerCall call;
    Json arguments;
    try {
      std::optional<Json> kwargs;
      arguments["args"] = first_argument(node, call.inputs, kwargs);
      arguments["kwargs"] = other_argument(kwargs.value_or(Json::object()), call.inputs);
    } catch (const Error& e) {
      throw e.in_layer(where);
    }
    if (call_options && *call_options != arguments)
      throw Error("is called with different arguments in different calls (" + call_options->dump() +
                      " and " + arguments.dump() + "), which is not supported",
                  where);
    call_options = arguments;
    layer.calls.push_back(std::move(call));
  }
  if (call_options) layer.config["kerasrt_call"] = *call_options;
}

}  // namespace kerasrt

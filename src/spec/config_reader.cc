#include "spec/config_reader.h"

#include <cctype>
#include <set>

#include "core/limits.h"
#include "spec/attention_calls.h"
#include "spec/keras_operations.h"
#include "spec/legacy_upgrade.h"
#include "spec/tf_op_calls.h"

namespace kerasrt {
namespace {

bool is_model_class(const std::string& name) {
  return name == "Sequential" || name == "Functional" || name == "Model";
}

std::string string_or(const Json& object, const char* key, const std::string& fallback = {}) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Keras 3 and tf.keras 2.13+ record where a class comes from; built-in layers live in a
// `keras...` module. Anything else (or a registered "package>Name") is user code, which we
// never run.
bool is_builtin(const Json& entry) {
  const std::string module = string_or(entry, "module");
  const std::string registered = string_or(entry, "registered_name");
  if (!registered.empty() && registered.find('>') != std::string::npos) return false;
  return module.empty() || module.rfind("keras", 0) == 0 || module.rfind("tf_keras", 0) == 0 ||
         module.rfind("tensorflow", 0) == 0;
}

// Keras 3 writes dtype as a DTypePolicy object, tf.keras 2.13+ a mixed policy as a Policy
// object, earlier versions (and policies that are just a dtype) as a string. Every float policy
// (float16, bfloat16, mixed_float16, ...) computes in float32 here: the stored 16-bit weights
// widen exactly. A quantized policy (Keras 3 int8/int4/float8) changes the weights themselves
// (integer kernels with scales), which kerasrt does not read.
void normalise_dtype(Json& config, const std::string& layer) {
  auto it = config.find("dtype");
  if (it == config.end()) return;
  std::string name = it->is_string() ? it->get<std::string>() : "";
  if (it->is_object()) {
    const Json& policy = *it;
    const std::string class_name = string_or(policy, "class_name");
    const Json inner = policy.contains("config") && policy["config"].is_object() ? policy["config"]
                                                                                 : Json::object();
    if (class_name.find("Quantized") != std::string::npos || inner.contains("mode"))
      throw Error("the dtype policy " + class_name.substr(0, 100) + " " +
                      inner.dump().substr(0, 200) +
                      " quantizes the layer's weights; kerasrt reads float weights only",
                  layer);
    name = string_or(inner, "name", "float32");
    config["dtype"] = name;
  }
  for (const char* mode : {"int8_from_", "int4_from_", "float8_from_"})
    if (name.rfind(mode, 0) == 0)
      throw Error("the dtype policy '" + name +
                      "' quantizes the layer's weights; kerasrt reads float weights only",
                  layer);
}

InboundRef read_history(const Json& triple, const std::string& where) {
  if (!triple.is_array() || triple.size() < 3 || !triple[0].is_string() ||
      !triple[1].is_number_integer() || !triple[2].is_number_integer())
    throw Error(where + ": malformed tensor reference " + triple.dump());
  InboundRef ref{triple[0].get<std::string>(), triple[1].get<int>(), triple[2].get<int>()};
  if (ref.node < 0 || ref.tensor < 0) throw Error(where + ": negative index in " + triple.dump());
  return ref;
}

bool is_keras_tensor(const Json& value) {
  return value.is_object() && string_or(value, "class_name") == "__keras_tensor__";
}

// Collects Keras 3 tensor references from call args (tensors may sit in nested lists).
void collect_tensors(const Json& value, const std::string& where, std::vector<InboundRef>& out) {
  if (is_keras_tensor(value)) {
    const Json& config = value.at("config");
    out.push_back(read_history(config.at("keras_history"), where));
  } else if (value.is_array()) {
    for (const Json& item : value) collect_tensors(item, where, out);
  }
}

std::vector<LayerCall> read_inbound_nodes(const Json& nodes, const std::string& where) {
  std::vector<LayerCall> calls;
  if (nodes.is_null()) return calls;
  if (!nodes.is_array()) throw Error(where + ": 'inbound_nodes' must be a list");
  for (const Json& node : nodes) {
    LayerCall call;
    if (node.is_object() && node.contains("args")) {  // Keras 3
      collect_tensors(node["args"], where, call.inputs);
      if (node.contains("kwargs") && node["kwargs"].is_object()) {
        call.kwargs = node["kwargs"];
        for (const auto& [key, value] : call.kwargs.items()) {
          const size_t before = call.tensor_kwargs.size();
          collect_tensors(value, where, call.tensor_kwargs);
          call.tensor_kwarg_names.insert(call.tensor_kwarg_names.end(),
                                         call.tensor_kwargs.size() - before, key);
        }
      }
    } else if (node.is_array()) {  // Keras 1/2: [[name, node, tensor, kwargs?], ...]
      for (const Json& inbound : node) {
        call.inputs.push_back(read_history(inbound, where));
        if (inbound.size() >= 4 && inbound[3].is_object()) call.kwargs = inbound[3];
      }
    } else if (node.is_object()) {  // tf.keras: a dict of named inputs
      for (const auto& [key, inbound] : node.items())
        call.inputs.push_back(read_history(inbound, where));
    } else {
      throw Error(where + ": malformed inbound node " + node.dump());
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

std::vector<InboundRef> read_io_layers(const Json& value, const std::string& what) {
  std::vector<InboundRef> refs;
  if (value.is_null()) return refs;
  if (value.is_array() && !value.empty() && value[0].is_string()) {  // one [name, node, tensor]
    refs.push_back(read_history(value, what));
  } else if (value.is_array()) {
    for (const Json& item : value) refs.push_back(read_history(item, what));
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) refs.push_back(read_history(item, what));
  } else {
    throw Error(what + " is malformed");
  }
  return refs;
}

ModelSpec read_model(const Json& entry);

// Wrappers (Bidirectional, TimeDistributed) hold whole layer entries in their config under
// "layer" and "backward_layer": normalise those the same way, recursively.
void normalise_wrapped_layers(Json& config) {
  for (const char* key : {"layer", "backward_layer"}) {
    auto it = config.find(key);
    if (it == config.end() || !it->is_object() || !it->contains("class_name")) continue;
    Json& inner = *it;
    if (!is_builtin(inner))
      inner["class_name"] =
          "custom:" + string_or(inner, "registered_name", string_or(inner, "class_name"));
    if (inner.contains("config") && inner["config"].is_object()) {
      normalise_dtype(inner["config"], string_or(inner["config"], "name"));
      normalise_wrapped_layers(inner["config"]);
    }
  }
}

LayerSpec read_layer(const Json& entry, bool functional) {
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw Error("a layer entry has no class_name: " + entry.dump().substr(0, 200));
  LayerSpec layer;
  layer.class_name = entry["class_name"].get<std::string>();
  layer.config =
      entry.contains("config") && entry["config"].is_object() ? entry["config"] : Json::object();
  layer.name = string_or(layer.config, "name", string_or(entry, "name"));
  if (layer.name.empty()) throw Error("a layer of class " + layer.class_name + " has no name");
  if (!is_builtin(entry)) {
    const std::string registered = string_or(entry, "registered_name", layer.class_name);
    layer.class_name = "custom:" + registered;
  }
  normalise_dtype(layer.config, layer.name);
  normalise_wrapped_layers(layer.config);
  if (layer.config.contains("batch_shape") && !layer.config.contains("batch_input_shape"))
    layer.config["batch_input_shape"] = layer.config["batch_shape"];  // Keras 3 InputLayer
  if (layer.config.contains("trainable") && layer.config["trainable"].is_boolean())
    layer.trainable = layer.config["trainable"].get<bool>();
  if (is_model_class(layer.class_name)) {
    layer.model = std::make_shared<ModelSpec>(read_model(entry));
    layer.model->name = layer.name;
    layer.trainable = layer.model->trainable;
  }
  // Made only by read_tf_op_calls and normalise_attention_calls, from the inbound nodes: never
  // taken from a file, whatever the layer.
  layer.config.erase("kerasrt_call");
  if (is_keras_operation(entry))
    read_keras_operation(entry, layer);
  else if (functional && is_tf_op_class(layer.class_name))
    read_tf_op_calls(entry.value("inbound_nodes", Json()), layer);
  else if (functional)
    layer.calls = read_inbound_nodes(entry.value("inbound_nodes", Json()), "layer " + layer.name);
  if (is_attention_class(layer.class_name)) normalise_attention_calls(layer);
  return layer;
}

ModelSpec read_model(const Json& entry) {
  ModelSpec model;
  model.class_name = string_or(entry, "class_name");
  if (!is_model_class(model.class_name))
    throw Error("the model class '" + model.class_name +
                "' is not Sequential or Functional (subclassed models keep their architecture in "
                "Python code, which kerasrt cannot run)");
  if (!is_builtin(entry))
    throw Error("the model is a custom class '" + string_or(entry, "registered_name") + "'");
  const bool functional = model.class_name != "Sequential";
  model.class_name = functional ? "Functional" : "Sequential";
  // By reference throughout: a copy of the config (a conditional with a temporary, or
  // Json::value) copies every layer's entry, a tenth of MobileNetV2's load.
  static const Json kNone;
  // Json::find on anything but an object finds nothing.
  const auto member = [](const Json& object, const char* key) -> const Json& {
    const auto it = object.find(key);
    return it == object.end() ? kNone : *it;
  };
  const Json& config = member(entry, "config");
  // Keras <= 2.2.2 writes a Sequential config as a bare list of layers.
  const Json& layers = config.is_array() ? config : member(config, "layers");
  if (!layers.is_array()) throw Error("the model config has no list of layers");
  if (config.is_object()) {
    model.name = string_or(config, "name");
    if (config.contains("trainable") && config["trainable"].is_boolean())
      model.trainable = config["trainable"].get<bool>();
  }
  std::set<std::string> names;
  for (const Json& item : layers) {
    model.layers.push_back(read_layer(item, functional));
    if (!names.insert(model.layers.back().name).second)
      throw Error("two layers are named '" + model.layers.back().name + "'");
  }
  if (functional) {
    model.inputs = read_io_layers(member(config, "input_layers"), "input_layers");
    model.outputs = read_io_layers(member(config, "output_layers"), "output_layers");
    if (model.inputs.empty() || model.outputs.empty())
      throw Error("the functional model '" + model.name + "' lists no inputs or outputs");
  } else if (!model.layers.empty() && model.layers.front().class_name != "InputLayer" &&
             model.layers.front().config.contains("batch_input_shape")) {
    // Keras 2 puts the input shape on the first layer; Keras names the implicit input
    // "<first layer>_input".
    LayerSpec input;
    input.class_name = "InputLayer";
    input.name = model.layers.front().name + "_input";
    input.config = {{"name", input.name},
                    {"batch_input_shape", model.layers.front().config["batch_input_shape"]},
                    {"dtype", model.layers.front().config.value("dtype", Json("float32"))}};
    model.layers.insert(model.layers.begin(), std::move(input));
  } else if (!model.layers.empty() && model.layers.front().class_name != "InputLayer" &&
             entry.contains("build_config") && entry["build_config"].contains("input_shape")) {
    // Keras 3 Sequential built without an Input: the shape is in build_config.
    LayerSpec input;
    input.class_name = "InputLayer";
    input.name = model.name + "_input";
    input.config = {{"name", input.name},
                    {"batch_input_shape", entry["build_config"]["input_shape"]}};
    model.layers.insert(model.layers.begin(), std::move(input));
  }
  return model;
}

}  // namespace

Json parse_json(std::string_view text, const std::string& what, const Limits& limits) {
  check_limit(text.size(), limits.max_json_bytes, "max_json_bytes", what, "bytes");
  // Reject deep nesting before the recursive parser sees it.
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  if (deepest > limits.max_json_depth)
    throw Error(what + " nests deeper than the limit Limits::max_json_depth = " +
                std::to_string(limits.max_json_depth) + " (" + std::to_string(deepest) +
                " levels)");
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded()) throw Error(what + " is not valid JSON");
  return json;
}

KerasVersion parse_keras_version(const std::string& text, const std::string& backend,
                                 const Json& config) {
  KerasVersion version;
  version.text = text;
  version.backend = backend;
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    version.major = std::stoi(text.substr(0, text.find('.')));
  } else {
    // No version: Keras 3 configs carry "module" on every entry; Keras 1 used other option names.
    version.major = config.is_object() && config.contains("module") ? 3
                    : looks_like_keras1(config)                     ? 1
                                                                    : 2;
  }
  return version;
}

ModelSpec read_model_config(const Json& config) {
  if (!config.is_object()) throw Error("the model config is not a JSON object");
  return read_model(config);
}

std::string snake_case(const std::string& class_name) {
  // Keras: drop non-word characters, then re.sub("(.)([A-Z][a-z]+)", r"\1_\2"), then
  // re.sub("([a-z])([A-Z])", r"\1_\2"), then lower-case.
  const auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  const auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  std::string word;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') word += c;
  std::string first;
  for (size_t i = 0; i < word.size();) {
    if (i + 2 < word.size() && upper(word[i + 1]) && lower(word[i + 2])) {
      size_t end = i + 2;
      while (end < word.size() && lower(word[end])) ++end;
      first += word[i];
      first += '_';
      first.append(word, i + 1, end - i - 1);
      i = end;
    } else {
      first += word[i++];
    }
  }
  std::string second;
  for (size_t i = 0; i < first.size();) {
    if (i + 1 < first.size() && lower(first[i]) && upper(first[i + 1])) {
      second += first[i];
      second += '_';
      second += first[i + 1];
      i += 2;
    } else {
      second += first[i++];
    }
  }
  for (char& c : second) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return second;
}

}  // namespace kerasrt

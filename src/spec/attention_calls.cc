#include "spec/attention_calls.h"

#include <map>
#include <optional>

namespace kerasrt {
namespace {

// Keras 2 writes a tensor passed by keyword as [layer, node, tensor].
std::optional<InboundRef> keras2_reference(const Json& value) {
  if (!value.is_array() || value.size() != 3 || !value[0].is_string() ||
      !value[1].is_number_integer() || !value[2].is_number_integer())
    return std::nullopt;
  InboundRef ref{value[0].get<std::string>(), value[1].get<int>(), value[2].get<int>()};
  if (ref.node < 0 || ref.tensor < 0) return std::nullopt;
  return ref;
}

// Keras passes a layer the masks of its tensors as query_mask/value_mask/key_mask (Keras 3
// MultiHeadAttention) or mask (Attention); they are the tensors' own Keras masks, which the
// graph builder carries itself. "training" does not matter at inference.
bool ignored_keyword(const std::string& key) {
  return key == "training" || key == "mask" || key == "query_mask" || key == "value_mask" ||
         key == "key_mask";
}

struct NormalisedCall {
  std::vector<InboundRef> inputs;
  Json options;
};

NormalisedCall normalise_call(const LayerSpec& layer, const LayerCall& call) {
  const bool multi_head = layer.class_name == "MultiHeadAttention";
  // Named tensors and options, from whichever form the file uses.
  std::map<std::string, InboundRef> named;
  std::vector<InboundRef> positional = call.inputs;
  bool use_causal_mask = false, return_scores = false;
  for (const auto& [key, value] : call.kwargs.items()) {
    if (ignored_keyword(key)) continue;
    if (key == "use_causal_mask" || key == "return_attention_scores") {
      if (!value.is_boolean() && !value.is_null())
        throw Error("call argument '" + key + "' must be true or false, got " + value.dump());
      (key == "use_causal_mask" ? use_causal_mask : return_scores) =
          value.is_boolean() && value.get<bool>();
      continue;
    }
    if (const auto ref = keras2_reference(value)) {
      named[key] = *ref;
      continue;
    }
    const bool keras3_tensor =
        std::find(call.tensor_kwarg_names.begin(), call.tensor_kwarg_names.end(), key) !=
        call.tensor_kwarg_names.end();
    if (!keras3_tensor && !value.is_null())
      throw Error("call argument '" + key + "' is not supported (" + value.dump() + ")");
  }
  for (size_t i = 0; i < call.tensor_kwargs.size(); ++i) {
    const std::string& key = call.tensor_kwarg_names[i];
    if (ignored_keyword(key)) continue;
    if (named.count(key)) throw Error("call argument '" + key + "' is given twice");
    named[key] = call.tensor_kwargs[i];
  }

  const std::vector<std::string> order =
      multi_head ? std::vector<std::string>{"query", "value", "key", "attention_mask"}
                 : std::vector<std::string>{"query", "value", "key"};
  // Attention layers take [query, value(, key)] positionally; MultiHeadAttention takes query,
  // value and key positionally (later positional arguments are masks, never seen in practice).
  if (positional.size() > 3)
    throw Error("is called with " + std::to_string(positional.size()) +
                " positional tensors; at most query, value and key are supported");
  std::map<std::string, InboundRef> by_name;
  for (size_t i = 0; i < positional.size(); ++i) by_name[order[i]] = positional[i];
  for (const auto& [key, ref] : named) {
    if (std::find(order.begin(), order.end(), key) == order.end())
      throw Error("call argument '" + key + "' (a tensor) is not supported");
    if (by_name.count(key)) throw Error("call argument '" + key + "' is given twice");
    by_name[key] = ref;
  }
  if (!by_name.count("query") || !by_name.count("value"))
    throw Error("is called without a query and a value tensor");

  NormalisedCall out;
  out.options = {{"has_key", by_name.count("key") > 0},
                 {"use_causal_mask", use_causal_mask},
                 {"return_attention_scores", return_scores}};
  if (multi_head) out.options["has_attention_mask"] = by_name.count("attention_mask") > 0;
  for (const std::string& key : order)
    if (by_name.count(key)) out.inputs.push_back(by_name.at(key));
  return out;
}

}  // namespace

bool is_attention_class(const std::string& class_name) {
  return class_name == "MultiHeadAttention" || class_name == "Attention" ||
         class_name == "AdditiveAttention";
}

void normalise_attention_calls(LayerSpec& layer) {
  std::optional<Json> options;
  for (LayerCall& call : layer.calls) {
    NormalisedCall normalised;
    try {
      normalised = normalise_call(layer, call);
    } catch (const Error& e) {
      throw e.in_layer(layer.name + " (" + layer.class_name + ")");
    }
    if (options && *options != normalised.options)
      throw Error("is called with different arguments in different calls (" + options->dump() +
                      " and " + normalised.options.dump() + "), which is not supported",
                  layer.name);
    options = normalised.options;
    call.inputs = std::move(normalised.inputs);
    call.tensor_kwargs.clear();
    call.tensor_kwarg_names.clear();
  }
  if (options) layer.config["kerasrt_call"] = *options;
}

}  // namespace kerasrt

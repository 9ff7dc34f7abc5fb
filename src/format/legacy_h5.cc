// Legacy HDF5: root attribute `model_config` (JSON) and group `model_weights` whose
// `layer_names` attribute lists the layers; each layer group's `weight_names` attribute gives
// the order of its weights (HDF5's own iteration order is alphabetical, which is wrong).
#include <map>

#include "core/limits.h"
#include "format/readers.h"
#include "spec/config_reader.h"
#include "spec/legacy_upgrade.h"

namespace kerasrt {
namespace {

void collect_layers(ModelSpec& model, std::map<std::string, LayerSpec*>& by_name) {
  for (LayerSpec& layer : model.layers) by_name.emplace(layer.name, &layer);
}

}  // namespace

void attach_legacy_weights(ModelSpec& model, const h5::Group& group) {
  const auto layer_names = group.chunked_string_attribute("layer_names");
  if (!layer_names) throw Error("HDF5 group '" + group.path() + "' has no 'layer_names' attribute");
  std::map<std::string, LayerSpec*> by_name;
  collect_layers(model, by_name);
  const Limits& limits = group.options().limits;
  for (const std::string& layer_name : *layer_names) {
    check_limit(layer_name.size(), limits.max_name_bytes, "max_name_bytes",
                "a layer name in 'layer_names'", "bytes");
    if (!group.has_group(layer_name))
      throw Error("weights of layer '" + layer_name + "' are missing");
    const h5::Group layer_group = group.group(layer_name);
    const auto weight_names = layer_group.chunked_string_attribute("weight_names");
    if (!weight_names || weight_names->empty()) continue;
    auto it = by_name.find(layer_name);
    if (it == by_name.end())
      throw Error("the weights file has weights for layer '" + layer_name +
                  "', which the model does not have");
    std::vector<Array>& weights = it->second->weights;
    weights.clear();
    for (const std::string& weight_name : *weight_names) {
      check_limit(weight_name.size(), limits.max_name_bytes, "max_name_bytes",
                  "a weight name of layer '" + layer_name + "'", "bytes");
      weights.push_back(layer_group.dataset(weight_name));
    }
  }
}

LoadedSpec read_legacy_h5(const h5::Group& root) {
  const auto config_text = root.chunked_string_attribute("model_config");
  if (!config_text) {
    if (root.has_attribute("layer_names"))
      throw Error(
          "this file holds weights only (save_weights); load it with its architecture JSON");
    throw Error("HDF5 file without a 'model_config' attribute is not a Keras model");
  }
  std::string text;
  for (const auto& part : *config_text) text += part;
  const Json config = parse_json(text, "model_config", root.options().limits);
  LoadedSpec spec;
  spec.format = "h5";
  spec.keras = parse_keras_version(root.string_attribute_or_empty("keras_version"),
                                   root.string_attribute_or_empty("backend"), config);
  spec.model = read_model_config(config);
  if (root.has_group("model_weights")) {
    attach_legacy_weights(spec.model, root.group("model_weights"));
  } else if (root.has_attribute("layer_names")) {
    attach_legacy_weights(spec.model, root);  // very old files keep weights at the root
  }
  upgrade_legacy(spec);
  return spec;
}

}  // namespace kerasrt

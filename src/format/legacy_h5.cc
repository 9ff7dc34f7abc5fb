// Legacy HDF5: root attribute `model_config` (JSON) and group `model_weights` whose
// `layer_names` attribute lists the layers; each layer group's `weight_names` attribute gives
// the order of its weights (HDF5's own iteration order is alphabetical, which is wrong).
#include <algorithm>
#include <map>
#include <optional>

#include "core/helper_threads.h"
#include "core/limits.h"
#include "format/readers.h"
#include "spec/config_reader.h"
#include "spec/legacy_upgrade.h"

namespace kerasrt {
namespace {

void collect_layers(ModelSpec& model, std::map<std::string, LayerSpec*>& by_name) {
  for (LayerSpec& layer : model.layers) by_name.emplace(layer.name, &layer);
}

// A legacy file lists a layer's `trainable_weights + non_trainable_weights`. For a frozen
// SpectralNormalization that is its `weights`: its own variables (the wrapped layer's kernel,
// which it tracks as an attribute, then vector_u) before the wrapped layer's others (the bias),
// so vector_u comes second instead of last. Both Keras 2 and 3 order them so. The layer reads
// the trainable order; vector_u is found by name.
void put_vector_u_last(std::vector<Array>& weights) {
  const auto is_vector_u = [](const Array& a) {
    const size_t slash = a.name.rfind('/');
    return a.name.compare(slash == std::string::npos ? 0 : slash + 1, 8, "vector_u") == 0;
  };
  std::stable_partition(weights.begin(), weights.end(),
                        [&](const Array& a) { return !is_vector_u(a); });
}

// A legacy file's weights by layer, in the order of `layer_names`: what HDF5 gives, before the
// model's layers are known.
using LayerWeights = std::vector<std::pair<std::string, std::vector<Array>>>;

LayerWeights read_layer_weights(const h5::Group& group) {
  const auto layer_names = group.chunked_string_attribute("layer_names");
  if (!layer_names) throw Error("HDF5 group '" + group.path() + "' has no 'layer_names' attribute");
  const Limits& limits = group.options().limits;
  LayerWeights layers;
  for (const std::string& layer_name : *layer_names) {
    check_limit(layer_name.size(), limits.max_name_bytes, "max_name_bytes",
                "a layer name in 'layer_names'", "bytes");
    const std::optional<h5::Group> found = group.find_group(layer_name);
    if (!found) throw Error("weights of layer '" + layer_name + "' are missing");
    const auto weight_names = found->chunked_string_attribute("weight_names");
    if (!weight_names || weight_names->empty()) continue;
    std::vector<Array> weights;
    for (const std::string& weight_name : *weight_names) {
      check_limit(weight_name.size(), limits.max_name_bytes, "max_name_bytes",
                  "a weight name of layer '" + layer_name + "'", "bytes");
      weights.push_back(found->dataset(weight_name));
    }
    layers.emplace_back(layer_name, std::move(weights));
  }
  return layers;
}

void attach(ModelSpec& model, LayerWeights layers) {
  std::map<std::string, LayerSpec*> by_name;
  collect_layers(model, by_name);
  for (auto& [layer_name, weights] : layers) {
    auto it = by_name.find(layer_name);
    if (it == by_name.end())
      throw Error("the weights file has weights for layer '" + layer_name +
                  "', which the model does not have");
    it->second->weights = std::move(weights);
    if (it->second->class_name == "SpectralNormalization") put_vector_u_last(it->second->weights);
  }
}

}  // namespace

void attach_legacy_weights(ModelSpec& model, const h5::Group& group) {
  attach(model, read_layer_weights(group));
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
  const std::string version = root.string_attribute_or_empty("keras_version");
  const std::string backend = root.string_attribute_or_empty("backend");
  std::optional<h5::Group> weights_group = root.find_group("model_weights");
  if (!weights_group && root.has_attribute("layer_names"))
    weights_group = root;  // very old files keep weights at the root
  // HDF5 reads the weights (most of a load's HDF5 work: MobileNetV2's 262 datasets, 5 ms) while
  // the configuration is parsed beside it (1.4 ms); the parse's errors come first, as they would
  // in one pass.
  LoadedSpec spec;
  spec.format = "h5";
  LayerWeights layers;
  const HelperThreads::Busy busy;
  HelperThreads::instance().run(2, [&](int task) {
    if (task == 1) {
      if (weights_group) layers = read_layer_weights(*weights_group);
      return;
    }
    const Json config = parse_json(text, "model_config", root.options().limits);
    spec.keras = parse_keras_version(version, backend, config);
    spec.model = read_model_config(config);
  });
  attach(spec.model, std::move(layers));
  upgrade_legacy(spec);
  return spec;
}

}  // namespace kerasrt

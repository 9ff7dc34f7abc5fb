// Keras 3 `.keras` archives (also written by tf.keras 2.13+): a zip holding metadata.json,
// config.json and model.weights.h5, whose layer variables sit at `layers/<key>/vars/<i>`.
// `<key>` is not the layer's name: Keras derives it from the class name in snake case and
// numbers repeats in layer order (`dense`, `dense_1`, ...); see `_save_container_state` in
// keras/src/saving/saving_lib.py.
#include <algorithm>
#include <iterator>
#include <map>

#include "format/readers.h"
#include "format/zip_archive.h"
#include "spec/config_reader.h"

namespace kerasrt {
namespace {

// A path in the weights file. Keras joins with os.path.join, so archives written on Windows
// hold single links named "layers\dense"; tf.keras 2.13 used "_layer_checkpoint_dependencies"
// where later versions use "layers".
std::vector<std::string> path_spellings(const std::string& path) {
  std::string windows = path;
  std::replace(windows.begin(), windows.end(), '/', '\\');
  std::vector<std::string> spellings{path, windows};
  if (path.rfind("layers", 0) == 0)
    spellings.push_back(std::string("_layer_checkpoint_dependencies").append(path, 6));
  return spellings;
}

// The layer's own variables (vars/0, vars/1, ... in numeric order).
void read_vars(const h5::Group& root, const std::string& path, std::vector<Array>& out) {
  for (const std::string& spelling : path_spellings(path)) {
    if (!root.has_group(spelling + "/vars")) continue;
    const h5::Group vars = root.group(spelling + "/vars");
    // Layers whose save_own_variables names its variables store them under those names: the
    // lookup layers' (and TextVectorization's) tf_idf `idf_weights`, alone.
    std::vector<std::string> keys = vars.children();
    if (keys.size() == 1 && keys[0] == "idf_weights") {
      Array array = vars.dataset(keys[0]);
      array.name = spelling + "/vars/" + keys[0];
      out.push_back(std::move(array));
      return;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      Array array = vars.dataset(std::to_string(i));
      array.name = spelling + "/vars/" + std::to_string(i);
      out.push_back(std::move(array));
    }
    return;
  }
}

// Sub-objects holding a layer's further variables, in the order Keras lists `layer.weights`.
void read_layer_weights(const h5::Group& root, const std::string& path,
                        const std::string& class_name, const Json& config,
                        std::vector<Array>& out) {
  const size_t own_start = out.size();
  read_vars(root, path, out);
  static const char* kRecurrent[] = {"SimpleRNN",  "LSTM",       "GRU", "ConvLSTM1D",
                                     "ConvLSTM2D", "ConvLSTM3D", "RNN"};
  if (std::find(std::begin(kRecurrent), std::end(kRecurrent), class_name) != std::end(kRecurrent)) {
    read_vars(root, path + "/cell", out);
    // RNN(StackedRNNCells): saving_lib stores the `cells` list as cells/<snake_case(class)>[_n].
    const Json cell = config.value("cell", Json::object());
    if (cell.is_object() && cell.value("class_name", "") == "StackedRNNCells") {
      const Json cells = cell.value("config", Json::object()).value("cells", Json::array());
      std::map<std::string, int> used;
      for (const Json& entry : cells) {
        if (!entry.is_object()) continue;
        std::string key = snake_case(entry.value("class_name", ""));
        auto [it, fresh] = used.emplace(key, 0);
        if (!fresh) key.append("_").append(std::to_string(++it->second));
        read_vars(root, path + "/cell/cells/" + key, out);
      }
    }
    return;
  }
  if (class_name == "MultiHeadAttention") {
    // The projections are sub-objects, read in the order of layer.weights. Keras names them
    // by the public properties (query_dense, ...) where it has them, else by the private
    // attributes (_query_dense, ...).
    for (const std::string sub : {"query_dense", "key_dense", "value_dense", "output_dense"}) {
      const size_t before = out.size();
      read_vars(root, path + "/" + sub, out);
      if (out.size() == before) read_vars(root, path + "/_" + sub, out);
    }
    return;
  }
  if (class_name == "SpectralNormalization") {
    // Its own vars are the wrapped layer's kernel again (build() assigns it as an attribute,
    // which Keras tracks), then vector_u. Reordered as the legacy .h5 lists them: the wrapped
    // layer's weights, then vector_u.
    std::vector<Array> own(std::make_move_iterator(out.begin() + own_start),
                           std::make_move_iterator(out.end()));
    out.erase(out.begin() + own_start, out.end());
    const Json inner = config.value("layer", Json::object());
    read_layer_weights(root, path + "/layer", inner.value("class_name", ""),
                       inner.value("config", Json::object()), out);
    if (!own.empty()) out.push_back(std::move(own.back()));
    return;
  }
  const bool bidirectional = class_name == "Bidirectional";
  if (bidirectional || class_name == "TimeDistributed") {
    const Json inner = config.value("layer", Json::object());
    const std::string inner_class = inner.value("class_name", "");
    const Json inner_config = inner.value("config", Json::object());
    if (bidirectional) {
      read_layer_weights(root, path + "/forward_layer", inner_class, inner_config, out);
      const Json backward = config.value("backward_layer", inner);
      read_layer_weights(root, path + "/backward_layer", backward.value("class_name", inner_class),
                         backward.value("config", inner_config), out);
    } else {
      read_layer_weights(root, path + "/layer", inner_class, inner_config, out);
    }
  }
}

// The files of assets/<path>/ (not of its subfolders), which Keras 3's save_assets writes for
// the layer at <path> (keras/src/saving/saving_lib.py, _save_state).
struct AssetSource {
  const ZipArchive& zip;
  const std::vector<std::string> names;
  const Limits& limits;
  uint64_t& expanded;

  std::map<std::string, std::string> files_of(const std::string& path) const {
    std::map<std::string, std::string> files;
    const std::string folder = "assets/" + path + "/";
    for (const std::string& name : names) {
      if (name.rfind(folder, 0) != 0 || name.size() == folder.size() ||
          name.find('/', folder.size()) != std::string::npos)
        continue;
      const auto data =
          zip.read(name, limits.max_zip_expanded_bytes, "max_zip_expanded_bytes", expanded);
      expanded += data.size();
      files.emplace(name.substr(folder.size()),
                    std::string(reinterpret_cast<const char*>(data.data()), data.size()));
    }
    return files;
  }
};

void attach_model(ModelSpec& model, const h5::Group& root, const std::string& prefix,
                  const AssetSource* assets) {
  std::map<std::string, int> used;
  for (LayerSpec& layer : model.layers) {
    std::string key = snake_case(layer.class_name == "Functional" || layer.class_name == "Model"
                                     ? std::string("Functional")
                                     : layer.class_name);
    auto [it, fresh] = used.emplace(key, 0);
    if (!fresh) key.append("_").append(std::to_string(++it->second));
    const std::string path = prefix + "layers/" + key;
    if (layer.model) {
      attach_model(*layer.model, root, path + "/", assets);
    } else {
      layer.weights.clear();
      read_layer_weights(root, path, layer.class_name, layer.config, layer.weights);
      if (assets) layer.assets = assets->files_of(path);
    }
  }
}

}  // namespace

void attach_keras3_weights(ModelSpec& model, const h5::Group& root) {
  attach_model(model, root, "", nullptr);
}

LoadedSpec read_keras_archive(std::span<const std::byte> bytes, const LoadOptions& options) {
  const Limits& limits = options.limits;
  const ZipArchive zip(bytes, limits);
  if (!zip.contains("config.json"))
    throw Error("the archive has no config.json; not a .keras model");
  // Everything expanded from the archive counts against max_zip_expanded_bytes.
  uint64_t expanded = 0;
  const auto text_of = [&](const std::string& entry) {
    const auto data = zip.read(entry, limits.max_json_bytes, "max_json_bytes");
    expanded += data.size();
    return std::string(reinterpret_cast<const char*>(data.data()), data.size());
  };
  const Json config = parse_json(text_of("config.json"), "config.json", limits);
  std::string version;
  if (zip.contains("metadata.json")) {
    const Json metadata = parse_json(text_of("metadata.json"), "metadata.json", limits);
    if (metadata.is_object() && metadata.contains("keras_version") &&
        metadata["keras_version"].is_string())
      version = metadata["keras_version"].get<std::string>();
  }
  LoadedSpec spec;
  spec.format = "keras";
  spec.keras = parse_keras_version(version, "tensorflow", config);
  spec.model = read_model_config(config);
  if (!zip.contains("model.weights.h5")) {
    if (zip.contains("model.weights.npz"))
      throw Error(
          "weights stored as model.weights.npz are not supported yet; save with the default h5 "
          "format");
    throw Error("the archive has no model.weights.h5");
  }
  const auto weights = zip.read("model.weights.h5", limits.max_zip_expanded_bytes,
                                "max_zip_expanded_bytes", expanded);
  const h5::File file = h5::File::open_memory(weights, "model.weights.h5", options);
  const AssetSource assets{zip, zip.names(), limits, expanded};
  attach_model(spec.model, file.root(), "", &assets);
  return spec;
}

}  // namespace kerasrt

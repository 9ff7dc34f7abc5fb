#include "spec/legacy_upgrade.h"

#include <algorithm>
#include <map>

#include "kernels/transpose.h"

namespace kerasrt {
namespace {

// ---------------------------------------------------------------- configs

// Keras 1 class names that Keras 2 renamed.
const std::map<std::string, std::string>& renamed_classes() {
  static const std::map<std::string, std::string> names = {
      {"Convolution1D", "Conv1D"},
      {"AtrousConvolution1D", "Conv1D"},
      {"Convolution2D", "Conv2D"},
      {"AtrousConvolution2D", "Conv2D"},
      {"Convolution3D", "Conv3D"},
      {"Deconvolution2D", "Conv2DTranspose"},
      {"SeparableConvolution2D", "SeparableConv2D"},
  };
  return names;
}

const char* const kRecurrent[] = {"SimpleRNN", "GRU", "LSTM"};

bool is_recurrent(const std::string& class_name) {
  return std::find(std::begin(kRecurrent), std::end(kRecurrent), class_name) !=
         std::end(kRecurrent);
}

void rename_key(Json& config, const char* from, const char* to) {
  auto it = config.find(from);
  if (it == config.end()) return;
  if (!config.contains(to)) config[to] = *it;
  config.erase(it);
}

// Keras 1 `dim_ordering`: "th" (channels first), "tf" (channels last), or "default", which
// meant the backend's own ordering.
void upgrade_dim_ordering(Json& config, const std::string& backend) {
  auto it = config.find("dim_ordering");
  if (it == config.end()) return;
  std::string ordering = it->is_string() ? it->get<std::string>() : "default";
  if (ordering == "default") ordering = backend == "theano" ? "th" : "tf";
  if (ordering != "th" && ordering != "tf")
    throw Error("config 'dim_ordering' is '" + ordering + "'");
  config["data_format"] = ordering == "th" ? "channels_first" : "channels_last";
  config.erase(it);
}

// Keras 1 `Merge` layers in functional models become the Keras 2 merge layer of their mode.
void upgrade_merge(std::string& class_name, Json& config) {
  const std::string mode = config.value("mode", std::string("sum"));
  if (mode == "sum")
    class_name = "Add";
  else if (mode == "mul")
    class_name = "Multiply";
  else if (mode == "ave")
    class_name = "Average";
  else if (mode == "max")
    class_name = "Maximum";
  else if (mode == "concat") {
    class_name = "Concatenate";
    config["axis"] = config.value("concat_axis", -1);
  } else if (mode == "dot") {
    class_name = "Dot";
    config["axes"] = config.value("dot_axes", Json(-1));
  } else {
    throw Error("Keras 1 Merge mode '" + mode +
                "' is not supported (only sum, mul, ave, max, concat, dot)");
  }
  if (config.contains("layers") && !config["layers"].is_null())
    throw Error(
        "a Keras 1 Merge of Sequential branches is not supported; save the model as a functional "
        "Model");
}

// Keras 1.2.2 ZeroPadding2D took `padding` as (rows, cols), (top, bottom, left, right) or a dict of
// top_pad/bottom_pad/left_pad/right_pad, ZeroPadding1D as an int, (left, right) or a dict of
// left_pad/right_pad, and get_config saved the argument as given (keras/layers/convolutional.py).
// Keras 2 takes ((top, bottom), (left, right)) and (left, right).
void upgrade_zero_padding(const std::string& class_name, Json& config) {
  auto it = config.find("padding");
  if (it == config.end()) return;
  Json& padding = *it;
  const auto side = [&](const char* key) { return padding.contains(key) ? padding[key] : Json(0); };
  const auto check_keys = [&](std::initializer_list<const char*> allowed) {
    for (const auto& item : padding.items())
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char* k) { return item.key() == k; }))
        throw Error("config 'padding' has the unexpected key '" + item.key() + "'");
  };
  if (class_name == "ZeroPadding2D") {
    if (padding.is_array() && padding.size() == 4) {
      padding = Json::array(
          {Json::array({padding[0], padding[1]}), Json::array({padding[2], padding[3]})});
    } else if (padding.is_object()) {
      check_keys({"top_pad", "bottom_pad", "left_pad", "right_pad"});
      padding = Json::array({Json::array({side("top_pad"), side("bottom_pad")}),
                             Json::array({side("left_pad"), side("right_pad")})});
    }
  } else if (class_name == "ZeroPadding1D" && padding.is_object()) {
    check_keys({"left_pad", "right_pad"});
    padding = Json::array({side("left_pad"), side("right_pad")});
  }
}

void upgrade_config(std::string& class_name, Json& config, const std::string& backend) {
  if (auto it = renamed_classes().find(class_name); it != renamed_classes().end()) {
    if (class_name.rfind("Atrous", 0) == 0) rename_key(config, "atrous_rate", "dilation_rate");
    class_name = it->second;
  }
  if (class_name == "Merge") upgrade_merge(class_name, config);

  rename_key(config, "input_dtype", "dtype");
  rename_key(config, "bias", "use_bias");
  rename_key(config, "border_mode", "padding");
  rename_key(config, "nb_filter", "filters");
  rename_key(config, "subsample", "strides");
  rename_key(config, "subsample_length", "strides");
  rename_key(config, "filter_length", "kernel_size");
  rename_key(config, "pool_length", "pool_size");
  if (class_name == "MaxPooling1D" || class_name == "AveragePooling1D")
    rename_key(config, "stride", "strides");
  if (class_name == "Dense" || is_recurrent(class_name)) rename_key(config, "output_dim", "units");
  rename_key(config, "inner_activation", "recurrent_activation");
  if (config.contains("nb_row") && config.contains("nb_col")) {
    config["kernel_size"] = {config["nb_row"], config["nb_col"]};
    config.erase("nb_row");
    config.erase("nb_col");
  }
  if (config.contains("kernel_dim1")) {
    config["kernel_size"] = {config["kernel_dim1"], config.value("kernel_dim2", Json()),
                             config.value("kernel_dim3", Json())};
    for (const char* key : {"kernel_dim1", "kernel_dim2", "kernel_dim3"}) config.erase(key);
  }
  upgrade_dim_ordering(config, backend);
  upgrade_zero_padding(class_name, config);
  // Keras 1 GRU applies the reset gate before the recurrent matmul.
  if (class_name == "GRU") config["reset_after"] = false;
  for (const char* key : {"layer", "backward_layer"}) {
    auto it = config.find(key);
    if (it == config.end() || !it->is_object() || !it->contains("class_name")) continue;
    std::string inner_class = (*it)["class_name"].get<std::string>();
    Json& inner_config = (*it)["config"];
    upgrade_config(inner_class, inner_config, backend);
    (*it)["class_name"] = inner_class;
  }
}

// ---------------------------------------------------------------- weights

Array transposed(const Array& a, std::vector<int> perm) {
  if (a.shape.size() != perm.size())
    throw Error("weight '" + a.name + "' of shape " + to_string(a.shape) +
                " has an unexpected rank");
  const std::span<const float> values = a.floats();
  Array out{a.name, permuted_shape(a.shape, perm), std::vector<float>(values.size())};
  transpose(values.data(), a.shape, perm, out.values.data());
  return out;
}

// Concatenation along the last axis (per-gate RNN weights into one matrix).
Array concat_last(const std::vector<const Array*>& parts) {
  Array out{parts.front()->name, parts.front()->shape, {}};
  const int64_t rows = num_elements(out.shape) / std::max<int64_t>(out.shape.back(), 1);
  out.shape.back() = 0;
  for (const Array* p : parts) {
    if (p->shape.size() != out.shape.size() ||
        num_elements(p->shape) / std::max<int64_t>(p->shape.back(), 1) != rows)
      throw Error("per-gate weight '" + p->name + "' of shape " + to_string(p->shape) +
                  " does not match the others");
    out.shape.back() += p->shape.back();
  }
  out.values.reserve(static_cast<size_t>(rows * out.shape.back()));
  for (int64_t r = 0; r < rows; ++r)
    for (const Array* p : parts) {
      const auto begin = p->floats().begin() + r * p->shape.back();
      out.values.insert(out.values.end(), begin, begin + p->shape.back());
    }
  return out;
}

// Keras 1 stored recurrent weights per gate; Keras 2 concatenates them, LSTM in the order
// i, f, c, o where Keras 1 had i, c, f, o.
void join_gates(std::vector<Array>& w, const std::vector<int>& order) {
  std::vector<Array> joined;
  for (int role = 0; role < 3; ++role) {  // kernel, recurrent kernel, bias
    std::vector<const Array*> parts;
    for (int gate : order) parts.push_back(&w[static_cast<size_t>(gate * 3 + role)]);
    joined.push_back(concat_last(parts));
  }
  w = std::move(joined);
}

void upgrade_keras1_weights(const std::string& class_name, const Json& config,
                            std::vector<Array>& w) {
  if (w.empty()) return;
  const bool channels_first = config.value("data_format", std::string()) == "channels_first";
  if (class_name == "Conv1D") {
    // Keras 1.2: (length, 1, in, filters); Keras 1.1: (filters, in, length, 1).
    if (w[0].shape.size() == 4 && w[0].shape[3] == 1 && w[0].shape[1] != 1)
      w[0] = transposed(w[0], {2, 3, 1, 0});
    if (w[0].shape.size() == 4 && w[0].shape[1] == 1) w[0].shape.erase(w[0].shape.begin() + 1);
  } else if (class_name == "Conv2D" && channels_first) {
    w[0] =
        transposed(w[0], {2, 3, 1, 0});  // (filters, in, rows, cols) -> (rows, cols, in, filters)
  } else if (class_name == "SeparableConv2D" && channels_first && w.size() >= 2) {
    // Keras 1.2.2 SeparableConvolution2D 'th': depthwise (multiplier, in, rows, cols) and pointwise
    // (filters, multiplier * in, 1, 1), which its TensorFlow backend transposed (2, 3, 1, 0) before
    // tf.nn.separable_conv2d; Keras 2's converter has no case for it.
    w[0] = transposed(w[0], {2, 3, 1, 0});
    w[1] = transposed(w[1], {2, 3, 1, 0});
  } else if (class_name == "Conv2DTranspose") {
    w[0] = channels_first ? transposed(w[0], {2, 3, 0, 1}) : transposed(w[0], {0, 1, 3, 2});
  } else if (class_name == "Conv3D" && channels_first) {
    w[0] = transposed(w[0], {2, 3, 4, 1, 0});
  } else if (class_name == "LSTM" && w.size() == 12) {
    join_gates(w, {0, 2, 1, 3});
  } else if (class_name == "GRU" && w.size() == 9) {
    join_gates(w, {0, 1, 2});
  }
}

// Theano computes true convolutions; TensorFlow (and kerasrt) cross-correlations: flip every
// kernel axis but the last two (input and output channels).
Array flipped_kernel(const Array& a) {
  if (a.shape.size() < 3) return a;
  const std::span<const float> values = a.floats();
  Array out{a.name, a.shape, std::vector<float>(values.size())};
  const size_t spatial = a.shape.size() - 2;
  const int64_t inner = a.shape[spatial] * a.shape[spatial + 1];
  const int64_t positions = num_elements(a.shape) / std::max<int64_t>(inner, 1);
  for (int64_t p = 0; p < positions; ++p) {
    int64_t rest = p, mirrored = 0, stride = 1;
    for (size_t d = spatial; d-- > 0;) {  // mirror every spatial coordinate of position p
      const int64_t coordinate = rest % a.shape[d];
      rest /= a.shape[d];
      mirrored += (a.shape[d] - 1 - coordinate) * stride;
      stride *= a.shape[d];
    }
    std::copy_n(values.begin() + p * inner, inner, out.values.begin() + mirrored * inner);
  }
  return out;
}

void flip_theano_kernels(const std::string& class_name, std::vector<Array>& w) {
  static const char* kConvolutions[] = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose",
                                        "ConvLSTM2D"};
  if (w.empty() || std::find(std::begin(kConvolutions), std::end(kConvolutions), class_name) ==
                       std::end(kConvolutions))
    return;
  w[0] = flipped_kernel(w[0]);
  if (class_name == "ConvLSTM2D" && w.size() > 1) w[1] = flipped_kernel(w[1]);
}

// Applies the weight conversions to one layer, descending into the layers a wrapper holds
// (Bidirectional: forward weights, then backward).
void upgrade_weights(const std::string& class_name, const Json& config, std::vector<Array>& w,
                     const KerasVersion& keras) {
  if (class_name == "Bidirectional" || class_name == "TimeDistributed") {
    const Json inner = config.value("layer", Json::object());
    const std::string inner_class = inner.value("class_name", std::string());
    const Json inner_config = inner.value("config", Json::object());
    if (class_name == "TimeDistributed")
      return upgrade_weights(inner_class, inner_config, w, keras);
    if (w.size() % 2)
      throw Error("a Bidirectional layer needs as many backward as forward weights");
    std::vector<Array> forward(
        std::make_move_iterator(w.begin()),
        std::make_move_iterator(w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2)));
    std::vector<Array> backward(
        std::make_move_iterator(w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2)),
        std::make_move_iterator(w.end()));
    upgrade_weights(inner_class, inner_config, forward, keras);
    const Json back = config.value("backward_layer", inner);
    upgrade_weights(back.value("class_name", inner_class), back.value("config", inner_config),
                    backward, keras);
    w = std::move(forward);
    w.insert(w.end(), std::make_move_iterator(backward.begin()),
             std::make_move_iterator(backward.end()));
    return;
  }
  if (keras.major == 1) upgrade_keras1_weights(class_name, config, w);
  if (keras.backend == "theano") flip_theano_kernels(class_name, w);
}

bool needs_weight_upgrade(const std::string& class_name, const Json& config) {
  if (class_name.rfind("Conv", 0) == 0 || is_recurrent(class_name)) return true;
  const Json inner = config.value("layer", Json::object());
  return inner.is_object() && inner.contains("class_name") &&
         needs_weight_upgrade(inner["class_name"].get<std::string>(),
                              inner.value("config", Json::object()));
}

void upgrade_model(ModelSpec& model, const KerasVersion& keras) {
  for (LayerSpec& layer : model.layers) {
    try {
      if (keras.major == 1) upgrade_config(layer.class_name, layer.config, keras.backend);
      if (layer.model) {
        upgrade_model(*layer.model, keras);
        // A nested model's weights come as one flat list; which belong to which sublayer is
        // only known once the graph builder has built them, after this step.
        for (const LayerSpec& inner : layer.model->layers)
          if (!layer.weights.empty() && needs_weight_upgrade(inner.class_name, inner.config))
            throw Error(
                "nested models with convolution or recurrent layers in Keras 1 or Theano files are "
                "not supported yet");
        continue;
      }
      upgrade_weights(layer.class_name, layer.config, layer.weights, keras);
    } catch (const Error& e) {
      throw e.in_layer(layer.name + " (" + layer.class_name + ")");
    }
  }
}

}  // namespace

bool looks_like_keras1(const Json& model_config) {
  // Keras 1 Sequential configs are bare lists, and its layers use option names Keras 2 renamed.
  const std::string text = model_config.dump();
  for (const char* marker : {"\"nb_filter\"", "\"border_mode\"", "\"input_dtype\"",
                             "\"dim_ordering\"", "\"inner_activation\""})
    if (text.find(marker) != std::string::npos) return true;
  return false;
}

void upgrade_legacy(LoadedSpec& spec) {
  if (spec.keras.major != 1 && spec.keras.backend != "theano") return;
  upgrade_model(spec.model, spec.keras);
}

}  // namespace kerasrt

// `kerasrt info`: the model summary, as a table (like Keras model.summary()) or JSON.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"

namespace kerasrt::cli {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += shape[i] == kAnyDim ? "None" : std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  if (shapes.size() == 1) return shape_text(shapes[0]);
  std::string text = "[";
  for (size_t i = 0; i < shapes.size(); ++i) text += (i ? ", " : "") + shape_text(shapes[i]);
  return text + "]";
}

std::string with_commas(int64_t value) {
  std::string digits = std::to_string(value), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

nlohmann::json tensors_json(const std::vector<TensorInfo>& tensors) {
  nlohmann::json out = nlohmann::json::array();
  for (const TensorInfo& t : tensors) {
    nlohmann::json shape = nlohmann::json::array();
    for (int64_t d : t.shape) shape.push_back(d == kAnyDim ? nlohmann::json() : nlohmann::json(d));
    out.push_back({{"name", t.name}, {"shape", shape}, {"dtype", dtype_name(t.dtype)}});
  }
  return out;
}

void print_json(const Model& model) {
  const ModelSummary& s = model.summary();
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSummary& layer : s.layers) {
    nlohmann::json shapes = nlohmann::json::array();
    for (const auto& shape : layer.output_shapes) {
      nlohmann::json dims = nlohmann::json::array();
      for (int64_t d : shape) dims.push_back(d == kAnyDim ? nlohmann::json() : nlohmann::json(d));
      shapes.push_back(dims);
    }
    layers.push_back({{"name", layer.name},
                      {"class_name", layer.class_name},
                      {"output_shapes", shapes},
                      {"params", layer.params},
                      {"trainable_params", layer.trainable_params},
                      {"depth", layer.depth}});
  }
  const nlohmann::json out = {{"name", s.name},
                              {"class_name", s.class_name},
                              {"keras_version", s.keras_version},
                              {"format", s.format},
                              {"inputs", tensors_json(model.inputs())},
                              {"outputs", tensors_json(model.outputs())},
                              {"layers", layers},
                              {"total_params", s.total_params},
                              {"trainable_params", s.trainable_params},
                              {"non_trainable_params", s.total_params - s.trainable_params}};
  std::cout << out.dump(2) << "\n";
}

void print_table(const Model& model, bool expand_nested) {
  const ModelSummary& s = model.summary();
  const std::string thin(80, '_'), thick(80, '=');
  std::printf("Model: \"%s\" (%s, Keras %s, %s)\n%s\n", s.name.c_str(), s.class_name.c_str(),
              s.keras_version.empty() ? "?" : s.keras_version.c_str(), s.format.c_str(),
              thin.c_str());
  std::printf(" %-40s %-26s %10s\n%s\n", "Layer (type)", "Output Shape", "Param #", thick.c_str());
  for (const LayerSummary& layer : s.layers) {
    if (layer.depth > 0 && !expand_nested) continue;
    const std::string label = std::string(static_cast<size_t>(layer.depth) * 2, ' ') + layer.name +
                              " (" + layer.class_name + ")";
    std::printf(" %-40s %-26s %10s\n", label.c_str(), shapes_text(layer.output_shapes).c_str(),
                with_commas(layer.params).c_str());
  }
  std::printf("%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n%s\n",
              thick.c_str(), with_commas(s.total_params).c_str(),
              with_commas(s.trainable_params).c_str(),
              with_commas(s.total_params - s.trainable_params).c_str(), thin.c_str());
  for (const TensorInfo& t : model.inputs())
    std::printf("input  %-24s %-22s %s\n", t.name.c_str(), shape_text(t.shape).c_str(),
                dtype_name(t.dtype));
  for (const TensorInfo& t : model.outputs())
    std::printf("output %-24s %-22s %s\n", t.name.c_str(), shape_text(t.shape).c_str(),
                dtype_name(t.dtype));
}

// Every layer class kerasrt loads, by family: a plain list, JSON, or the Markdown table the
// README embeds (scripts/layer_table.sh; a test fails when the README's copy differs).
void print_layers(bool json, bool markdown) {
  const std::vector<LayerSupport> layers = supported_layers();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const LayerSupport& l : layers)
      out.push_back({{"class_name", l.class_name}, {"family", l.family}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (!markdown) {
    for (const LayerSupport& l : layers)
      std::printf("%-14s %s\n", l.family.c_str(), l.class_name.c_str());
    return;
  }
  std::printf("| family | Keras layer classes (%zu) |\n|---|---|\n", layers.size());
  for (size_t i = 0; i < layers.size();) {
    std::string names;
    size_t j = i;
    for (; j < layers.size() && layers[j].family == layers[i].family; ++j)
      names += (names.empty() ? "" : ", ") + layers[j].class_name;
    std::printf("| %s | %s |\n", layers[i].family.c_str(), names.c_str());
    i = j;
  }
}

}  // namespace

int info(const std::vector<std::string>& raw) {
  Args args(raw);
  const bool json = args.flag("--json");
  if (args.flag("--layers")) {
    const bool markdown = args.flag("--markdown");
    if (!args.positionals().empty()) throw UsageError("info --layers takes no MODEL");
    print_layers(json, markdown);
    return 0;
  }
  const bool expand = args.flag("--expand-nested");
  ModelArgs model_arguments = model_args(args);
  const auto rest = args.positionals();
  if (rest.size() != 1) throw UsageError("info takes one MODEL");
  model_arguments.model = rest[0];
  const Model model = open_model(model_arguments);
  json ? print_json(model) : print_table(model, expand);
  return 0;
}

}  // namespace kerasrt::cli

// `kerasrt info`: the model summary, as a table (like Keras model.summary()) or JSON.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"

namespace kerasrt::cli {
namespace {

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
  for (const std::string& line : summary_lines(model, expand_nested))
    std::printf("%s\n", line.c_str());
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

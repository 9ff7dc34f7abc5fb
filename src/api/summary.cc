// The model summary as text, shared by `kerasrt info` and the Python module's summary().
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  if (shapes.size() == 1) return to_string(shapes[0]);
  std::string text = "[";
  for (size_t i = 0; i < shapes.size(); ++i) text += (i ? ", " : "") + to_string(shapes[i]);
  return text + "]";
}

std::string padded(const std::string& text, size_t width, bool right = false) {
  if (text.size() >= width) return text;
  const std::string pad(width - text.size(), ' ');
  return right ? pad + text : text + pad;
}

}  // namespace

std::string with_commas(int64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::vector<std::string> summary_lines(const Model& model, bool expand_nested) {
  const ModelSummary& s = model.summary();
  const std::string thin(80, '_'), thick(80, '=');
  std::vector<std::string> lines;
  lines.push_back("Model: \"" + s.name + "\" (" + s.class_name + ", Keras " +
                  (s.keras_version.empty() ? "?" : s.keras_version) + ", " + s.format + ")");
  lines.push_back(thin);
  lines.push_back(" " + padded("Layer (type)", 40) + " " + padded("Output Shape", 26) + " " +
                  padded("Param #", 10, true));
  lines.push_back(thick);
  for (const LayerSummary& layer : s.layers) {
    if (layer.depth > 0 && !expand_nested) continue;
    const std::string label = std::string(static_cast<size_t>(layer.depth) * 2, ' ') + layer.name +
                              " (" + layer.class_name + ")";
    lines.push_back(" " + padded(label, 40) + " " + padded(shapes_text(layer.output_shapes), 26) +
                    " " + padded(with_commas(layer.params), 10, true));
  }
  lines.push_back(thick);
  lines.push_back("Total params: " + with_commas(s.total_params));
  lines.push_back("Trainable params: " + with_commas(s.trainable_params));
  lines.push_back("Non-trainable params: " + with_commas(s.total_params - s.trainable_params));
  lines.push_back(thin);
  const auto tensor_line = [&](const char* role, const TensorInfo& t) {
    lines.push_back(std::string(role) + padded(t.name, 24) + " " + padded(to_string(t.shape), 22) +
                    " " + dtype_name(t.dtype));
  };
  for (const TensorInfo& t : model.inputs()) tensor_line("input  ", t);
  for (const TensorInfo& t : model.outputs()) tensor_line("output ", t);
  return lines;
}

}  // namespace kerasrt

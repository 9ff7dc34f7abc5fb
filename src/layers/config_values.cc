#include "layers/config_values.h"

#include "core/limits.h"
#include "kernels/elementwise.h"

namespace kerasrt {
namespace {

void flatten(const Json& value, size_t depth, Array& out, const char* key) {
  if (value.is_number()) {
    if (depth != out.shape.size())
      throw Error(std::string("config '") + key + "' is a ragged list");
    out.values.push_back(value.get<float>());
    return;
  }
  if (!value.is_array() || value.empty())
    throw Error(std::string("config '") + key + "' must be a number or a list of numbers, got " +
                value.dump());
  if (depth == out.shape.size()) {
    if (!out.values.empty()) throw Error(std::string("config '") + key + "' is a ragged list");
    out.shape.push_back(static_cast<int64_t>(value.size()));
  } else if (depth > out.shape.size() || out.shape[depth] != static_cast<int64_t>(value.size())) {
    throw Error(std::string("config '") + key + "' is a ragged list");
  }
  for (const Json& item : value) flatten(item, depth + 1, out, key);
}

}  // namespace

Array config_array(const LayerConfig& config, const char* key) {
  if (!config.has(key)) throw Error(std::string("config '") + key + "' is missing");
  const Json* value = &config.json().at(key);
  if (value->is_object() && value->value("class_name", "") == "__numpy__")
    value = &value->at("config").at("value");
  Array out;
  out.name = key;
  flatten(*value, 0, out, key);
  check_tensor_elements(out.shape, Limits{}, std::string("config '") + key + "'");
  return out;
}

std::vector<float> broadcast_to(const Array& array, const Dims& shape, const std::string& what) {
  bool ok = array.shape.size() <= shape.size();
  for (size_t i = 0; ok && i < array.shape.size(); ++i) {
    const int64_t dim = array.shape[array.shape.size() - 1 - i];
    ok = dim == 1 || dim == shape[shape.size() - 1 - i];
  }
  if (!ok)
    throw Error(what + " of shape " + to_string(array.shape) + " does not broadcast to " +
                to_string(shape));
  std::vector<float> out(static_cast<size_t>(num_elements(shape)), 0.0f);
  broadcast_binary(BinaryOp::kAdd, out.data(), shape, array.values.data(), array.shape, out.data(),
                   shape);
  return out;
}

}  // namespace kerasrt

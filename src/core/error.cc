#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

std::string compose(const std::string& reason, const std::string& layer, const std::string& file) {
  std::string message;
  if (!file.empty()) message += file + ": ";
  if (!layer.empty()) message += "layer " + layer + ": ";
  return message + reason;
}

}  // namespace

Error::Error(std::string reason, std::string layer, std::string file)
    : std::runtime_error(compose(reason, layer, file)),
      reason_(std::move(reason)),
      layer_(std::move(layer)),
      file_(std::move(file)) {}

Error Error::in_file(const std::string& file) const {
  return file_.empty() ? Error(reason_, layer_, file) : *this;
}

Error Error::in_layer(const std::string& layer) const {
  return layer_.empty() ? Error(reason_, layer, file_) : *this;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kFloat16:
      return "float16";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kBool:
      return "bool";
    case DType::kString:
      return "string";
  }
  return "unknown";
}

}  // namespace kerasrt

// Format detection by content: HDF5 signature -> legacy .h5, zip signature -> .keras archive.
#include <fstream>

#include "core/large_buffer.h"
#include "core/limits.h"
#include "format/readers.h"
#include "format/zip_archive.h"
#include "spec/config_reader.h"
#include "spec/legacy_upgrade.h"

namespace kerasrt {
namespace {

bool looks_like_json(std::span<const std::byte> bytes) {
  for (std::byte b : bytes) {
    const char c = static_cast<char>(b);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}

}  // namespace

LoadedSpec read_model_bytes(std::span<const std::byte> bytes, const std::string& name,
                            const LoadOptions& options, std::shared_ptr<const void> keeper) {
  check_limit(bytes.size(), options.limits.max_file_bytes, "max_file_bytes", "the model", "bytes");
  if (h5::has_signature(bytes)) {
    const h5::File file = h5::File::open_memory(bytes, name, options, std::move(keeper));
    LoadedSpec spec = read_legacy_h5(file.root());
    spec.open_file = file.open_file();
    return spec;
  }
  if (ZipArchive::has_signature(bytes)) return read_keras_archive(bytes, options);
  if (looks_like_json(bytes))
    throw Error("this is a JSON file; an architecture JSON needs its weights file (use load_json)");
  if (bytes.empty()) throw Error("the file is empty");
  throw Error("not a Keras model: neither HDF5 (.h5) nor a zip archive (.keras)");
}

LoadedSpec read_json_and_weights(std::string_view json_text, std::span<const std::byte> weights,
                                 const std::string& weights_name, const LoadOptions& options,
                                 std::shared_ptr<const void> keeper) {
  Json root = parse_json(json_text, "the architecture JSON", options.limits);
  if (!root.is_object()) throw Error("the architecture JSON is not an object");
  LoadedSpec spec;
  std::string version = root.contains("keras_version") && root["keras_version"].is_string()
                            ? root["keras_version"].get<std::string>()
                            : "";
  std::string backend = root.contains("backend") && root["backend"].is_string()
                            ? root["backend"].get<std::string>()
                            : "";
  spec.model = read_model_config(root);
  if (!h5::has_signature(weights)) throw Error(weights_name + " is not an HDF5 weights file");
  const h5::File file = h5::File::open_memory(weights, weights_name, options, std::move(keeper));
  const h5::Group weight_root = file.root();
  if (weight_root.has_attribute("layer_names") || weight_root.has_group("model_weights")) {
    spec.format = "json+h5weights";
    attach_legacy_weights(spec.model, weight_root.has_group("model_weights")
                                          ? weight_root.group("model_weights")
                                          : weight_root);
    if (version.empty()) version = weight_root.string_attribute_or_empty("keras_version");
  } else {
    spec.format = "json+weights.h5";
    attach_keras3_weights(spec.model, weight_root);
  }
  if (backend.empty()) backend = weight_root.string_attribute_or_empty("backend");
  spec.keras = parse_keras_version(version, backend, root);
  upgrade_legacy(spec);
  spec.open_file = file.open_file();
  return spec;
}

std::vector<std::byte> read_binary_file(const std::string& path, uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot open the file (missing or unreadable)");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error("cannot read the file (is it a directory?)");
  check_limit(size, max_bytes, "max_file_bytes", "the file", "bytes");
  std::vector<std::byte> bytes;
  reserve_large(bytes, static_cast<size_t>(size));
  bytes.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error("cannot read the file");
  return bytes;
}

std::string read_text_file(const std::string& path, uint64_t max_bytes) {
  const auto bytes = read_binary_file(path, max_bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace kerasrt

// Writes small Keras-layout model files for tests that need hand-made (often broken) models:
// bad-input tests and format-quirk tests. Numerical correctness is never checked against files
// written here; that is what the oracle fixtures and the real Keras files are for.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kerasrt::test {

struct WeightArray {
  std::string name;  // e.g. "dense/kernel:0"
  std::vector<long long> shape;
  std::vector<float> values;
};

// Legacy HDF5 (`model.save("m.h5")` layout): root attributes model_config, keras_version,
// backend; group model_weights with layer_names and per-layer weight_names.
void write_legacy_h5(
    const std::string& path, const nlohmann::json& model_config,
    const std::vector<std::pair<std::string, std::vector<WeightArray>>>& layer_weights,
    const std::string& keras_version = "2.15.0");

// The bytes of an HDF5 file with nothing in it.
std::string empty_h5_bytes();

// A zip archive with the given entries (name -> bytes).
void write_zip(const std::string& path, const std::map<std::string, std::string>& entries);

// A Sequential Dense model config (Keras 2 form): input width `in`, one Dense of `units`.
nlohmann::json dense_model_config(int in, int units, const std::string& extra_layer_class = "");

// A Functional model config (tf.keras 2 form) that reads text: Input "text" of shape (None, width)
// and dtype string -> Hashing(num_bins) -> output "hashing" (one bin per string).
nlohmann::json string_hashing_model_config(int num_bins, int width = 1);

std::string temp_path(const std::string& name);  // a path in a per-process temp directory

}  // namespace kerasrt::test

// Format readers: bytes -> LoadedSpec (config + weights). They know HDF5, zip and JSON, and
// nothing about math.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "format/hdf5.h"
#include "spec/model_spec.h"

namespace kerasrt {

// Readers check sizes against `options.limits` before they allocate (see core/limits.h).

// Detects the format from the content and reads a full model (legacy .h5 or .keras archive).
// `keeper`, when given, keeps `bytes` alive: weights stored as float32 in an HDF5 file are then
// left there (Array::in_file) rather than copied.
LoadedSpec read_model_bytes(std::span<const std::byte> bytes, const std::string& name,
                            const LoadOptions& options = {},
                            std::shared_ptr<const void> keeper = nullptr);

// Architecture JSON text plus a weights file (legacy save_weights .h5, or Keras 3 .weights.h5).
LoadedSpec read_json_and_weights(std::string_view json_text, std::span<const std::byte> weights,
                                 const std::string& weights_name, const LoadOptions& options = {},
                                 std::shared_ptr<const void> keeper = nullptr);

// Legacy HDF5 (Keras 1/2, tf.keras, Keras 3 `model.save("m.h5")`).
LoadedSpec read_legacy_h5(const h5::Group& root);
// Attaches weights stored the legacy way (`layer_names` + per-layer `weight_names`) in `group`
// (`model_weights` of a full model, or the root of a save_weights file).
void attach_legacy_weights(ModelSpec& model, const h5::Group& group);

// tf.keras SavedModel directory (`model.save("dir")` in TensorFlow 2.x): keras_metadata.pb and
// the checkpoint under variables/. A SavedModel without keras_metadata.pb is refused.
LoadedSpec read_savedmodel_dir(const std::string& dir, const LoadOptions& options = {});

// Keras 3 `.keras` archive.
LoadedSpec read_keras_archive(std::span<const std::byte> bytes, const LoadOptions& options = {});
// Attaches weights stored the Keras 3 way (`layers/<key>/vars/<i>`), as in model.weights.h5
// inside a .keras archive and in `.weights.h5` files.
void attach_keras3_weights(ModelSpec& model, const h5::Group& root);

// Whole files; a file larger than `max_bytes` is refused before it is read
// (Limits::max_file_bytes).
std::string read_text_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);
std::vector<std::byte> read_binary_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);

}  // namespace kerasrt

// Turns a Keras model config (the `model_config` HDF5 attribute, `config.json` of a .keras
// archive, or `model.to_json()`) of any Keras version into a ModelSpec. All differences
// between Keras 1, 2 and 3 config forms are resolved here and nowhere else.
#pragma once

#include "spec/model_spec.h"

namespace kerasrt {

// Parses and validates JSON text (Limits::max_json_bytes and max_json_depth apply).
Json parse_json(std::string_view text, const std::string& what, const Limits& limits = {});

// Reads "2.15.0", "2.2.4-tf", "3.3.3", ... (empty: guessed from the config's form).
KerasVersion parse_keras_version(const std::string& text, const std::string& backend,
                                 const Json& config);

ModelSpec read_model_config(const Json& config);

// Keras 3's key for a layer in a weights file: snake_case of the class name.
std::string snake_case(const std::string& class_name);

}  // namespace kerasrt

// Helpers for unit tests of single layers: build a layer through the registry as the graph
// builder does, and check error messages.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "layers/registry.h"
#include "test_util.h"

namespace kerasrt::test {

using Json = nlohmann::json;

// Builds `class_name` with `config` for static `inputs`, taking `weights` in order.
std::unique_ptr<Layer> build_layer(const std::string& class_name, const Json& config,
                                   const std::vector<Dims>& inputs, std::vector<Array> weights = {},
                                   int keras_major = 2);

// The message of the kerasrt::Error `body` throws ("" if none).
std::string error_of(const std::function<void()>& body);

#define EXPECT_ERROR(body, text)                                              \
  do {                                                                        \
    const std::string message = error_of([&] { body; });                      \
    EXPECT_NE(message.find(text), std::string::npos) << "error: " << message; \
  } while (0)

// A weight array of `shape` with every element `value`.
Array filled(const Dims& shape, float value);

// Runs a one-input, one-output layer by hand (no plan: a layer that prepares state makes it for
// this call) on `input` of shape `in_shape`; the output starts as -999 everywhere.
std::vector<float> run_layer(const Layer& layer, const Dims& in_shape,
                             const std::vector<float>& input);

}  // namespace kerasrt::test

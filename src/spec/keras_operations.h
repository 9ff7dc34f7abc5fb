// Keras 3 records a backend operation applied to symbolic tensors (`x + 3.0`, `ops.mean(x, 1)`,
// `x[:, 0]`) as an operation entry among the layers of a functional config: module
// "keras.src.ops.<family>", the Operation class ("Add", "Mean", "GetItem"), its constructor
// arguments as config, and each call as {"args": [...], "kwargs": {...}} with tensors as
// "__keras_tensor__" objects (keras/src/models/functional.py serialize_node). It is the Keras 3
// counterpart of tf.keras 2's TFOpLambda, and kerasrt computes it the same way: each supported
// operation is translated to the TensorFlow function with the same math and its call written
// in the TFOpLambda form (see tf_op_calls.h), so one set of layers serves both.
#pragma once

#include <string>
#include <vector>

#include "spec/model_spec.h"

namespace kerasrt {

// Class names given to operation entries: "ops." + the Operation class, so that they never
// collide with the layer of the same name (the Add operation is not the Add layer).
constexpr const char* kOperationPrefix = "ops.";

bool is_keras_operation(const Json& entry);

// Fills `layer` (name already set) from an operation entry: class_name "ops.<Class>" and, for a
// supported operation, config {"name", "function", "kerasrt_call"} and the calls' tensors.
// Throws Error naming the layer when a supported operation has arguments kerasrt cannot honour.
void read_keras_operation(const Json& entry, LayerSpec& layer);

// Why an "ops.<Class>" layer cannot load, or "" when it can (or it is not an operation).
std::string keras_operation_unsupported_reason(const std::string& class_name);

// The Operation classes kerasrt computes, sorted.
std::vector<std::string> supported_keras_operations();

}  // namespace kerasrt

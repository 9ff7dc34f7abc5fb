// The executable graph: built once from a ModelSpec, immutable afterwards. Nested models are
// inlined, shared layers appear as several nodes pointing at one Layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"
#include "layers/layer.h"
#include "spec/model_spec.h"

namespace kerasrt {

struct Node {
  std::shared_ptr<const Layer> layer;
  std::string name;        // path for messages: "outer_model/inner_layer"
  std::string class_name;
  std::vector<int> inputs;   // tensor ids
  std::vector<int> outputs;  // tensor ids
};

struct Graph {
  std::vector<Node> nodes;          // in execution (topological) order
  std::vector<Dims> static_shapes;  // per tensor id, kAnyDim where unknown
  std::vector<int> inputs, outputs;  // tensor ids of the model's inputs and outputs
  std::vector<TensorInfo> input_info, output_info;
  ModelSummary summary;
};

// Builds the executable graph: instantiates and validates every layer, distributes weights,
// infers static shapes. Throws Error naming the layer; every unsupported layer type is listed
// in one error.
Graph build_graph(const LoadedSpec& spec);

}  // namespace kerasrt

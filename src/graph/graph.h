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
  std::string name;  // path for messages: "outer_model/inner_layer"
  std::string class_name;
  std::vector<int> inputs;   // tensor ids
  std::vector<int> outputs;  // tensor ids
};

struct Graph {
  std::vector<Node> nodes;           // in execution (topological) order
  std::vector<Dims> static_shapes;   // per tensor id, kAnyDim where unknown
  std::vector<int> inputs, outputs;  // tensor ids of the model's inputs and outputs
  std::vector<TensorInfo> input_info, output_info;
  ModelSummary summary;
};

// Builds the executable graph: instantiates and validates every layer, distributes weights,
// infers static shapes. Throws Error naming the layer; every unsupported layer type is listed
// in one error.
// Limits::max_graph_nodes, max_nesting_depth, max_total_parameters, max_tensor_elements and
// max_name_bytes are checked here (see check_graph_limits in builder.cc).
Graph build_graph(const LoadedSpec& spec, const Limits& limits = {});

}  // namespace kerasrt

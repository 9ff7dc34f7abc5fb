// The executable graph: built once from a ModelSpec, immutable afterwards. Nested models are
// inlined, shared layers appear as several nodes pointing at one Layer.
#pragma once

#include <memory>
#include <optional>
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

// A layer that runs on strings at the graph's edge (see StringEncoder in layers/layer.h).
struct StringEdge {
  std::shared_ptr<const Layer> layer;
  std::string name;  // as Node::name
  std::string class_name;
};

// Where one of the graph's float inputs comes from: a model input as the caller gives it, or
// the floats `encoder` makes of a string model input.
struct Feed {
  int model_input = 0;  // index into Graph::input_info
  std::optional<StringEdge> encoder;
};

struct Graph {
  std::vector<Node> nodes;           // in execution (topological) order
  std::vector<Dims> static_shapes;   // per tensor id, kAnyDim where unknown
  std::vector<int> inputs, outputs;  // ids of the float tensors the graph reads and writes
  std::vector<Feed> feeds;           // per graph input: what feeds it
  // Per graph output: the layer that turns it into the model's string output, if any.
  std::vector<std::optional<StringEdge>> decoders;
  std::vector<TensorInfo> input_info, output_info;  // the model's inputs and outputs
  ModelSummary summary;

  // True when the graph's inputs and outputs are the model's, one to one (no strings).
  bool float_only() const;
};

// Builds the executable graph: instantiates and validates every layer, distributes weights,
// infers static shapes. Throws Error naming the layer; every unsupported layer type is listed
// in one error.
// Limits::max_graph_nodes, max_nesting_depth, max_total_parameters, max_tensor_elements and
// max_name_bytes are checked here (see check_graph_limits in builder.cc).
Graph build_graph(LoadedSpec spec, const Limits& limits = {});

}  // namespace kerasrt

// The model description a format reader produces: pure data, no math. Keras 1/2/3 config
// differences are already normalised (see config_reader.h); weights are attached per layer.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasrt {

using Json = nlohmann::json;

// Output `tensor` of call number `node` of layer `layer` (Keras's keras_history triple).
struct InboundRef {
  std::string layer;
  int node = 0;
  int tensor = 0;
};

// One call of a layer in a functional graph: its tensor arguments in order, and the
// non-tensor keyword arguments Keras recorded.
struct LayerCall {
  std::vector<InboundRef> inputs;
  Json kwargs = Json::object();
  // Keyword arguments that carry tensors (Keras 3 `initial_state=`, `mask=`, ...): their names,
  // and their tensors in the same order.
  std::vector<std::string> tensor_kwarg_names;
  std::vector<InboundRef> tensor_kwargs;
};

struct ModelSpec;

struct LayerSpec {
  std::string class_name;  // canonical Keras class name
  std::string name;
  Json config = Json::object();  // normalised config of the layer
  bool trainable = true;
  std::vector<LayerCall> calls;  // functional models only
  // Weights in Keras order (trainable then non-trainable, as `layer.weights`). For a nested
  // model read from legacy HDF5 this is the model's flat list; the graph builder distributes
  // it over the sublayers.
  std::vector<Array> weights;
  std::shared_ptr<ModelSpec> model;  // set when this layer is itself a model
  // Files a .keras archive holds for the layer under assets/<layer path>/ (StringLookup's
  // vocabulary.txt, ...), by file name.
  std::map<std::string, std::string> assets{};
};

struct ModelSpec {
  std::string name;
  std::string class_name;  // "Sequential" or "Functional"
  bool trainable = true;
  std::vector<LayerSpec> layers;
  std::vector<InboundRef> inputs;   // functional models only
  std::vector<InboundRef> outputs;  // functional models only
};

// What the file says about the Keras that wrote it; some semantics depend on it.
struct KerasVersion {
  std::string text;  // e.g. "2.15.0", "2.2.4-tf", "3.3.3"; empty if the file does not say
  int major = 2;
  std::string backend;  // "tensorflow", "theano", ...
};

struct LoadedSpec {
  ModelSpec model;
  KerasVersion keras;
  std::string format;  // "h5", "keras", "json+h5weights", "json+weights.h5"
  // What the reader left open (an HDF5 file, with the objects it read), for the loader to close
  // beside building the graph; it reads the model's bytes, which must outlive it. May be null.
  std::shared_ptr<const void> open_file;
};

}  // namespace kerasrt

// ModelSpec -> Graph. Walks Sequential and Functional models (nested ones inlined), builds each
// layer once (shared layers are reused), infers static shapes, hands every layer its weights,
// and wires Keras masks between the nodes that make, pass or read them.
#include <algorithm>
#include <map>
#include <set>

#include "core/limits.h"
#include "graph/graph.h"
#include "layers/registry.h"
#include "layers/tf_op_lambda.h"
#include "spec/keras_operations.h"

namespace kerasrt {
namespace {

bool is_input_layer(const LayerSpec& layer) { return layer.class_name == "InputLayer"; }

DType dtype_from(const Json& config) {
  const std::string name =
      config.is_object() ? config.value("dtype", std::string("float32")) : "float32";
  if (name == "float32" || name.find("float") != std::string::npos) return DType::kFloat32;
  if (name == "int32" || name == "int8" || name == "int16" || name == "uint8") return DType::kInt32;
  if (name == "int64") return DType::kInt64;
  if (name == "bool") return DType::kBool;
  if (name == "string") return DType::kString;
  return DType::kFloat32;
}

Dims input_shape_of(const LayerSpec& input) {
  const LayerConfig config(input.config);
  if (config.has("batch_input_shape")) return config.get_int_list("batch_input_shape");
  if (config.has("input_shape")) {
    Dims dims{kAnyDim};
    for (int64_t d : config.get_int_list("input_shape")) dims.push_back(d);
    return dims;
  }
  throw Error("the InputLayer has no shape", input.name);
}

// Explains why a class cannot be loaded, or returns "" when it can.
std::string unsupported_reason(const std::string& class_name, const Registry& registry) {
  if (class_name == "Lambda")
    return "a Lambda layer holds Python code; kerasrt never runs code from a model file";
  if (class_name.rfind("custom:", 0) == 0)
    return "custom layer '" + class_name.substr(7) +
           "' is user code; kerasrt never runs code from a model file";
  if (class_name == "InputLayer" || registry.find(class_name)) return "";
  return "layer type '" + class_name + "' is not supported";
}

void find_unsupported(const ModelSpec& model, const Registry& registry, const std::string& prefix,
                      std::vector<std::string>& problems) {
  for (const LayerSpec& layer : model.layers) {
    if (layer.model) {
      find_unsupported(*layer.model, registry, prefix + layer.name + "/", problems);
      continue;
    }
    std::string reason = keras_operation_unsupported_reason(layer.class_name);
    if (reason.empty()) reason = tf_op_unsupported_reason(layer.class_name, layer.config);
    if (reason.empty()) reason = unsupported_reason(layer.class_name, registry);
    // Wrappers (Bidirectional, TimeDistributed) name their inner layer in the config.
    if (reason.empty() && layer.config.contains("layer") && layer.config["layer"].is_object()) {
      const Json& inner = layer.config["layer"];
      reason = unsupported_reason(inner.value("class_name", std::string("?")), registry);
      if (!reason.empty()) reason = "wraps an unsupported layer: " + reason;
    }
    if (!reason.empty())
      problems.push_back("'" + prefix + layer.name + "' (" + layer.class_name + "): " + reason);
  }
}

struct WeightSlot {
  const LayerSpec* layer;
  size_t index;
};

class Builder {
 public:
  Builder(const Registry& registry, int keras_major, bool declaring)
      : registry_(registry), keras_major_(keras_major), declaring_(declaring) {}

  Graph graph;

  // Runs `model` on `given` tensors (nested call) or on fresh input tensors (top level).
  std::vector<int> run_model(const ModelSpec& model, const std::vector<int>* given,
                             const std::string& prefix, int depth) {
    return model.class_name == "Sequential" ? run_sequential(model, given, prefix, depth)
                                            : run_functional(model, given, prefix, depth);
  }

  const std::map<const LayerSpec*, std::vector<WeightDecl>>& declared() const { return declared_; }

  // Takes the weights out of `model` (and its nested models), so that layers get them without
  // a copy.
  void own_weights(ModelSpec& model) {
    for (LayerSpec& layer : model.layers) {
      if (!layer.weights.empty()) weights_[&layer] = std::move(layer.weights);
      layer.weights.clear();
      if (layer.model) own_weights(*layer.model);
    }
  }

 private:
  int add_tensor(Dims shape) {
    graph.static_shapes.push_back(std::move(shape));
    return static_cast<int>(graph.static_shapes.size() - 1);
  }

  int add_model_input(const LayerSpec& input) {
    const Dims shape = input_shape_of(input);
    if (shape.empty()) throw Error("the InputLayer has an empty shape", input.name);
    const int tensor = add_tensor(shape);
    const DType dtype = dtype_from(input.config);
    const int index = static_cast<int>(graph.input_info.size());
    graph.input_info.push_back({input.name, shape, dtype});
    if (dtype == DType::kString) {
      string_inputs_[tensor] = index;
    } else {
      graph.inputs.push_back(tensor);
      graph.feeds.push_back({index, std::nullopt});
    }
    return tensor;
  }

  // A call of a layer on a string model input: the floats its encoder makes become a graph
  // input (see StringEncoder).
  std::vector<int> encode_at_edge(const std::shared_ptr<const Layer>& layer, const LayerSpec& spec,
                                  const std::vector<int>& inputs, const std::string& name) {
    const StringEncoder* encoder = layer->string_encoder();
    if (!encoder) throw Error("does not take strings, but its input is a string input");
    if (inputs.size() != 1) throw Error("takes strings from one input only");
    const auto source = string_inputs_.find(inputs[0]);
    if (source == string_inputs_.end())
      throw Error(
          "reads strings made by another layer; kerasrt reads strings only from a "
          "model's string inputs");
    const int tensor = add_tensor(encoder->encoded_shape(graph.static_shapes[size_t(inputs[0])]));
    graph.inputs.push_back(tensor);
    graph.feeds.push_back({source->second, StringEdge{layer, name, spec.class_name}});
    return {tensor};
  }

  // A call of a layer that writes strings: its output is a string tensor made after the graph
  // from the layer's float input, so it may only be a model output (checked by finish()).
  std::vector<int> decode_at_edge(const std::shared_ptr<const Layer>& layer, const LayerSpec& spec,
                                  const std::vector<int>& inputs, const std::string& name) {
    if (inputs.size() != 1) throw Error("writes strings from one input only");
    std::vector<Dims> shapes{graph.static_shapes[size_t(inputs[0])]};
    const int tensor = add_tensor(layer->output_shapes(shapes).at(0));
    decoded_.emplace(tensor, std::make_pair(inputs[0], StringEdge{layer, name, spec.class_name}));
    return {tensor};
  }

 public:
  // Sets the graph's outputs: a string output becomes its decoder's float input.
  void finish(const std::vector<int>& outputs) {
    for (int t : outputs) {
      if (string_inputs_.count(t))
        throw Error("a model output is the string input '" +
                    graph.input_info[size_t(string_inputs_.at(t))].name +
                    "' itself; kerasrt gives strings only as made by a layer such as "
                    "StringLookup(invert=True)");
      const auto decoded = decoded_.find(t);
      graph.outputs.push_back(decoded == decoded_.end() ? t : decoded->second.first);
      graph.decoders.push_back(decoded == decoded_.end()
                                   ? std::nullopt
                                   : std::optional<StringEdge>(decoded->second.second));
    }
  }

 private:
  std::vector<int> run_sequential(const ModelSpec& model, const std::vector<int>* given,
                                  const std::string& prefix, int depth) {
    std::vector<int> current;
    if (given) {
      current = *given;
    } else {
      if (model.layers.empty() || !is_input_layer(model.layers.front()))
        throw Error("the Sequential model has no input shape (it was never built)");
      current = {add_model_input(model.layers.front())};
    }
    for (const LayerSpec& layer : model.layers) {
      if (is_input_layer(layer)) continue;
      current = call(layer, current, prefix, depth);
    }
    return current;
  }

  std::vector<int> run_functional(const ModelSpec& model, const std::vector<int>* given,
                                  const std::string& prefix, int depth) {
    std::map<std::string, const LayerSpec*> by_name;
    for (const LayerSpec& layer : model.layers) by_name[layer.name] = &layer;
    // Outputs of each call: produced[{layer, call index}] = tensor ids.
    std::map<std::pair<std::string, int>, std::vector<int>> produced;

    if (given && given->size() != model.inputs.size())
      throw Error("model '" + model.name + "' takes " + std::to_string(model.inputs.size()) +
                  " input(s), got " + std::to_string(given->size()));
    for (size_t i = 0; i < model.inputs.size(); ++i) {
      const InboundRef& ref = model.inputs[i];
      auto it = by_name.find(ref.layer);
      if (it == by_name.end() || !is_input_layer(*it->second))
        throw Error("model input '" + ref.layer + "' is not an InputLayer of the model");
      produced[{ref.layer, 0}] = {given ? (*given)[i] : add_model_input(*it->second)};
    }

    struct Pending {
      const LayerSpec* layer;
      int call;
    };
    std::vector<Pending> pending;
    for (const LayerSpec& layer : model.layers)
      if (!is_input_layer(layer))
        for (size_t c = 0; c < layer.calls.size(); ++c)
          pending.push_back({&layer, static_cast<int>(c)});

    const auto resolve = [&](const InboundRef& ref, int& tensor) {
      auto layer = by_name.find(ref.layer);
      const int node = ref.node - (layer != by_name.end() ? first_call_index(*layer->second) : 0);
      auto it = produced.find({ref.layer, node});
      if (it == produced.end()) return false;
      if (ref.tensor >= static_cast<int>(it->second.size()))
        throw Error("refers to output " + std::to_string(ref.tensor) + " of '" + ref.layer +
                    "', which has only " + std::to_string(it->second.size()));
      tensor = it->second[static_cast<size_t>(ref.tensor)];
      return true;
    };

    while (!pending.empty()) {
      std::vector<Pending> waiting;
      for (const Pending& p : pending) {
        const LayerCall& call_spec = p.layer->calls[static_cast<size_t>(p.call)];
        // Keras 3 passes an RNN's initial states as the `initial_state` keyword; they follow
        // the sequence as extra inputs, where Keras 2 files put them.
        std::vector<InboundRef> refs = call_spec.inputs;
        for (size_t k = 0; k < call_spec.tensor_kwargs.size(); ++k) {
          if (call_spec.tensor_kwarg_names[k] != "initial_state")
            throw Error("is called with a tensor as keyword argument '" +
                            call_spec.tensor_kwarg_names[k] + "', which is not supported yet",
                        prefix + p.layer->name);
          refs.push_back(call_spec.tensor_kwargs[k]);
        }
        std::vector<int> inputs(refs.size());
        bool ready = true;
        for (size_t i = 0; i < inputs.size() && ready; ++i) {
          try {
            ready = resolve(refs[i], inputs[i]);
          } catch (const Error& e) {
            throw e.in_layer(prefix + p.layer->name);
          }
        }
        if (!ready) {
          waiting.push_back(p);
          continue;
        }
        produced[{p.layer->name, p.call}] = call(*p.layer, inputs, prefix, depth);
      }
      if (waiting.size() == pending.size()) {
        const Pending& stuck = waiting.front();
        const LayerCall& stuck_call = stuck.layer->calls[static_cast<size_t>(stuck.call)];
        std::vector<InboundRef> refs = stuck_call.inputs;
        refs.insert(refs.end(), stuck_call.tensor_kwargs.begin(), stuck_call.tensor_kwargs.end());
        for (const InboundRef& ref : refs) {
          int unused;
          if (!resolve(ref, unused))
            throw Error("needs call " + std::to_string(ref.node) + " of layer '" + ref.layer +
                            "', which nothing produces (unknown layer, bad node index, or a cycle)",
                        prefix + stuck.layer->name);
        }
      }
      pending = std::move(waiting);
    }

    std::vector<int> outputs;
    for (const InboundRef& ref : model.outputs) {
      int tensor;
      if (!resolve(ref, tensor))
        throw Error("model output '" + ref.layer + "' (call " + std::to_string(ref.node) +
                    ") is never computed");
      outputs.push_back(tensor);
    }
    return outputs;
  }

  // Keras numbers a nested model's calls from 1 when the model has a built-in first node
  // linking its own inputs to its outputs: in Keras 3 every Functional model (not Sequential);
  // in Keras 2 every model that starts with an InputLayer (tf.keras `_should_skip_first_node`).
  int first_call_index(const LayerSpec& layer) const {
    if (!layer.model) return 0;
    if (keras_major_ >= 3) return layer.model->class_name == "Functional" ? 1 : 0;
    return !layer.model->layers.empty() && is_input_layer(layer.model->layers.front()) ? 1 : 0;
  }

  std::vector<int> call(const LayerSpec& spec, const std::vector<int>& inputs,
                        const std::string& prefix, int depth) {
    if (spec.model) {
      const bool first = summarized_.insert(&spec).second;
      size_t row = graph.summary.layers.size();
      if (first)
        graph.summary.layers.push_back({spec.name, spec.model->class_name, {}, 0, 0, depth});
      if (first && weights_.count(&spec)) distribute_nested_weights(spec, inputs, prefix);
      std::vector<int> outputs =
          run_model(*spec.model, &inputs, prefix + spec.name + "/", depth + 1);
      if (first) {
        LayerSummary& summary = graph.summary.layers[row];
        for (size_t r = row + 1; r < graph.summary.layers.size(); ++r)
          if (graph.summary.layers[r].depth == depth + 1) {
            summary.params += graph.summary.layers[r].params;
            summary.trainable_params += graph.summary.layers[r].trainable_params;
          }
        for (int t : outputs)
          summary.output_shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
      }
      return outputs;
    }

    std::vector<Dims> input_shapes;
    for (int t : inputs) input_shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
    const std::string name = prefix + spec.name;
    const bool first_call = !built_.count(&spec);
    if (!reads_strings(spec.class_name) &&
        std::any_of(inputs.begin(), inputs.end(), [&](int t) { return string_inputs_.count(t); }))
      throw Error("does not take strings, but its input is a string input",
                  name + " (" + spec.class_name + ")");
    const std::shared_ptr<const Layer> layer = layer_for(spec, input_shapes, name, depth);
    if (std::vector<int> edge = call_at_edge(layer, spec, inputs, name); !edge.empty()) {
      if (first_call) record_output_shapes(spec, edge);
      return edge;
    }
    std::vector<Dims> output_shapes;
    std::vector<int> node_inputs;
    try {
      node_inputs = with_input_masks(*layer, inputs, name);
      std::vector<Dims> node_shapes;
      for (int t : node_inputs) node_shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
      output_shapes = layer->output_shapes(node_shapes);
    } catch (const Error& e) {
      throw e.in_layer(name + " (" + spec.class_name + ")");
    }
    Node node{layer, name, spec.class_name, node_inputs, {}};
    for (Dims& shape : output_shapes) node.outputs.push_back(add_tensor(std::move(shape)));
    std::vector<int> outputs = node.outputs;
    graph.nodes.push_back(std::move(node));
    try {
      propagate_masks(*layer, spec.class_name, name, inputs, outputs);
    } catch (const Error& e) {
      throw e.in_layer(name + " (" + spec.class_name + ")");
    }
    if (first_call) record_output_shapes(spec, outputs);
    return outputs;
  }

  void record_output_shapes(const LayerSpec& spec, const std::vector<int>& outputs) {
    LayerSummary& summary = graph.summary.layers[summary_row_.at(&spec)];
    for (int t : outputs)
      summary.output_shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
  }

  // A call that runs on strings at the graph's edge (see StringEncoder): its output tensors,
  // or none when the call is an ordinary node.
  std::vector<int> call_at_edge(const std::shared_ptr<const Layer>& layer, const LayerSpec& spec,
                                const std::vector<int>& inputs, const std::string& name) {
    try {
      for (int t : inputs)
        if (const auto d = decoded_.find(t); d != decoded_.end())
          throw Error("reads the strings that layer '" + d->second.second.name +
                      "' writes; kerasrt gives strings only as model outputs");
      if (std::any_of(inputs.begin(), inputs.end(),
                      [&](int t) { return string_inputs_.count(t) > 0; }))
        return encode_at_edge(layer, spec, inputs, name);
      if (!layer->numeric_input())
        throw Error("reads strings, but its input is not a string model input");
      if (layer->string_decoder()) return decode_at_edge(layer, spec, inputs, name);
      return {};
    } catch (const Error& e) {
      throw e.in_layer(name + " (" + spec.class_name + ")");
    }
  }

  std::shared_ptr<const Layer> layer_for(const LayerSpec& spec,
                                         const std::vector<Dims>& input_shapes,
                                         const std::string& name, int depth) {
    auto it = built_.find(&spec);
    if (it != built_.end()) return it->second;
    const LayerConfig config(spec.config);
    WeightReader weights = declaring_ ? WeightReader::declaring(spec.trainable, declare_budget_)
                                      : WeightReader(take_weights(spec), spec.trainable);
    const BuildContext context{spec.class_name, name,         config,
                               input_shapes,    weights,      registry_,
                               keras_major_,    &spec.assets, /*packed_after_build=*/true};
    std::shared_ptr<const Layer> layer = registry_.build(context);
    if (declaring_) {
      declared_[&spec] = weights.taken();
      declare_budget_ -= weights.params();
    }
    summary_row_[&spec] = graph.summary.layers.size();
    graph.summary.layers.push_back(
        {spec.name, spec.class_name, {}, weights.params(), weights.trainable_params(), depth});
    built_[&spec] = layer;
    return layer;
  }

  // Keras's legacy order of a layer's weights: `layer.trainable_weights` followed by
  // `layer.non_trainable_weights`, where a frozen layer or model counts all of its weights
  // (its children's `weights`, in layer order) as non-trainable.
  void split_weights(const LayerSpec& spec,
                     const std::map<const LayerSpec*, std::vector<WeightDecl>>& declared,
                     std::set<const LayerSpec*>& seen, std::vector<WeightSlot>& trainable,
                     std::vector<WeightSlot>& non_trainable) const {
    if (!seen.insert(&spec).second) return;
    if (spec.model) {
      const bool model_trainable = spec.trainable && spec.model->trainable;
      for (const LayerSpec& child : spec.model->layers) {
        std::vector<WeightSlot> child_trainable, child_non_trainable;
        split_weights(child, declared, seen, child_trainable, child_non_trainable);
        std::vector<WeightSlot>& first = model_trainable ? trainable : non_trainable;
        first.insert(first.end(), child_trainable.begin(), child_trainable.end());
        non_trainable.insert(non_trainable.end(), child_non_trainable.begin(),
                             child_non_trainable.end());
      }
      return;
    }
    auto it = declared.find(&spec);
    if (it == declared.end()) return;
    for (size_t i = 0; i < it->second.size(); ++i)
      if (it->second[i].trainable)
        (spec.trainable ? trainable : non_trainable).push_back({&spec, i});
    for (size_t i = 0; i < it->second.size(); ++i)
      if (!it->second[i].trainable) non_trainable.push_back({&spec, i});
  }

  // The file's weights of `spec`, or those dealt to it from its nested model's flat list.
  std::vector<Array> take_weights(const LayerSpec& spec) {
    const auto it = weights_.find(&spec);
    if (it == weights_.end()) return {};
    std::vector<Array> weights = std::move(it->second);
    weights_.erase(it);
    return weights;
  }

  // Legacy HDF5 stores a nested model's weights as one flat list; learn each sublayer's
  // weights by building the nested model once in declaring mode, then deal the list out.
  void distribute_nested_weights(const LayerSpec& spec, const std::vector<int>& inputs,
                                 const std::string& prefix) {
    std::vector<Array> flat = take_weights(spec);
    Builder probe(registry_, keras_major_, /*declaring=*/true);
    probe.declare_budget_ = 0;  // the probe may declare no more values than the file holds
    for (const Array& array : flat)
      probe.declare_budget_ += static_cast<int64_t>(array.floats().size());
    std::vector<int> probe_inputs;
    for (int t : inputs)
      probe_inputs.push_back(probe.add_tensor(graph.static_shapes[static_cast<size_t>(t)]));
    probe.run_model(*spec.model, &probe_inputs, prefix + spec.name + "/", 0);

    std::set<const LayerSpec*> seen;
    std::vector<WeightSlot> order, non_trainable;
    split_weights(spec, probe.declared(), seen, order, non_trainable);
    order.insert(order.end(), non_trainable.begin(), non_trainable.end());
    if (order.size() != flat.size())
      throw Error("the nested model needs " + std::to_string(order.size()) +
                      " weights, the file has " + std::to_string(flat.size()),
                  prefix + spec.name);
    for (const auto& [layer, decls] : probe.declared()) weights_[layer].resize(decls.size());
    for (size_t i = 0; i < order.size(); ++i)
      weights_[order[i].layer][order[i].index] = std::move(flat[i]);
  }

  // --- Keras masks (see MaskRule in layers/layer.h): masks_ maps a tensor to its mask tensor.

  // The inputs of a node of `layer`: `inputs`, then for a mask-consuming layer one mask per
  // input when any input has one (an all-ones mask stands in for a missing one).
  std::vector<int> with_input_masks(const Layer& layer, const std::vector<int>& inputs,
                                    const std::string& name) {
    const auto has_mask = [&](int t) { return masks_.count(t) > 0; };
    if (!layer.consumes_masks() || std::none_of(inputs.begin(), inputs.end(), has_mask))
      return inputs;
    std::vector<int> node_inputs = inputs;
    for (int t : inputs)
      node_inputs.push_back(has_mask(t)
                                ? masks_.at(t)
                                : add_mask_node(make_all_ones_mask(), name + "/ones_mask", {t}));
    return node_inputs;
  }

  // Records the masks of a node's outputs by the layer's rules. A mask the layer produces is
  // its last output: it is taken off `outputs`.
  void propagate_masks(const Layer& layer, const std::string& class_name, const std::string& name,
                       const std::vector<int>& inputs, std::vector<int>& outputs) {
    if (layer.output_mask(0) == MaskRule::kProduce) {
      masks_[outputs.front()] = outputs.back();
      outputs.pop_back();
    }
    std::vector<bool> has_mask;
    for (int t : inputs) has_mask.push_back(masks_.count(t) > 0);
    if (std::find(has_mask.begin(), has_mask.end(), true) == has_mask.end()) return;
    for (size_t o = 0; o < outputs.size(); ++o) {
      MaskRule rule = layer.output_mask(o);
      if (rule == MaskRule::kKerasDefault)
        rule = o == 0 && supports_masking(class_name) ? MaskRule::kKeep : MaskRule::kNone;
      if (rule == MaskRule::kKeep && has_mask[0]) masks_[outputs[o]] = masks_.at(inputs[0]);
      if (rule != MaskRule::kCombine) continue;
      std::vector<Dims> shapes;
      for (int t : inputs) shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
      std::unique_ptr<Layer> combiner = layer.mask_combiner(shapes, has_mask);
      if (!combiner) continue;
      std::vector<int> combiner_inputs;
      for (int t : inputs)
        if (masks_.count(t)) combiner_inputs.push_back(masks_.at(t));
      combiner_inputs.insert(combiner_inputs.end(), inputs.begin(), inputs.end());
      masks_[outputs[o]] =
          add_mask_node(std::move(combiner), name + "/mask", std::move(combiner_inputs));
    }
  }

  // Adds an internal node computing one mask; returns the mask's tensor id.
  int add_mask_node(std::unique_ptr<Layer> layer, const std::string& name,
                    std::vector<int> inputs) {
    std::vector<Dims> shapes;
    for (int t : inputs) shapes.push_back(graph.static_shapes[static_cast<size_t>(t)]);
    std::vector<Dims> out = layer->output_shapes(shapes);
    if (out.size() != 1) throw Error("internal: a mask node must have one output");
    const int mask = add_tensor(std::move(out.front()));
    graph.nodes.push_back(Node{std::move(layer), name, "mask", std::move(inputs), {mask}});
    return mask;
  }

  const Registry& registry_;
  int keras_major_;
  bool declaring_;
  int64_t declare_budget_ = kMaxTensorElements;  // values a declaring builder may still hand out
  std::map<int, int> masks_;
  std::map<int, int> string_inputs_;  // string model input tensor -> index into input_info
  std::map<int, std::pair<int, StringEdge>> decoded_;  // string tensor -> its float input, decoder
  std::map<const LayerSpec*, std::shared_ptr<const Layer>> built_;
  // Every layer's weights, moved out of the spec (see own_weights), until its layer takes them.
  std::map<const LayerSpec*, std::vector<Array>> weights_;
  std::map<const LayerSpec*, std::vector<WeightDecl>> declared_;
  std::set<const LayerSpec*> summarized_;
  std::map<const LayerSpec*, size_t> summary_row_;
};

// Keras names outputs after their layers, numbering repeats: "lstm", "lstm_1", ...
std::vector<std::string> output_names(const ModelSpec& model, const Graph& graph) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    std::string name = model.class_name == "Sequential"
                           ? model.layers.back().name
                           : (i < model.outputs.size() ? model.outputs[i].layer : "output");
    const int count = seen[name]++;
    names.push_back(count ? name + "_" + std::to_string(count) : name);
  }
  return names;
}

// Checks before anything is built, on the spec alone (Limits in kerasrt.h, errors in
// core/limits.h). Returns the number of layer calls once nested models are inlined: a nested
// model called twice, inside one called twice, ... doubles each time, so a small file can
// describe a huge graph. Also refuses input shapes with negative dimensions and input dtypes
// that are neither numbers nor strings.
int64_t check_spec(const ModelSpec& model, const Limits& limits, int depth,
                   const std::string& path) {
  check_limit(depth, limits.max_nesting_depth, "max_nesting_depth",
              "the nesting of models at '" + path + "'", "levels");
  const int64_t cap =
      limits.max_graph_nodes + 1;  // saturate: the exact count beyond the limit does not matter
  int64_t calls_total = 0;
  for (const LayerSpec& layer : model.layers) {
    check_limit(layer.name.size(), limits.max_name_bytes, "max_name_bytes",
                "the name of a layer in '" + path + "'", "bytes");
    if (is_input_layer(layer)) {
      for (const char* key : {"batch_input_shape", "input_shape"})
        if (layer.config.contains(key) && layer.config[key].is_array())
          for (const Json& d : layer.config[key])
            if (d.is_number() && d.get<double>() < -1)
              throw Error(
                  "the input shape " + layer.config[key].dump() + " has a negative dimension",
                  path + layer.name);
      const Json dtype_json = layer.config.value("dtype", Json());
      const std::string dtype = dtype_json.is_string() ? dtype_json.get<std::string>() : "";
      const bool known = dtype.empty() || dtype.find("float") != std::string::npos ||
                         dtype.find("int") != std::string::npos || dtype == "bool" ||
                         dtype == "half" || dtype == "double" || dtype == "string";
      if (!known)
        throw Error(
            "the input has dtype '" + dtype + "'; kerasrt takes numeric and string inputs only",
            path + layer.name);
    }
    const int64_t calls =
        model.class_name == "Sequential" ? 1 : static_cast<int64_t>(layer.calls.size());
    const int64_t each =
        layer.model ? check_spec(*layer.model, limits, depth + 1, path + layer.name + "/") : 1;
    int64_t product = 0;
    if (__builtin_mul_overflow(calls, each, &product)) product = cap;
    calls_total = std::min(cap, calls_total + std::min(cap, product));
  }
  return calls_total;
}

}  // namespace

bool Graph::float_only() const {
  if (feeds.size() != input_info.size()) return false;
  for (size_t i = 0; i < feeds.size(); ++i)
    if (feeds[i].encoder || feeds[i].model_input != static_cast<int>(i)) return false;
  return std::none_of(decoders.begin(), decoders.end(),
                      [](const std::optional<StringEdge>& d) { return d.has_value(); });
}

Graph build_graph(LoadedSpec spec, const Limits& limits) {
  check_limit(check_spec(spec.model, limits, 0, ""), limits.max_graph_nodes, "max_graph_nodes",
              "the number of layer calls (nested models inlined)");
  const Registry& registry = Registry::builtin();
  std::vector<std::string> problems;
  find_unsupported(spec.model, registry, "", problems);
  if (!problems.empty()) {
    std::string message = std::to_string(problems.size()) + " layer(s) cannot be loaded:";
    for (const std::string& problem : problems) message += "\n  " + problem;
    throw Error(message);
  }

  Builder builder(registry, spec.keras.major, /*declaring=*/false);
  builder.own_weights(spec.model);
  builder.finish(builder.run_model(spec.model, nullptr, "", 0));
  Graph graph = std::move(builder.graph);
  const std::vector<std::string> names = output_names(spec.model, graph);
  for (size_t i = 0; i < graph.outputs.size(); ++i)
    graph.output_info.push_back({names[i],
                                 graph.static_shapes[static_cast<size_t>(graph.outputs[i])],
                                 graph.decoders[i] ? DType::kString : DType::kFloat32});

  ModelSummary& summary = graph.summary;
  summary.name = spec.model.name;
  summary.class_name = spec.model.class_name;
  summary.keras_version = spec.keras.text;
  summary.format = spec.format;
  for (const LayerSummary& row : summary.layers)
    if (row.depth == 0) {
      summary.total_params += row.params;
      summary.trainable_params += row.trainable_params;
    }
  // The built graph against the limits: every static shape (known dimensions), the node
  // count (masks add nodes) and the parameters.
  for (const TensorInfo& input : graph.input_info)
    check_tensor_elements(input.shape, limits, "input '" + input.name + "'");
  for (const Node& node : graph.nodes)
    for (int t : node.outputs)
      check_tensor_elements(graph.static_shapes[static_cast<size_t>(t)], limits,
                            "the output of layer '" + node.name + "'");
  check_limit(graph.nodes.size(), limits.max_graph_nodes, "max_graph_nodes",
              "the number of layer calls");
  check_limit(summary.total_params, limits.max_total_parameters, "max_total_parameters",
              "the model's parameter count");
  return graph;
}

}  // namespace kerasrt

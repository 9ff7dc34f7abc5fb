// The shape every layer has, in the spirit of TensorFlow Lite kernels:
//   build   (factory, once per layer at load): parse and validate the config, take the weights
//           in Keras order (shapes checked), pre-pack them;
//   output_shapes: infer output shapes from input shapes (static shapes with kAnyDim at load,
//           concrete shapes when a memory plan is made for a predict call);
//   scratch_floats: per-call temporary memory the layer needs for concrete shapes;
//   run     (const, reentrant): read inputs, write outputs into caller-provided buffers.
// A built Layer is immutable and shared by every thread and by every call of a shared layer.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "layers/config.h"
#include "layers/weights.h"

namespace kerasrt {

struct RunContext {
  std::span<const ConstTensor> inputs;
  std::span<const MutTensor> outputs;
  float* scratch = nullptr;  // scratch_floats() floats, 64-byte aligned, uninitialised
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::vector<Dims> output_shapes(std::span<const Dims> inputs) const = 0;
  virtual size_t scratch_floats(std::span<const Dims> /*inputs*/) const { return 0; }
  // True when output 0 is input 0's data unchanged (identity, reshape, flatten...): the
  // runtime then lets the output share the input's buffer and never calls run().
  virtual bool aliases_input() const { return false; }
  virtual void run(const RunContext& ctx) const = 0;
};

class Registry;

// Everything a layer factory gets.
struct BuildContext {
  const std::string& class_name;
  const std::string& name;
  const LayerConfig& config;
  std::span<const Dims> input_shapes;  // static shapes, kAnyDim where unknown
  WeightReader& weights;
  const Registry& registry;  // wrappers build their inner layers through it
  int keras_major = 2;       // some semantics (hard_sigmoid, ...) depend on the Keras version
};

using LayerFactory = std::unique_ptr<Layer> (*)(const BuildContext& ctx);

// Helpers shared by factories.
void expect_inputs(const BuildContext& ctx, size_t count);  // throws unless exactly `count`
void expect_min_inputs(const BuildContext& ctx, size_t count);

}  // namespace kerasrt

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
#include <string_view>
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

// Keras masks. Embedding(mask_zero=True) and Masking mark the real timesteps of a sequence
// with a boolean mask that Keras carries along with the tensor from layer to layer. Here a
// mask is an ordinary tensor beside its data tensor: floats 0 (masked) or 1, shaped like the
// data without its last axis ((batch, time) for a sequence). The graph builder wires masks by
// the rules each layer states with the mask methods below, which mirror Keras's
// supports_masking, compute_mask and call(mask=...). A model without masks never meets any of
// this: no extra inputs, outputs or nodes.
enum class MaskRule {
  // Keras's default compute_mask: output 0 keeps input 0's mask when the Keras class supports
  // masking (see supports_masking()); other outputs have none.
  kKerasDefault,
  kNone,     // no mask: the layer drops it
  kKeep,     // input 0's mask, unchanged
  kCombine,  // computed from the inputs' masks by the node that mask_combiner() returns
  kProduce,  // computed by the layer itself (output 0 only): output_shapes() and run() have one
             // extra, last output that is output 0's mask
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

  // --- Keras masks (see MaskRule). The defaults are those of a Keras layer that overrides
  // nothing about masks.
  // True when the layer reads masks: whenever one of its inputs has a mask, output_shapes(),
  // scratch_floats() and run() get one mask per regular input after the regular inputs (all
  // ones for an input without a mask).
  virtual bool consumes_masks() const { return false; }
  virtual MaskRule output_mask(size_t /*output*/) const { return MaskRule::kKerasDefault; }
  // For MaskRule::kCombine: the node computing the output's mask for one call, given the
  // regular inputs' static shapes and which of them have a mask, or nullptr when the output
  // has no mask. The node's inputs are the masks that exist, in input order, then every
  // regular input (for its shape); it has one output, the mask.
  virtual std::unique_ptr<Layer> mask_combiner(std::span<const Dims> /*input_shapes*/,
                                               const std::vector<bool>& /*has_mask*/) const {
    return nullptr;
  }
};

// Whether a Keras class has `supports_masking` with the default compute_mask, i.e. passes its
// input's mask on unchanged (Dense, activations, Dropout and the other inference identities,
// normalization layers). Keras 3 drops the mask at every other layer that does not say
// otherwise; Keras 2 refuses to build such a model, so no Keras 2 file has one.
bool supports_masking(std::string_view class_name);

// The all-ones mask of a tensor that has none (shaped like it without the last axis), for a
// layer that consumes the masks of several inputs when only some of them have one.
std::unique_ptr<Layer> make_all_ones_mask();

// The shape of the mask of a tensor of shape `data`.
Dims mask_shape_of(std::span<const int64_t> data);
// Throws Error unless `mask` fits a tensor of shape `data` (kAnyDim matches anything);
// `what` names the tensor in the message.
void check_mask_shape(std::span<const int64_t> mask, std::span<const int64_t> data,
                      const std::string& what);

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

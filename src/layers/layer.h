// The shape every layer has, in the spirit of TensorFlow Lite kernels:
//   build   (factory, once per layer at load): parse and validate the config, take the weights
//           in Keras order (shapes checked), pre-pack them;
//   output_shapes: infer output shapes from input shapes (static shapes with kAnyDim at load,
//           concrete shapes when a memory plan is made for a predict call);
//   scratch_floats: per-call temporary memory the layer needs for concrete shapes;
//   run     (const, reentrant): read inputs, write outputs into caller-provided buffers.
// A built Layer is immutable and shared by every thread and by every call of a shared layer.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "core/weight_arena.h"
#include "kernels/activation.h"
#include "layers/config.h"
#include "layers/weights.h"

namespace kerasrt {

// State a layer makes once per concrete set of input shapes (Layer::prepare), e.g. kernel
// primitives built for those shapes. Immutable once made; concurrent calls share it.
struct Prepared {
  virtual ~Prepared() = default;
  // Scratch floats run() needs with this state, on top of scratch_floats().
  size_t scratch_floats = 0;
};

struct RunContext {
  std::span<const ConstTensor> inputs;
  std::span<const MutTensor> outputs;
  // scratch_floats() floats, then the prepared state's scratch_floats (starting at the next
  // multiple of 16 floats); 64-byte aligned, uninitialised.
  float* scratch = nullptr;
  const Prepared* prepared = nullptr;  // what prepare() returned for these shapes (or null)
};

// A layer as the load-time fusion pass (graph/optimize.cc) sees it: an operation on its one
// input that the layer producing that input may take over.
struct FusibleOp {
  enum class Kind {
    kNone,
    kActivation,     // a pointwise activation (`activation`, is_pointwise())
    kChannelAffine,  // x * scale[c] + shift[c] along axis `axis` (>= 1, of an input of rank `rank`)
    kZeroPadding     // `pad_before` / `pad_after` zeros around the spatial axes (Spatial slots, as
                     // conv_geometry.h has them) of a rank-`rank` input, channels first or last
  };
  Kind kind = Kind::kNone;
  Activation activation;
  int axis = -1;
  size_t rank = 0;
  std::span<const float> scale, shift;
  bool channels_first = false;
  std::array<int64_t, 3> pad_before{0, 0, 0}, pad_after{0, 0, 0};
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

// Strings. The executable graph computes on float32 tensors only; strings exist only at a
// model's edges. A layer that reads strings (StringLookup, TextVectorization, Hashing of a
// string input) must read a string model input: the runtime runs its encoder on the caller's
// strings before the graph, and the graph starts from the floats it makes. A layer that writes
// strings (StringLookup(invert=True)) must make a model output: the graph ends at its float
// input and the runtime runs its decoder on it. The builder enforces both and refuses any
// other use of a string tensor at load (graph/builder.cc).
class StringEncoder {
 public:
  virtual ~StringEncoder() = default;
  // The static shape of the floats for a string input of static shape `input` (kAnyDim where
  // unknown, e.g. TextVectorization's sequence length without output_sequence_length).
  virtual Dims encoded_shape(const Dims& input) const = 0;
  // The floats for `strings`, row-major of shape `shape` (a concrete shape the input accepts).
  // Throws Error for strings the layer refuses.
  virtual Tensor encode(std::span<const std::string> strings,
                        std::span<const int64_t> shape) const = 0;
};

class StringDecoder {
 public:
  virtual ~StringDecoder() = default;
  // One string per float (ids, as the layer's float input holds them), same shape.
  virtual void decode(std::span<const float> ids, std::span<std::string> out) const = 0;
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

  // --- Per-shape preparation and memory planning (graph/plan.cc).
  // Called once per memory plan with concrete input shapes, on the thread setting the calls of
  // that plan run with; what it returns reaches run() as ctx.prepared.
  virtual std::shared_ptr<const Prepared> prepare(std::span<const Dims> /*inputs*/) const {
    return nullptr;
  }
  // An input whose buffer output 0 may be written over (same element count) when no later layer
  // reads it, or -1. The planner decides; run() must work whether or not the buffers are one.
  virtual int inplace_input() const { return -1; }
  // True when outputs of one sample depend on other samples of the batch (a softmax over axis 0):
  // the runtime then never splits a call's batch between threads.
  virtual bool mixes_batch() const { return false; }

  // --- Load-time fusion (graph/optimize.cc). Only layers that can take part override these.
  // What this layer is as a fusible operation on its input.
  virtual FusibleOp fusible() const { return {}; }
  // A new layer computing this layer, then `op` on output 0; null when it cannot.
  virtual std::shared_ptr<const Layer> fuse(const FusibleOp& /*op*/) const { return nullptr; }
  // A new layer computing `op` on input 0, then this layer (a zero padding before a
  // convolution becomes the convolution's own padding); null when it cannot.
  virtual std::shared_ptr<const Layer> fuse_input(const FusibleOp& /*op*/) const { return nullptr; }
  // A new layer computing output 0 + an extra, last input of output 0's shape (a following Add
  // of two tensors); it names that input as inplace_input(). Null when it cannot.
  virtual std::shared_ptr<const Layer> fuse_add() const { return nullptr; }
  // A copy with its weights in the layout its kernels run on, in `arena` (done once, after
  // fusion); null when the layer is ready as it is.
  virtual std::shared_ptr<const Layer> packed(WeightArena& /*arena*/) const { return nullptr; }
  // About how many values packed() writes: a load packs the largest layers first, so that its
  // threads finish together.
  virtual size_t packed_floats() const { return 0; }

  // --- Strings (see StringEncoder). A layer that reads strings returns its encoder; when it
  // reads numbers too (Hashing), its float path is the ordinary one and numeric_input() says so.
  // A layer that writes strings returns its decoder and has no float output.
  virtual const StringEncoder* string_encoder() const { return nullptr; }
  virtual bool numeric_input() const { return string_encoder() == nullptr; }
  virtual const StringDecoder* string_decoder() const { return nullptr; }

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

// The shapes of a call's inputs, as prepare() and the shape functions take them.
inline std::vector<Dims> input_shapes(const RunContext& ctx) {
  std::vector<Dims> shapes;
  for (const ConstTensor& in : ctx.inputs) shapes.emplace_back(in.shape.begin(), in.shape.end());
  return shapes;
}

// For layers whose run() needs their prepared state: runs f(prepared, prepared_scratch), where
// the prepared state's scratch follows the layer's own `own_scratch_floats` (from the next
// multiple of 16 floats, as the plan lays them out). A plan always prepares; a caller running a
// layer by hand (unit tests, a wrapper that does not forward prepare()) may not, and then the
// state and its scratch are made here, for this call only.
template <typename F>
void with_prepared(const Layer& layer, const RunContext& ctx, size_t own_scratch_floats, F&& f) {
  if (ctx.prepared)
    return f(*ctx.prepared, ctx.scratch + aligned_floats(static_cast<int64_t>(own_scratch_floats)));
  const std::shared_ptr<const Prepared> prepared = layer.prepare(input_shapes(ctx));
  std::vector<float> scratch(prepared->scratch_floats + 16);
  const size_t misalignment = reinterpret_cast<uintptr_t>(scratch.data()) % 64 / sizeof(float);
  f(*prepared, scratch.data() + (misalignment ? 16 - misalignment : 0));
}
template <typename F>
void with_prepared(const Layer& layer, const RunContext& ctx, F&& f) {
  with_prepared(layer, ctx, 0, std::forward<F>(f));
}

// Whether a Keras class has `supports_masking` with the default compute_mask, i.e. passes its
// input's mask on unchanged (Dense, activations, Dropout and the other inference identities,
// normalization layers). Keras 3 drops the mask at every other layer that does not say
// otherwise; Keras 2 refuses to build such a model, so no Keras 2 file has one.
bool supports_masking(std::string_view class_name);

// Whether a Keras class reads string tensors (StringLookup, TextVectorization, Hashing): the
// builder refuses a string input to any other class before building it, so the error names
// the string, not whatever the layer would find wrong with a string's shape.
bool reads_strings(std::string_view class_name);

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
  // Files the layer saved beside its weights (a .keras archive's assets/<layer path>/, e.g.
  // StringLookup's vocabulary.txt), by file name; null when the file format has none.
  const std::map<std::string, std::string>* assets = nullptr;
  // True for a layer of the model's graph, whose packed() the builder calls before loading
  // ends: only such a layer may take weights that stay in the file (WeightReader::take_shared),
  // and packed() must then copy or re-lay them out. False for layers built inside a wrapper.
  bool packed_after_build = false;
};

using LayerFactory = std::unique_ptr<Layer> (*)(const BuildContext& ctx);

// Helpers shared by factories.
void expect_inputs(const BuildContext& ctx, size_t count);  // throws unless exactly `count`
void expect_min_inputs(const BuildContext& ctx, size_t count);
// A kernel weight that packing re-lays out (Conv, Dense): read where the file stores it when the
// layer is a graph node (BuildContext::packed_after_build), else copied.
SharedFloats take_kernel(const BuildContext& ctx, const std::string& what, const Dims& shape);

}  // namespace kerasrt

// A layer whose call is one move of its input's axes (Permute, Flatten of channels_first data,
// tf.transpose): the move is worked out per input shape when the plan prepares the layer, so a
// call only copies.
#pragma once

#include <vector>

#include "kernels/transpose.h"
#include "layers/layer.h"

namespace kerasrt {

// A Transposition as a layer's prepared state.
struct PreparedTransposition final : Prepared {
  PreparedTransposition(std::span<const int64_t> in_shape, std::span<const int> perm)
      : transposition(in_shape, perm) {}
  Transposition transposition;
};

class PermutingLayer : public Layer {
 public:
  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    if (perm_.empty()) return nullptr;
    return std::make_shared<const PreparedTransposition>(inputs[0], perm_);
  }
  void run(const RunContext& ctx) const override {
    if (perm_.empty()) return;  // never called: the output shares the input's buffer
    with_prepared(*this, ctx, [&](const Prepared& prepared, float*) {
      static_cast<const PreparedTransposition&>(prepared).transposition.run(ctx.inputs[0].data,
                                                                            ctx.outputs[0].data);
    });
  }

 protected:
  // `perm` over all axes, batch (0) first; empty when the layer only reshapes.
  explicit PermutingLayer(std::vector<int> perm) : perm_(std::move(perm)) {}
  std::vector<int> perm_;
};

}  // namespace kerasrt

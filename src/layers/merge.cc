// Element-wise merge layers: Add, Subtract (exactly 2 inputs), Multiply, Average, Maximum,
// Minimum. Keras's `_Merge` rules: batch sizes must agree; inputs of lower rank get axes of size
// 1 inserted right after the batch axis, so the non-batch shapes broadcast aligned at the right
// (dims equal or 1). Inputs are folded left to right; Average divides the sum by the count.
#include <algorithm>
#include <cstring>

#include "kernels/elementwise.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// `shape` (batch first) with size-1 axes inserted after the batch axis up to `rank`.
Dims expand_after_batch(std::span<const int64_t> shape, size_t rank) {
  Dims out(shape.begin(), shape.end());
  out.insert(out.begin() + 1, rank - shape.size(), 1);
  return out;
}

class ElementwiseMerge final : public Layer {
 public:
  ElementwiseMerge(BinaryOp op, bool average) : op_(op), average_(average) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    size_t rank = 0;
    for (const Dims& in : inputs) {
      if (in.empty()) throw Error("needs inputs with a batch axis");
      rank = std::max(rank, in.size());
    }
    Dims out(rank, 1);
    out[0] = kAnyDim;
    for (const Dims& in : inputs) {
      if (in[0] != kAnyDim) {
        if (out[0] != kAnyDim && out[0] != in[0])
          throw Error("cannot merge tensors with different batch sizes: " + shapes_text(inputs));
        out[0] = in[0];
      }
    }
    // Keras's rule per non-batch axis: unknown with anything is unknown, 1 takes the other dim,
    // otherwise the dims must be equal.
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Dims in = expand_after_batch(inputs[i], rank);
      for (size_t d = 1; d < rank; ++d) {
        const int64_t a = out[d], b = in[d];
        if (i == 0 || a == 1)
          out[d] = b;
        else if (a == kAnyDim || b == kAnyDim)
          out[d] = kAnyDim;
        else if (b != 1 && a != b)
          throw Error("inputs have incompatible shapes: " + shapes_text(inputs));
      }
    }
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = out.shape.size();
    const auto shape_of = [&](size_t i) { return expand_after_batch(ctx.inputs[i].shape, rank); };
    if (ctx.inputs.size() == 1) {  // Keras 3 accepts one input and returns it unchanged
      std::memcpy(out.data, ctx.inputs[0].data, static_cast<size_t>(out.size()) * sizeof(float));
      return;
    }
    broadcast_binary(op_, ctx.inputs[0].data, shape_of(0), ctx.inputs[1].data, shape_of(1),
                     out.data, out.shape);
    for (size_t i = 2; i < ctx.inputs.size(); ++i)
      broadcast_binary(op_, out.data, out.shape, ctx.inputs[i].data, shape_of(i), out.data,
                       out.shape);
    if (average_) divide_by(out.data, out.size(), static_cast<float>(ctx.inputs.size()));
  }

 private:
  static std::string shapes_text(std::span<const Dims> inputs) {
    std::string text;
    for (const Dims& in : inputs) text += (text.empty() ? "" : ", ") + to_string(in);
    return text;
  }

  BinaryOp op_;
  bool average_;
};

std::unique_ptr<Layer> make_merge(const BuildContext& ctx, BinaryOp op, bool average = false) {
  expect_min_inputs(ctx, 1);
  return std::make_unique<ElementwiseMerge>(op, average);
}

}  // namespace

std::unique_ptr<Layer> make_add(const BuildContext& ctx) { return make_merge(ctx, BinaryOp::kAdd); }

std::unique_ptr<Layer> make_subtract(const BuildContext& ctx) {
  expect_inputs(ctx, 2);
  return make_merge(ctx, BinaryOp::kSubtract);
}

std::unique_ptr<Layer> make_multiply(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMultiply);
}

std::unique_ptr<Layer> make_average(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kAdd, /*average=*/true);
}

std::unique_ptr<Layer> make_maximum(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMaximum);
}

std::unique_ptr<Layer> make_minimum(const BuildContext& ctx) {
  return make_merge(ctx, BinaryOp::kMinimum);
}

}  // namespace kerasrt

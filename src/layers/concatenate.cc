// Concatenate: joins inputs of equal rank along `axis` (default -1; negative counts from the
// end); all other dims must match.
#include <cstring>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class Concatenate final : public Layer {
 public:
  explicit Concatenate(int64_t axis) : axis_(axis) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const size_t rank = inputs[0].size();
    const int axis = normalize_axis(axis_, rank);
    Dims out = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
      const Dims& in = inputs[i];
      bool ok = in.size() == rank;
      for (size_t d = 0; ok && d < rank; ++d) {
        if (static_cast<int>(d) == axis) {
          out[d] = add_dim(out[d], in[d]);
        } else if (out[d] == kAnyDim) {
          out[d] = in[d];
        } else {
          ok = in[d] == kAnyDim || in[d] == out[d];
        }
      }
      if (!ok)
        throw Error("input " + std::to_string(i) + " has shape " + to_string(in) +
                    "; it must match " + to_string(inputs[0]) + " except on axis " +
                    std::to_string(axis_));
    }
    return {out};
  }

  void run(const RunContext& ctx) const override {
    const MutTensor& out = ctx.outputs[0];
    const size_t rank = out.shape.size();
    const size_t axis = static_cast<size_t>(normalize_axis(axis_, rank));
    const int64_t outer = product(out.shape, 0, axis), inner = product(out.shape, axis + 1, rank);
    float* dst = out.data;
    for (int64_t o = 0; o < outer; ++o) {
      for (const ConstTensor& in : ctx.inputs) {
        const int64_t chunk = in.shape[axis] * inner;
        if (chunk > 0)
          std::memcpy(dst, in.data + o * chunk, static_cast<size_t>(chunk) * sizeof(float));
        dst += chunk;
      }
    }
  }

 private:
  int64_t axis_;
};

}  // namespace

std::unique_ptr<Layer> make_concatenate(const BuildContext& ctx) {
  expect_min_inputs(ctx, 1);
  const int64_t axis = ctx.config.get_int("axis", -1);
  normalize_axis(axis, ctx.input_shapes[0].size());  // reject an out-of-range axis at load
  return std::make_unique<Concatenate>(axis);
}

}  // namespace kerasrt

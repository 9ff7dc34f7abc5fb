// Flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...); a rank-1 input becomes (batch, 1).
// With data_format="channels_first", Keras first moves the channel axis last (for inputs of
// rank >= 3), so the flattened order is always channels-last; otherwise a pure reshape.
#include "layers/permuting.h"

namespace kerasrt {
namespace {

class Flatten final : public PermutingLayer {
 public:
  // `channels_last_perm`: the permutation to channels-last, or empty for a plain reshape.
  explicit Flatten(std::vector<int> channels_last_perm)
      : PermutingLayer(std::move(channels_last_perm)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.empty()) throw Error("needs an input with a batch axis");
    if (!perm_.empty() && in.size() != perm_.size())
      throw Error("was built for inputs of rank " + std::to_string(perm_.size()) + ", got " +
                  to_string(in));
    int64_t features = 1;
    for (size_t d = 1; d < in.size(); ++d) features = mul_dim(features, in[d]);
    return {{in[0], features}};
  }

  bool aliases_input() const override { return perm_.empty(); }
};

}  // namespace

std::unique_ptr<Layer> make_flatten(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const size_t rank = ctx.input_shapes[0].size();
  if (rank == 0) throw Error("needs an input with a batch axis");
  std::vector<int> perm;
  if (ctx.config.channels_first() && rank >= 3) {  // (0, 2, ..., rank - 1, 1)
    perm.push_back(0);
    for (size_t d = 2; d < rank; ++d) perm.push_back(static_cast<int>(d));
    perm.push_back(1);
  }
  return std::make_unique<Flatten>(std::move(perm));
}

}  // namespace kerasrt

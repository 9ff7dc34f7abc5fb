// Permute: reorders the non-batch axes; `dims` are 1-based (dims=(2, 1) swaps the two axes
// after the batch axis).
#include "kernels/transpose.h"
#include "layers/permuting.h"

namespace kerasrt {
namespace {

class Permute final : public PermutingLayer {
 public:
  explicit Permute(std::vector<int> perm) : PermutingLayer(std::move(perm)) {
    identity_ = true;
    for (size_t i = 0; i < perm_.size(); ++i)
      identity_ = identity_ && perm_[i] == static_cast<int>(i);
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.size() != perm_.size())
      throw Error("expects an input of rank " + std::to_string(perm_.size()) + ", got " +
                  to_string(in));
    return {permuted_shape(in, perm_)};
  }

  bool aliases_input() const override { return identity_; }

 private:
  bool identity_;
};

}  // namespace

std::unique_ptr<Layer> make_permute(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const Dims dims = ctx.config.get_int_list("dims");
  const size_t rank = ctx.input_shapes[0].size();
  if (dims.size() + 1 != rank)
    throw Error("config 'dims' has " + std::to_string(dims.size()) +
                " entries for an input of shape " + to_string(ctx.input_shapes[0]));
  std::vector<int> perm{0};
  std::vector<bool> seen(rank, false);
  for (int64_t d : dims) {
    if (d < 1 || d >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(d)])
      throw Error("config 'dims' must be a permutation of 1.." + std::to_string(rank - 1) +
                  ", got " + ctx.config.json()["dims"].dump());
    seen[static_cast<size_t>(d)] = true;
    perm.push_back(static_cast<int>(d));
  }
  return std::make_unique<Permute>(std::move(perm));
}

}  // namespace kerasrt

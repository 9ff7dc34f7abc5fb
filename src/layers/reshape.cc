// Reshape: (batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1 and is
// inferred from the element count. The data is unchanged, so the output shares the input.
#include "layers/layer.h"

namespace kerasrt {
namespace {

class Reshape final : public Layer {
 public:
  explicit Reshape(Dims target) : target_(std::move(target)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims& in = inputs[0];
    if (in.empty()) throw Error("needs an input with a batch axis");
    int64_t count = 1;  // elements per sample, kAnyDim if not known yet
    for (size_t d = 1; d < in.size(); ++d) count = mul_dim(count, in[d]);
    Dims out{in[0]};
    int64_t known = 1;  // product of the target dims other than -1
    size_t inferred = target_.size();
    for (size_t i = 0; i < target_.size(); ++i) {
      if (target_[i] == -1)
        inferred = i;
      else
        known = mul_dim(known, target_[i]);
      out.push_back(target_[i]);
    }
    if (inferred < target_.size()) {
      if (count == kAnyDim) {
        out[inferred + 1] = kAnyDim;
      } else {
        if (known == 0 || count % known != 0)
          throw Error("cannot reshape " + to_string(in) + " to target_shape " + target_text() +
                      ": " + std::to_string(count) + " elements per sample");
        out[inferred + 1] = count / known;
      }
    } else if (count != kAnyDim && count != known) {
      throw Error("cannot reshape " + to_string(in) + " (" + std::to_string(count) +
                  " elements per sample) to target_shape " + target_text() + " (" +
                  std::to_string(known) + ")");
    }
    return {out};
  }

  bool aliases_input() const override { return true; }
  void run(const RunContext&) const override {}

 private:
  std::string target_text() const {
    std::string text = "[";
    for (size_t i = 0; i < target_.size(); ++i)
      text += (i ? ", " : "") + std::to_string(target_[i]);
    return text + "]";
  }

  Dims target_;
};

}  // namespace

std::unique_ptr<Layer> make_reshape(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  if (!ctx.config.has("target_shape")) throw Error("config has no 'target_shape'");
  const Dims target = ctx.config.get_int_list("target_shape");  // null reads as -1
  int unknown = 0;
  for (int64_t d : target) {
    if (d < -1) throw Error("config 'target_shape' has a negative dimension " + std::to_string(d));
    unknown += d == -1;
  }
  if (unknown > 1) throw Error("config 'target_shape' may contain only one -1 (or null)");
  return std::make_unique<Reshape>(target);
}

}  // namespace kerasrt

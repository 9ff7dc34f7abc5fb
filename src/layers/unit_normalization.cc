// UnitNormalization: x / sqrt(max(sum of x^2 over `axis`, 1e-12)), axis an int or a list (Keras
// 3 and tf.keras 2.9+, where it is tf.linalg.l2_normalize).
#include <algorithm>
#include <cmath>

#include "layers/layer.h"

namespace kerasrt {
namespace {

class UnitNormalization final : public Layer {
 public:
  UnitNormalization(size_t rank, std::vector<bool> reduced)
      : rank_(rank), reduced_(std::move(reduced)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    if (inputs[0].size() != rank_)
      throw Error("expects an input of rank " + std::to_string(rank_) + ", got " +
                  to_string(inputs[0]));
    return {inputs[0]};
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor& in = ctx.inputs[0];
    // Each element's sum is numbered by the element's index over the axes not reduced.
    Dims stride(rank_, 0);
    int64_t sums = 1;
    for (size_t a = rank_; a-- > 0;)
      if (!reduced_[a]) {
        stride[a] = sums;
        sums *= in.shape[a];
      }
    auto for_each = [&](auto&& f) {
      Dims position(rank_, 0);
      int64_t slot = 0;
      for (int64_t i = 0; i < in.size(); ++i) {
        f(i, static_cast<size_t>(slot));
        for (size_t a = rank_; a-- > 0;) {  // odometer step
          slot += stride[a];
          if (++position[a] < in.shape[a]) break;
          slot -= stride[a] * in.shape[a];
          position[a] = 0;
        }
      }
    };
    std::vector<double> total(static_cast<size_t>(sums), 0.0);
    for_each([&](int64_t i, size_t slot) {
      total[slot] += static_cast<double>(in.data[i]) * in.data[i];
    });
    for (double& t : total) t = 1.0 / std::sqrt(std::max(t, 1e-12));
    for_each([&](int64_t i, size_t slot) {
      ctx.outputs[0].data[i] = static_cast<float>(in.data[i] * total[slot]);
    });
  }

 private:
  size_t rank_;
  std::vector<bool> reduced_;
};

}  // namespace

std::unique_ptr<Layer> make_unit_normalization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const size_t rank = ctx.input_shapes[0].size();
  const std::vector<int64_t> given = config.json().value("axis", Json(-1)).is_array()
                                         ? config.get_int_list("axis")
                                         : std::vector<int64_t>{config.get_int("axis", -1)};
  if (given.empty()) throw Error("config 'axis' is an empty list");
  std::vector<bool> reduced(rank, false);
  for (int64_t a : given) {
    const int axis = normalize_axis(a, rank);
    if (axis == 0) throw Error("config 'axis' includes the batch axis 0, which is not supported");
    reduced[static_cast<size_t>(axis)] = true;
  }
  return std::make_unique<UnitNormalization>(rank, std::move(reduced));
}

}  // namespace kerasrt

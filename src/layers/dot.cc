// Dot: per sample, contracts axis axes[0] of the first input with axis axes[1] of the second
// (Keras batch_dot). The output keeps the first input's other axes, then the second's other
// non-batch axes; a result of rank 1 becomes (batch, 1). `normalize` L2-normalises both inputs
// along their contracted axes first (cosine similarity).
#include <array>

#include "kernels/gemm.h"
#include "kernels/normalize.h"
#include "kernels/transpose.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// One operand of the per-sample matrix product, as laid out for sgemm.
struct Operand {
  const float* data;
  bool transposed;  // stored as [K, M] rather than [M, K] (first) / [N, K] rather than [K, N]
};

class Dot final : public Layer {
 public:
  // `axes` as configured (may be negative); `min_norm` bounds the L2 norm from below when
  // normalising (Keras 3: 1e-7; tf.keras: sqrt(1e-12) on the sum of squares).
  Dot(std::array<int64_t, 2> axes, bool normalize, double min_norm)
      : axes_(axes), normalize_(normalize), min_norm_(min_norm) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    const Dims &x = inputs[0], &y = inputs[1];
    const auto [ax, ay] = resolve(x.size(), y.size());
    if (x[0] != kAnyDim && y[0] != kAnyDim && x[0] != y[0])
      throw Error("inputs have different batch sizes: " + to_string(x) + ", " + to_string(y));
    if (x[ax] != kAnyDim && y[ay] != kAnyDim && x[ax] != y[ay])
      throw Error("cannot contract axis " + std::to_string(ax) + " of " + to_string(x) +
                  " with axis " + std::to_string(ay) + " of " + to_string(y));
    Dims out{x[0] != kAnyDim ? x[0] : y[0]};
    for (size_t d = 1; d < x.size(); ++d)
      if (d != ax) out.push_back(x[d]);
    for (size_t d = 1; d < y.size(); ++d)
      if (d != ay) out.push_back(y[d]);
    if (out.size() == 1) out.push_back(1);
    return {out};
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const auto [ax, ay] = resolve(inputs[0].size(), inputs[1].size());
    size_t floats = 0;
    if (needs_copy(ax, inputs[0].size())) floats += static_cast<size_t>(num_elements(inputs[0]));
    if (needs_copy(ay, inputs[1].size())) floats += static_cast<size_t>(num_elements(inputs[1]));
    return floats;
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor &x = ctx.inputs[0], &y = ctx.inputs[1];
    const auto [ax, ay] = resolve(x.shape.size(), y.shape.size());
    const int64_t batch = x.shape[0], k = x.shape[ax];
    // Per sample: x is M x K, y is K x N (the products of their other non-batch dims).
    const int64_t m = product(x.shape, 1, ax) * product(x.shape, ax + 1, x.shape.size());
    const int64_t n = product(y.shape, 1, ay) * product(y.shape, ay + 1, y.shape.size());
    float* scratch = ctx.scratch;
    const Operand a = as_operand(x, ax, true, scratch);
    const Operand b = as_operand(y, ay, false, scratch);
    float* out = ctx.outputs[0].data;
    for (int64_t s = 0; s < batch; ++s) {
      const float* as = a.data + s * m * k;
      const float* bs = b.data + s * k * n;
      float* os = out + s * m * n;
      if (m == 1 && n == 1) {  // a plain dot product per sample (the common (B, K) . (B, K))
        float sum = 0.0f;
        for (int64_t i = 0; i < k; ++i) sum += as[i] * bs[i];
        os[0] = sum;
      } else {
        sgemm(a.transposed, b.transposed, m, n, k, 1.0f, as, a.transposed ? m : k, bs,
              b.transposed ? k : n, 0.0f, os, n);
      }
    }
  }

 private:
  // The contracted axes for inputs of these ranks (negative axes taken modulo the rank, as
  // Keras does); axis 0 (batch) is refused.
  std::pair<size_t, size_t> resolve(size_t x_rank, size_t y_rank) const {
    if (x_rank < 2 || y_rank < 2)
      throw Error("needs inputs of rank >= 2, got ranks " + std::to_string(x_rank) + " and " +
                  std::to_string(y_rank));
    const auto one = [](int64_t axis, size_t rank) {
      const int64_t r = static_cast<int64_t>(rank);
      const int64_t resolved = axis < 0 ? ((axis % r) + r) % r : axis;
      if (resolved >= r)
        throw Error("axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
      if (resolved == 0) throw Error("cannot contract the batch axis 0");
      return static_cast<size_t>(resolved);
    };
    return {one(axes_[0], x_rank), one(axes_[1], y_rank)};
  }

  // Whether an input must be copied (moved so its contracted axis is last, and normalised)
  // before the product: only an input contracted on its first or last non-batch axis can be used
  // in place, and only without normalisation.
  bool needs_copy(size_t axis, size_t rank) const {
    return normalize_ || (axis != 1 && axis != rank - 1);
  }

  // The first input as [M, K] (or [K, M]) per sample, the second as [K, N] (or [N, K]).
  Operand as_operand(const ConstTensor& in, size_t axis, bool first, float*& scratch) const {
    const size_t rank = in.shape.size();
    if (!needs_copy(axis, rank)) {
      // First input: contracted last is [M, K], on axis 1 [K, M]. Second input: contracted on
      // axis 1 is [K, N], last [N, K]. (Rank 2 satisfies both; the untransposed form is used.)
      return {in.data, first ? axis != rank - 1 : axis != 1};
    }
    std::vector<int> perm;
    for (size_t d = 0; d < rank; ++d)
      if (d != axis) perm.push_back(static_cast<int>(d));
    perm.push_back(static_cast<int>(axis));
    float* moved = scratch;
    scratch += in.size();
    transpose(in.data, in.shape, perm, moved);
    const int64_t k = in.shape[axis];
    if (normalize_ && k > 0) l2_normalize_rows(moved, moved, in.size() / k, k, min_norm_);
    return {moved, !first};  // rows of K: [M, K] for the first input, [N, K] for the second
  }

  std::array<int64_t, 2> axes_;
  bool normalize_;
  double min_norm_;
};

}  // namespace

std::unique_ptr<Layer> make_dot(const BuildContext& ctx) {
  expect_inputs(ctx, 2);
  const Json& value = ctx.config.json().value("axes", Json());
  std::array<int64_t, 2> axes{};
  if (value.is_array()) {
    const std::vector<int64_t> pair = ctx.config.get_ints("axes", 2);
    axes = {pair[0], pair[1]};
  } else {
    const int64_t axis = ctx.config.get_int("axes");
    axes = {axis, axis};
  }
  const bool normalize = ctx.config.get_bool("normalize", false);
  const double min_norm = ctx.keras_major >= 3 ? 1e-7 : 1e-6;
  return std::make_unique<Dot>(axes, normalize, min_norm);
}

}  // namespace kerasrt

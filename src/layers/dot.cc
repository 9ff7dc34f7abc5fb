// Dot: per sample, contracts axis axes[0] of the first input with axis axes[1] of the second
// (Keras batch_dot). The output keeps the first input's other axes, then the second's other
// non-batch axes; a result of rank 1 becomes (batch, 1). `normalize` L2-normalises both inputs
// along their contracted axes first (cosine similarity).
#include <array>
#include <optional>

#include "kernels/normalize.h"
#include "kernels/onednn.h"
#include "kernels/transpose.h"
#include "layers/layer.h"

namespace kerasrt {
namespace {

// The per-sample products' sizes: x is M x K, y is K x N (the products of their other
// non-batch dims).
struct Product {
  int64_t batch, m, k, n;
};

// What a call does for one pair of input shapes: the moves of inputs that are copied before the
// product (contracted axis last), and the batched matrix product (none for a plain dot product
// per sample).
struct DotState final : Prepared {
  std::optional<Transposition> x_move, y_move;
  std::shared_ptr<const Prepared> product;
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
    return scratch_floats(inputs[0], inputs[1], ax, ay);
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    const Dims &x = inputs[0], &y = inputs[1];
    const auto [ax, ay] = resolve(x.size(), y.size());
    auto state = std::make_shared<DotState>();
    if (needs_copy(ax, x.size())) state->x_move.emplace(x, contracted_last(ax, x.size()));
    if (needs_copy(ay, y.size())) state->y_move.emplace(y, contracted_last(ay, y.size()));
    const Product p = product_of(x, y, ax, ay);
    if (p.m == 1 && p.n == 1) return state;
    // Each operand is a batch of row-major (rows, cols) matrices, or stored as (cols, rows).
    const auto matrices = [&](int64_t rows, int64_t cols, bool transposed) {
      const Dims stored = transposed ? Dims{p.batch, cols, rows} : Dims{p.batch, rows, cols};
      return StridedMatrices::row_major(stored, transposed, 3);
    };
    state->product = prepare_batched_matmul(matrices(p.m, p.k, transposed(ax, x.size(), true)),
                                            matrices(p.k, p.n, transposed(ay, y.size(), false)),
                                            matrices(p.m, p.n, false), 1.0f);
    state->scratch_floats = state->product->scratch_floats;
    return state;
  }

  void run(const RunContext& ctx) const override {
    const ConstTensor &x = ctx.inputs[0], &y = ctx.inputs[1];
    // Not a structured binding: the lambda below uses both (clang 14 cannot capture bindings).
    const std::pair<size_t, size_t> axes = resolve(x.shape.size(), y.shape.size());
    const size_t ax = axes.first, ay = axes.second;
    const Product p = product_of(x.shape, y.shape, ax, ay);
    with_prepared(*this, ctx, scratch_floats(x.shape, y.shape, ax, ay),
                  [&](const Prepared& prepared, float* product_scratch) {
                    const auto& state = static_cast<const DotState&>(prepared);
                    float* scratch = ctx.scratch;
                    const float* a = as_operand(x, ax, state.x_move, scratch);
                    const float* b = as_operand(y, ay, state.y_move, scratch);
                    float* out = ctx.outputs[0].data;
                    if (state.product) {
                      run_batched_matmul(*state.product, a, b, out, product_scratch);
                      return;
                    }
                    // A plain dot product per sample (the common (B, K) . (B, K)).
                    for (int64_t s = 0; s < p.batch; ++s) {
                      float sum = 0.0f;
                      for (int64_t i = 0; i < p.k; ++i) sum += a[s * p.k + i] * b[s * p.k + i];
                      out[s] = sum;
                    }
                  });
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

  static Product product_of(std::span<const int64_t> x, std::span<const int64_t> y, size_t ax,
                            size_t ay) {
    return {x[0], product(x, 1, ax) * product(x, ax + 1, x.size()), x[ax],
            product(y, 1, ay) * product(y, ay + 1, y.size())};
  }

  size_t scratch_floats(std::span<const int64_t> x, std::span<const int64_t> y, size_t ax,
                        size_t ay) const {
    size_t floats = 0;
    if (needs_copy(ax, x.size())) floats += static_cast<size_t>(num_elements(x));
    if (needs_copy(ay, y.size())) floats += static_cast<size_t>(num_elements(y));
    return floats;
  }

  // Whether an input must be copied (moved so its contracted axis is last, and normalised)
  // before the product: only an input contracted on its first or last non-batch axis can be used
  // in place, and only without normalisation.
  bool needs_copy(size_t axis, size_t rank) const {
    return normalize_ || (axis != 1 && axis != rank - 1);
  }

  // Whether an operand reaches the product transposed: the first input stored as [K, M] rather
  // than [M, K], the second as [N, K] rather than [K, N].
  bool transposed(size_t axis, size_t rank, bool first) const {
    // A copy has rows of K: [M, K] for the first input, [N, K] for the second.
    if (needs_copy(axis, rank)) return !first;
    // In place, the first input contracted last is [M, K], on axis 1 [K, M]; the second
    // contracted on axis 1 is [K, N], last [N, K] (rank 2 satisfies both; untransposed is used).
    return first ? axis != rank - 1 : axis != 1;
  }

  // The permutation moving `axis` last.
  static std::vector<int> contracted_last(size_t axis, size_t rank) {
    std::vector<int> perm;
    for (size_t d = 0; d < rank; ++d)
      if (d != axis) perm.push_back(static_cast<int>(d));
    perm.push_back(static_cast<int>(axis));
    return perm;
  }

  // An input as the product reads it (see transposed()): in place, or moved (contracted axis
  // last, by `move`) and normalised.
  const float* as_operand(const ConstTensor& in, size_t axis,
                          const std::optional<Transposition>& move, float*& scratch) const {
    if (!move) return in.data;
    float* moved = scratch;
    scratch += in.size();
    move->run(in.data, moved);
    const int64_t k = in.shape[axis];
    if (normalize_ && k > 0) l2_normalize_rows(moved, moved, in.size() / k, k, min_norm_);
    return moved;
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

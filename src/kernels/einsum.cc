#include "kernels/einsum.h"

#include <algorithm>
#include <optional>

#include "kernels/transpose.h"

namespace kerasrt {
namespace {

bool is_identity(const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i)) return false;
  return true;
}

void check_unique(const std::string& letters, const char* what) {
  for (size_t i = 0; i < letters.size(); ++i)
    if (letters.find(letters[i], i + 1) != std::string::npos)
      throw Error(std::string("the ") + what + " repeats the letter '" + letters[i] +
                  "' (a diagonal), which is not supported");
}

}  // namespace

EinsumGemm::EinsumGemm(const std::string& x, const std::string& w, const std::string& y,
                       std::span<const int64_t> w_shape, std::span<const float> w_values)
    : x_rank_(x.size()) {
  check_unique(x, "input");
  check_unique(w, "kernel");
  check_unique(y, "output");
  if (w_shape.size() != w.size())
    throw Error("the kernel has rank " + std::to_string(w_shape.size()) + ", the equation gives " +
                std::to_string(w.size()));
  std::string rows, contracted, cols;
  for (size_t a = 0; a < x.size(); ++a) {
    const char c = x[a];
    const bool in_w = w.find(c) != std::string::npos, in_y = y.find(c) != std::string::npos;
    if (in_w && in_y)
      throw Error(std::string("the letter '") + c +
                  "' is shared by the input, the kernel and the output (a batched product), "
                  "which is not supported");
    if (!in_w && !in_y)
      throw Error(std::string("the input letter '") + c +
                  "' is summed over without a kernel axis, which is not supported");
    if (in_y) {
      rows += c;
      row_axes_.push_back(a);
    } else {
      contracted += c;
      contracted_axes_.push_back(a);
      contracted_dims_.push_back(w_shape[w.find(c)]);
    }
  }
  for (char c : w)
    if (x.find(c) == std::string::npos && y.find(c) == std::string::npos)
      throw Error(std::string("the kernel letter '") + c +
                  "' is in neither the input nor the output");
  for (char c : y) {
    if (x.find(c) != std::string::npos) continue;
    if (w.find(c) == std::string::npos)
      throw Error(std::string("the output letter '") + c +
                  "' is in neither the input nor the kernel");
    cols += c;
    col_dims_.push_back(w_shape[w.find(c)]);
  }
  if (x.empty() || y.empty() || x[0] != y[0] || rows.empty() || rows[0] != x[0])
    throw Error(
        "the first (batch) axis of the input must be the first axis of the output and "
        "not an axis of the kernel");

  for (size_t a : row_axes_) x_to_rows_.push_back(static_cast<int>(a));
  for (size_t a : contracted_axes_) x_to_rows_.push_back(static_cast<int>(a));
  x_in_order_ = is_identity(x_to_rows_);
  const std::string product_letters = rows + cols;
  for (char c : y) product_to_y_.push_back(static_cast<int>(product_letters.find(c)));
  y_in_order_ = is_identity(product_to_y_);

  if (static_cast<int64_t>(w_values.size()) != num_elements(w_shape))
    throw Error("the kernel holds " + std::to_string(w_values.size()) + " values for shape " +
                to_string(w_shape));
  std::vector<int> w_perm;
  for (char c : contracted + cols) w_perm.push_back(static_cast<int>(w.find(c)));
  std::vector<float> matrix(w_values.size());
  transpose(w_values.data(), w_shape, w_perm, matrix.data());
  col_elements_ = num_elements(col_dims_);
  // The packed layout does not depend on the number of rows: any serves every shape.
  product_ = MatmulKernel(num_elements(contracted_dims_), col_elements_,
                          SharedFloats::owning(std::move(matrix)), {})
                 .packed_for(1, /*arena=*/nullptr);
}

Dims EinsumGemm::output_shape(std::span<const int64_t> x_shape) const {
  if (x_shape.size() != x_rank_)
    throw Error("the equation needs an input of rank " + std::to_string(x_rank_) + ", got " +
                to_string(x_shape));
  for (size_t i = 0; i < contracted_axes_.size(); ++i) {
    const int64_t dim = x_shape[contracted_axes_[i]];
    if (dim != kAnyDim && dim != contracted_dims_[i])
      throw Error("input axis " + std::to_string(contracted_axes_[i]) + " must be " +
                  std::to_string(contracted_dims_[i]) + " (the kernel's), got " +
                  to_string(x_shape));
  }
  return permuted_shape(product_shape(x_shape), product_to_y_);
}

Dims EinsumGemm::product_shape(std::span<const int64_t> x_shape) const {
  Dims product;
  for (size_t a : row_axes_) product.push_back(x_shape[a]);
  product.insert(product.end(), col_dims_.begin(), col_dims_.end());
  return product;
}

size_t EinsumGemm::scratch_floats(std::span<const int64_t> x_shape) const {
  size_t floats = 0;
  if (!x_in_order_) floats += static_cast<size_t>(num_elements(x_shape));
  if (!y_in_order_) floats += static_cast<size_t>(output_elements(x_shape));
  return floats;
}

int64_t EinsumGemm::rows(std::span<const int64_t> x_shape) const {
  int64_t m = 1;
  for (size_t a : row_axes_) m *= x_shape[a];
  return m;
}

namespace {

// For one x shape: the matrix product, and the moves of x into rows and of the product into y
// where their letters are out of order.
struct EinsumState final : Prepared {
  std::shared_ptr<const Prepared> product;
  std::optional<Transposition> x_to_rows, product_to_y;
};

}  // namespace

std::shared_ptr<const Prepared> EinsumGemm::prepare(std::span<const int64_t> x_shape) const {
  auto state = std::make_shared<EinsumState>();
  state->product = product_.prepare(rows(x_shape));
  state->scratch_floats = state->product->scratch_floats;
  if (!x_in_order_) state->x_to_rows.emplace(x_shape, x_to_rows_);
  if (!y_in_order_) state->product_to_y.emplace(product_shape(x_shape), product_to_y_);
  return state;
}

void EinsumGemm::run(const Prepared& prepared, const float* x, std::span<const int64_t> x_shape,
                     float* y, float* scratch, float* product_scratch) const {
  const auto& state = static_cast<const EinsumState&>(prepared);
  const float* matrix = x;
  if (state.x_to_rows) {
    state.x_to_rows->run(x, scratch);
    matrix = scratch;
    scratch += num_elements(x_shape);
  }
  float* product = state.product_to_y ? scratch : y;
  product_.run(*state.product, matrix, product, product_scratch);
  if (state.product_to_y) state.product_to_y->run(product, y);
}

}  // namespace kerasrt

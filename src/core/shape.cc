#include "core/shape.h"

namespace kerasrt {

std::string to_string(std::span<const int64_t> dims) {
  std::string text = "(";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) text += ", ";
    text += dims[i] == kAnyDim ? "None" : std::to_string(dims[i]);
  }
  if (dims.size() == 1) text += ",";
  return text + ")";
}

bool is_known(std::span<const int64_t> dims) {
  for (int64_t d : dims)
    if (d < 0) return false;
  return true;
}

bool fits(std::span<const int64_t> got, std::span<const int64_t> want) {
  if (got.size() != want.size()) return false;
  for (size_t d = 0; d < got.size(); ++d)
    if (got[d] < 0 || (want[d] != kAnyDim && want[d] != got[d])) return false;
  return true;
}

bool TensorInfo::accepts(const std::vector<int64_t>& given) const { return fits(given, shape); }

int64_t product(std::span<const int64_t> dims, size_t begin, size_t end) {
  int64_t total = 1;
  for (size_t i = begin; i < end; ++i) {
    const int64_t d = dims[i];
    if (d < 0)
      throw Error("dimension " + std::to_string(i) + " of " + to_string(dims) + " is not known");
    if (d != 0 && total > kMaxTensorElements / d)
      throw Error("tensor of shape " + to_string(dims) + " exceeds the limit of " +
                  std::to_string(kMaxTensorElements) + " elements");
    total *= d;
  }
  return total;
}

int64_t num_elements(std::span<const int64_t> dims) { return product(dims, 0, dims.size()); }

int64_t mul_dim(int64_t a, int64_t b) {
  if (a == kAnyDim || b == kAnyDim) return kAnyDim;
  if (a < 0 || b < 0) throw Error("negative dimension");
  if (a != 0 && b > kMaxTensorElements / a)
    throw Error("dimension " + std::to_string(a) + " x " + std::to_string(b) + " is too large");
  return a * b;
}

int64_t add_dim(int64_t a, int64_t b) {
  if (a == kAnyDim || b == kAnyDim) return kAnyDim;
  if (a > kMaxTensorElements - b) throw Error("dimension is too large");
  return a + b;
}

int normalize_axis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    throw Error("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

}  // namespace kerasrt

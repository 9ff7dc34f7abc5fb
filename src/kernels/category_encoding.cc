#include "kernels/category_encoding.h"

#include <algorithm>

namespace kerasrt {

void encode_categories(CategoryOutput mode, const float* ids, int64_t rows, int64_t per_row,
                       int64_t depth, float* out) {
  const int64_t vectors = mode == CategoryOutput::kOneHot ? rows * per_row : rows;
  std::fill(out, out + vectors * depth, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < per_row; ++k) {
      const float value = ids[r * per_row + k];
      // Keras's bincount and one_hot drop ids outside the depth (a lookup's mask token).
      if (!(value >= 0.0f && value < static_cast<float>(depth))) continue;
      const int64_t id = static_cast<int64_t>(value);
      float& slot = out[(mode == CategoryOutput::kOneHot ? r * per_row + k : r) * depth + id];
      slot = mode == CategoryOutput::kCount ? slot + 1.0f : 1.0f;
    }
}

}  // namespace kerasrt

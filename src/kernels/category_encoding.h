// Category ids to Keras's encodings (keras numerical_utils.encode_categorical_inputs):
// one_hot (a vector per id), multi_hot (1 for every id present in a row), count (how often).
#pragma once

#include <cstdint>

namespace kerasrt {

enum class CategoryOutput { kOneHot, kMultiHot, kCount };

// `ids` holds rows * per_row integer-valued ids; those outside [0, depth) add nothing. one_hot
// writes rows * per_row vectors of `depth`, multi_hot and count one vector of `depth` per row.
void encode_categories(CategoryOutput mode, const float* ids, int64_t rows, int64_t per_row,
                       int64_t depth, float* out);

}  // namespace kerasrt

// Views of tensors as layers see them at run time: concrete shapes, float32, row-major.
#pragma once

#include <span>

#include "core/shape.h"

namespace kerasrt {

struct ConstTensor {
  const float* data = nullptr;
  std::span<const int64_t> shape;
  int64_t size() const { return num_elements(shape); }
};

struct MutTensor {
  float* data = nullptr;
  std::span<const int64_t> shape;
  int64_t size() const { return num_elements(shape); }
};

// A weight array as read from a file, converted to float32, row-major in Keras's layout.
struct Array {
  std::string name;  // as written in the file, for error messages
  Dims shape;
  std::vector<float> values;
};

}  // namespace kerasrt

// Views of tensors as layers see them at run time: concrete shapes, float32, row-major.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/large_buffer.h"
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

// Rounds a float count up to whole 64-byte lines, so scratch regions stay aligned.
constexpr int64_t aligned_floats(int64_t floats) { return (floats + 15) / 16 * 16; }

// An owned copy of `values`, in memory prepared as large buffers are (core/large_buffer.h).
inline std::vector<float> copy_values(std::span<const float> values) {
  std::vector<float> copy;
  reserve_large(copy, values.size());
  copy.assign(values.begin(), values.end());
  return copy;
}

// Read-only float32 values that the copies of a layer share (fusing makes new layers from old
// ones): owned, or a view of the model file's mapped bytes, which it keeps mapped.
struct SharedFloats {
  std::shared_ptr<const float> data;
  size_t size = 0;
  // A view of the file: a layer holding one copies or re-lays it out in packed(), so that no
  // model keeps its file mapped once loaded.
  bool in_file = false;

  static SharedFloats owning(std::vector<float> values) {
    auto owner = std::make_shared<const std::vector<float>>(std::move(values));
    return {std::shared_ptr<const float>(owner, owner->data()), owner->size(), false};
  }
  std::span<const float> span() const { return {data.get(), size}; }
};

// A weight array as read from a file, converted to float32, row-major in Keras's layout.
struct Array {
  std::string name;  // as written in the file, for error messages
  Dims shape;
  std::vector<float> values;
  // Set instead of `values` when the file itself stores them as they are needed (float32,
  // little-endian, contiguous, aligned): they are read there, in the mapped file this keeps
  // mapped, by the layers that re-lay their weights out anyway (a copy saved per weight).
  std::shared_ptr<const float> in_file = nullptr;

  std::span<const float> floats() const {
    if (!in_file) return values;
    return {in_file.get(), static_cast<size_t>(num_elements(shape))};
  }
  // The values, owned: moved out, or copied from the file.
  std::vector<float> take_values() {
    if (in_file) {
      values = copy_values(floats());
      in_file.reset();
    }
    return std::move(values);
  }
  // The values, shared: a view of the file when they are there, else moved out.
  SharedFloats take_shared() {
    if (!in_file) return SharedFloats::owning(std::move(values));
    const auto size = static_cast<size_t>(num_elements(shape));
    return {std::move(in_file), size, true};
  }
};

}  // namespace kerasrt

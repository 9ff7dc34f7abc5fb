#include "layers/weights.h"

namespace kerasrt {

WeightReader::WeightReader(std::vector<Array> arrays, bool layer_trainable)
    : arrays_(std::move(arrays)), layer_trainable_(layer_trainable) {}

WeightReader WeightReader::declaring(bool layer_trainable, int64_t max_values) {
  WeightReader reader({}, layer_trainable);
  reader.declaring_ = true;
  reader.max_declared_ = max_values;
  return reader;
}

std::vector<float> WeightReader::take(const std::string& what, const Dims& shape, bool trainable) {
  Array* array = next(what, shape, trainable);
  return array ? array->take_values()
               : std::vector<float>(static_cast<size_t>(num_elements(shape)));
}

SharedFloats WeightReader::take_shared(const std::string& what, const Dims& shape, bool trainable) {
  Array* array = next(what, shape, trainable);
  return array ? array->take_shared()
               : SharedFloats::owning(std::vector<float>(static_cast<size_t>(num_elements(shape))));
}

Array* WeightReader::next(const std::string& what, const Dims& shape, bool trainable) {
  const int64_t count = num_elements(shape);
  if (declaring_ && count > max_declared_ - params_)
    throw Error("weight '" + what + "' of shape " + to_string(shape) +
                " needs more values than the file holds for the enclosing nested model");
  taken_.push_back({what, shape, trainable});
  params_ += count;
  if (trainable && layer_trainable_) trainable_params_ += count;
  if (declaring_) return nullptr;

  const size_t index = next_++;
  if (index >= arrays_.size())
    throw Error("needs weight #" + std::to_string(index + 1) + " '" + what + "' of shape " +
                to_string(shape) + ", but the file has only " + std::to_string(arrays_.size()) +
                " weight(s) for this layer");
  Array& array = arrays_[index];
  if (array.shape != shape)
    throw Error("weight #" + std::to_string(index + 1) + " '" + what + "' must have shape " +
                to_string(shape) + ", the file has " + to_string(array.shape) +
                (array.name.empty() ? "" : " ('" + array.name + "')"));
  return &array;
}

void WeightReader::finish() const {
  if (!declaring_ && next_ != arrays_.size())
    throw Error("the file has " + std::to_string(arrays_.size()) + " weight(s) for this layer, " +
                "but it uses " + std::to_string(next_));
}

}  // namespace kerasrt

// Hands a layer its weights, in Keras order, checking each shape as the layer asks for it.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasrt {

struct WeightDecl {
  std::string name;
  Dims shape;
  bool trainable = true;
};

class WeightReader {
 public:
  // Serves `arrays` in order. `layer_trainable` = false counts every weight as non-trainable.
  explicit WeightReader(std::vector<Array> arrays, bool layer_trainable = true);
  // Serves zero-filled arrays of whatever shape is asked and records the requests; used to
  // learn a nested model's weight layout before its real weights are distributed. Refuses to
  // declare more than `max_values` values in all (the file's own count for the nested model:
  // a layout needing more cannot match it), so a hostile config cannot make it allocate.
  static WeightReader declaring(bool layer_trainable = true,
                                int64_t max_values = kMaxTensorElements);

  // The next weight, which must have shape `shape`.
  std::vector<float> take(const std::string& what, const Dims& shape, bool trainable = true);
  // The same, shared and read-only: possibly a view of the model file (SharedFloats::in_file),
  // which only a layer that the builder packs may hold (BuildContext::packed_after_build), and
  // only until its packed().
  SharedFloats take_shared(const std::string& what, const Dims& shape, bool trainable = true);
  // Whether the file holds a weight not taken yet (for a layer whose weight is optional).
  bool has_next() const { return !declaring_ && next_ < arrays_.size(); }
  // The shape of that weight.
  const Dims& next_shape() const { return arrays_.at(next_).shape; }
  // Throws if the file holds weights the layer did not use.
  void finish() const;

  bool layer_trainable() const { return layer_trainable_; }
  const std::vector<WeightDecl>& taken() const { return taken_; }
  int64_t params() const { return params_; }
  int64_t trainable_params() const { return trainable_params_; }

 private:
  // Records the request and checks it; the array to serve, or null when declaring.
  Array* next(const std::string& what, const Dims& shape, bool trainable);

  std::vector<Array> arrays_;
  bool declaring_ = false;
  int64_t max_declared_ = kMaxTensorElements;
  bool layer_trainable_ = true;
  size_t next_ = 0;
  std::vector<WeightDecl> taken_;
  int64_t params_ = 0, trainable_params_ = 0;
};

}  // namespace kerasrt

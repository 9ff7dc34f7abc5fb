#include "layers/category_output.h"

#include <algorithm>

namespace kerasrt {

CategoryOutputSpec::CategoryOutputSpec(const LayerConfig& config, const char* fallback,
                                       int64_t depth, int keras_major)
    : CategoryOutputSpec(
          config.get_choice("output_mode", {"int", "one_hot", "multi_hot", "count", "tf_idf"},
                            fallback),
          depth, keras_major) {
  if (config.get_bool("sparse", false))
    throw Error("config 'sparse' is true: sparse outputs are not supported");
}

CategoryOutputSpec::CategoryOutputSpec(const std::string& mode, int64_t depth, int keras_major,
                                       std::vector<float> idf_weights)
    : depth_(depth), keras_major_(keras_major) {
  if (mode == "one_hot")
    mode_ = CategoryOutput::kOneHot;
  else if (mode == "multi_hot")
    mode_ = CategoryOutput::kMultiHot;
  else if (mode == "count")
    mode_ = CategoryOutput::kCount;
  else if (mode == "tf_idf" && !idf_weights.empty()) {
    if (static_cast<int64_t>(idf_weights.size()) != depth)
      throw Error("output_mode 'tf_idf' needs " + std::to_string(depth) + " idf weights, got " +
                  std::to_string(idf_weights.size()));
    mode_ = CategoryOutput::kCount;
    idf_ = std::make_shared<const std::vector<float>>(std::move(idf_weights));
  } else if (mode != "int")
    throw Error("config 'output_mode' is '" + mode + "', which is not supported");
}

Dims CategoryOutputSpec::output_shape(const Dims& in) const {
  if (!mode_) return in;
  if (in.size() > 2)
    throw Error("encodes inputs of rank 1 or 2 (batch, ids) only, as Keras does, got " +
                to_string(in));
  Dims out = in;
  if (in.empty()) throw Error("needs an input with a batch axis");
  if (*mode_ == CategoryOutput::kOneHot) {
    if (out.size() == 2 && out[1] == 1) out.pop_back();
    if (keras_major_ < 3 && out.size() == 2)
      throw Error("one_hot encodes one id per sample in tf.keras, got " + to_string(in));
    out.push_back(depth_);
    return out;
  }
  // Keras 3 would count a rank-1 input's whole batch as one sample.
  if (keras_major_ >= 3 && in.size() == 1)
    throw Error("multi_hot and count need ids of shape (batch, n) in Keras 3, got " +
                to_string(in));
  return {in[0], depth_};
}

void CategoryOutputSpec::encode(const float* ids, std::span<const int64_t> in, float* out) const {
  if (!mode_) {
    std::copy_n(ids, num_elements(in), out);
    return;
  }
  const int64_t per_row = in.size() > 1 ? in[1] : 1;
  encode_categories(*mode_, ids, in[0], per_row, depth_, out);
  if (idf_)
    for (int64_t r = 0; r < in[0]; ++r)
      for (int64_t k = 0; k < depth_; ++k) out[r * depth_ + k] *= (*idf_)[k];
}

}  // namespace kerasrt

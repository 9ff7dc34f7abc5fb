// The `output_mode` shared by Discretization, CategoryEncoding, Hashing and the lookup layers:
// "int" (the ids themselves), "one_hot", "multi_hot", "count" or (lookup layers) "tf_idf" (counts
// times per-id weights) over `depth` categories, with Keras's shape rules. Ids arrive and leave as
// float32 (Keras would give int64 for "int"); a fractional id is truncated, as a cast to int does.
// An id outside [0, depth) adds nothing to an encoding, as Keras's bincount and one_hot drop it.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "kernels/category_encoding.h"
#include "layers/layer.h"

namespace kerasrt {

class CategoryOutputSpec {
 public:
  // output_mode from the config (`fallback` when absent); `sparse` must be false.
  CategoryOutputSpec(const LayerConfig& config, const char* fallback, int64_t depth,
                     int keras_major);
  // output_mode `mode` as Keras names it; `idf_weights` (depth of them) for "tf_idf" only.
  CategoryOutputSpec(const std::string& mode, int64_t depth, int keras_major,
                     std::vector<float> idf_weights = {});
  CategoryOutputSpec() = default;  // "int"

  // one_hot: (..., depth) appended, replacing a last axis of 1; multi_hot and count: the ids of a
  // sample's last axis counted into (batch, depth). Inputs of rank 1 are one id per sample.
  Dims output_shape(const Dims& in) const;
  // Encodes ids of shape `in` into `out` (ids outside [0, depth) add nothing).
  void encode(const float* ids, std::span<const int64_t> in, float* out) const;

  // For string encoders (layers/layer.h StringEncoder): `ids`, one per element of a tensor of
  // shape `in`, as the output tensor.
  Tensor encode_ids(std::vector<float> ids, std::span<const int64_t> in) const;

  bool is_int() const { return !mode_; }

  // For layers that compute one id per input element: the scratch the ids need (none for "int",
  // where they are the output), and the run: id_of(i) for every element i of the input, then the
  // encoding.
  size_t ids_scratch_floats(const Dims& in) const {
    return is_int() ? 0 : static_cast<size_t>(num_elements(in));
  }
  template <class IdOf>
  void write_ids(const RunContext& ctx, IdOf id_of) const {
    const ConstTensor& in = ctx.inputs[0];
    float* ids = is_int() ? ctx.outputs[0].data : ctx.scratch;
    for (int64_t i = 0; i < in.size(); ++i) ids[i] = id_of(i);
    if (!is_int()) encode(ids, in.shape, ctx.outputs[0].data);
  }

 private:
  std::optional<CategoryOutput> mode_;  // none: "int"
  int64_t depth_ = 0;
  int keras_major_ = 3;
  std::shared_ptr<const std::vector<float>> idf_;  // tf_idf: counts times these
};

// A layer that maps each element of its one input to an id (Discretization's bucket, Hashing's
// bin), then writes the ids as its output_mode says.
class IdPerElementLayer : public Layer {
 public:
  explicit IdPerElementLayer(CategoryOutputSpec output) : output_(std::move(output)) {}

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {output_.output_shape(inputs[0])};
  }
  size_t scratch_floats(std::span<const Dims> inputs) const override {
    return output_.ids_scratch_floats(inputs[0]);
  }
  void run(const RunContext& ctx) const override {
    const float* in = ctx.inputs[0].data;
    output_.write_ids(ctx, [&](int64_t i) { return id_of(in[i]); });
  }

 protected:
  virtual float id_of(float value) const = 0;
  const CategoryOutputSpec& output() const { return output_; }

 private:
  CategoryOutputSpec output_;
};

}  // namespace kerasrt

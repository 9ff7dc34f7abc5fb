#include "layers/registry.h"

#include <algorithm>

#include "spec/keras_operations.h"

namespace kerasrt {

#define KERASRT_LAYER(class_name, factory) std::unique_ptr<Layer> factory(const BuildContext& ctx);
#include "layers/layer_list.h"
#include "layers/layer_list_attention.h"
#include "layers/layer_list_conv.h"
#include "layers/layer_list_normalization.h"
#include "layers/layer_list_preprocessing.h"
#include "layers/layer_list_recurrent.h"
#include "layers/layer_list_structure.h"
#undef KERASRT_LAYER

const Registry& Registry::builtin() {
  static const Registry registry = [] {
    Registry r;
    std::string_view family;
#define KERASRT_LAYER(class_name, factory) r.entries_.push_back({#class_name, &factory, family});
    family = "core";
#include "layers/layer_list.h"
    family = "attention";
#include "layers/layer_list_attention.h"
    family = "convolution";
#include "layers/layer_list_conv.h"
    family = "normalization";
#include "layers/layer_list_normalization.h"
    family = "preprocessing";
#include "layers/layer_list_preprocessing.h"
    family = "recurrent";
#include "layers/layer_list_recurrent.h"
    family = "structure";
#include "layers/layer_list_structure.h"
#undef KERASRT_LAYER
    std::sort(r.entries_.begin(), r.entries_.end(),
              [](const Entry& a, const Entry& b) { return a.class_name < b.class_name; });
    return r;
  }();
  return registry;
}

LayerFactory Registry::find(std::string_view class_name) const {
  // Keras 3 operations arrive translated to the TFOpLambda form (spec/keras_operations.h).
  if (class_name.starts_with(kOperationPrefix)) class_name = "TFOpLambda";
  auto it =
      std::lower_bound(entries_.begin(), entries_.end(), class_name,
                       [](const Entry& e, std::string_view name) { return e.class_name < name; });
  return it != entries_.end() && it->class_name == class_name ? it->factory : nullptr;
}

std::unique_ptr<Layer> Registry::build(const BuildContext& ctx) const {
  const LayerFactory factory = find(ctx.class_name);
  if (!factory) throw Error("layer type '" + ctx.class_name + "' is not supported", ctx.name);
  try {
    std::unique_ptr<Layer> layer = factory(ctx);
    ctx.weights.finish();
    return layer;
  } catch (const Error& e) {
    throw e.in_layer(ctx.name + " (" + ctx.class_name + ")");
  }
}

bool reads_strings(std::string_view class_name) {
  return class_name == "StringLookup" || class_name == "TextVectorization" ||
         class_name == "Hashing";
}

SharedFloats take_kernel(const BuildContext& ctx, const std::string& what, const Dims& shape) {
  return ctx.packed_after_build ? ctx.weights.take_shared(what, shape)
                                : SharedFloats::owning(ctx.weights.take(what, shape));
}

void expect_inputs(const BuildContext& ctx, size_t count) {
  if (ctx.input_shapes.size() != count)
    throw Error("takes " + std::to_string(count) + " input(s), got " +
                std::to_string(ctx.input_shapes.size()));
}

void expect_min_inputs(const BuildContext& ctx, size_t count) {
  if (ctx.input_shapes.size() < count)
    throw Error("takes at least " + std::to_string(count) + " inputs, got " +
                std::to_string(ctx.input_shapes.size()));
}

}  // namespace kerasrt

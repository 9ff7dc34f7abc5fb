// Maps Keras class names (and their old aliases) to layer factories.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "layers/layer.h"

namespace kerasrt {

class Registry {
 public:
  // The registry of every built-in layer. Immutable; safe to share.
  static const Registry& builtin();

  LayerFactory find(std::string_view class_name) const;  // nullptr if unknown
  // Builds a layer: looks up the factory, builds, and finishes the weight reader. Errors name
  // the layer.
  std::unique_ptr<Layer> build(const BuildContext& ctx) const;

  struct Entry {
    std::string_view class_name;
    LayerFactory factory;
    std::string_view family;  // the layer list it comes from (layer_list_<family>.h)
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // sorted by class name
};

}  // namespace kerasrt

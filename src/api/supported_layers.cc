// kerasrt::supported_layers(): the registry's classes, the ones the graph builder handles itself
// and the Keras 3 operations, so the documentation and `kerasrt info --layers` are generated
// from the code.
#include <algorithm>

#include "kerasrt/kerasrt.h"
#include "layers/registry.h"
#include "spec/keras_operations.h"

namespace kerasrt {

std::vector<LayerSupport> supported_layers() {
  std::vector<LayerSupport> out;
  for (const char* name : {"Functional", "InputLayer", "Model", "Sequential"})
    out.push_back({name, "model"});
  for (const Registry::Entry& e : Registry::builtin().entries())
    out.push_back({std::string(e.class_name), std::string(e.family)});
  for (const std::string& op : supported_keras_operations())
    out.push_back({kOperationPrefix + op, "operation"});
  std::sort(out.begin(), out.end(), [](const LayerSupport& a, const LayerSupport& b) {
    return std::tie(a.family, a.class_name) < std::tie(b.family, b.class_name);
  });
  return out;
}

}  // namespace kerasrt

// Any bytes through Model::load_from_memory: format detection by content, then whichever
// reader claims them (legacy .h5, .keras archive), the graph builder, and a predict.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kerasrt;
  static const LoadOptions options = fuzz::options();
  try {
    const Model model = Model::load_from_memory(fuzz::bytes(data, size), "fuzz", options);
    fuzz::exercise(model, model.summary().total_params);
  } catch (const Error&) {
  }
  return 0;
}

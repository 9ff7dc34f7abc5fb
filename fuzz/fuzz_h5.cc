// The legacy HDF5 (.h5) loader: HDF5 images (the signature must stay in place) through
// Model::load_from_memory: attributes (model_config, layer_names, weight_names), datasets,
// the config reader, the graph builder, and a predict.
#include "format/hdf5.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kerasrt;
  static const LoadOptions options = fuzz::options();
  if (!h5::has_signature(fuzz::bytes(data, size))) return 0;  // the detector has its own target
  try {
    const Model model = Model::load_from_memory(fuzz::bytes(data, size), "fuzz.h5", options);
    fuzz::exercise(model, model.summary().total_params);
  } catch (const Error&) {
  }
  return 0;
}

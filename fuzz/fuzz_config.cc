// The config parser: JSON text as an architecture JSON (model.to_json(), Keras 1/2/3 forms)
// with an empty weights file, through parse_json (size and depth limits), the config reader,
// the Keras 1 upgrade, the graph builder (up to the first layer that needs weights) and a
// predict of whatever builds.
#include <hdf5.h>

#include "format/readers.h"
#include "fuzz_common.h"
#include "graph/runtime.h"

namespace {

// An in-memory HDF5 weights file with an empty 'layer_names': a model without weights.
std::vector<std::byte> empty_weights() {
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(access, 1 << 16, 0);
  const hid_t file = H5Fcreate("empty_weights.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access);
  const hsize_t zero = 0;
  const hid_t space = H5Screate_simple(1, &zero, nullptr);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, 8);
  H5Aclose(H5Acreate2(file, "layer_names", type, space, H5P_DEFAULT, H5P_DEFAULT));
  H5Tclose(type);
  H5Sclose(space);
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  std::vector<std::byte> image(static_cast<size_t>(H5Fget_file_image(file, nullptr, 0)));
  H5Fget_file_image(file, image.data(), image.size());
  H5Fclose(file);
  H5Pclose(access);
  return image;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kerasrt;
  static const LoadOptions options = fuzz::options();
  static const std::vector<std::byte> weights = empty_weights();
  try {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const LoadedSpec spec = read_json_and_weights(text, weights, "weights.h5", options);
    const detail::Runtime runtime(build_graph(spec, options.limits), options, "fuzz.json");
    fuzz::exercise(runtime, runtime.summary().total_params);
  } catch (const Error&) {
  } catch (const std::exception&) {
    // The public API turns these (nlohmann type errors on malformed configs) into Error;
    // this target calls the readers directly, so accept them the same way.
  }
  return 0;
}

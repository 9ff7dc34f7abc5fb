// What HDF5's C library alone takes to read a legacy Keras .h5 file's structure, the floor under
// any loader that uses it: the yardstick for "load time at most 1.5x the time to read the file".
//
//   kerasrt_hdf5_floor MODEL.h5 [--json]
//
// In one fresh process, as the bench processes do: reads the file into a std::vector ("file
// read", as `kerasrt bench` times it), then times HDF5 doing only what a loader cannot skip:
// the library's set-up, opening the bytes in place as a file image (no copy), reading the
// model_config attribute, and for each layer in model_weights/layer_names its group, its
// weight_names and, for each weight, the dataset's type, shape and offset; then closing it all.
// No JSON parsing, no weights touched, no graph: kerasrt's own work comes on top of this.
#include <hdf5.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "format/hdf5_image.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "kerasrt_hdf5_floor: %s\n", what.c_str());
  std::exit(1);
}

// A string attribute of `object` (variable- or fixed-length), or nothing when it is missing.
// Keras splits long ones into name0, name1, ...
std::vector<std::string> strings(hid_t object, const std::string& name) {
  std::vector<std::string> out;
  if (H5Aexists(object, name.c_str()) <= 0) {
    for (int part = 0; H5Aexists(object, (name + std::to_string(part)).c_str()) > 0; ++part) {
      const auto more = strings(object, name + std::to_string(part));
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  const hid_t attr = H5Aopen(object, name.c_str(), H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count > 0 && H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      const hid_t memory_type = H5Tcopy(H5T_C_S1);
      H5Tset_size(memory_type, H5T_VARIABLE);
      H5Tset_cset(memory_type, H5Tget_cset(type));
      std::vector<char*> values(static_cast<size_t>(count));
      if (H5Aread(attr, memory_type, values.data()) < 0) fail("cannot read attribute " + name);
      for (char* v : values) out.emplace_back(v ? v : "");
      H5Dvlen_reclaim(memory_type, space, H5P_DEFAULT, values.data());
      H5Tclose(memory_type);
    } else {
      const size_t width = H5Tget_size(type);
      std::vector<char> buffer(width * static_cast<size_t>(count));
      if (H5Aread(attr, type, buffer.data()) < 0) fail("cannot read attribute " + name);
      for (hssize_t i = 0; i < count; ++i) {
        const char* v = buffer.data() + static_cast<size_t>(i) * width;
        out.emplace_back(v, strnlen(v, width));
      }
    }
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(attr);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) fail("usage: kerasrt_hdf5_floor MODEL.h5 [--json]");
  const bool json = argc > 2 && std::strcmp(argv[2], "--json") == 0;

  const Clock::time_point read_start = Clock::now();
  std::ifstream in(argv[1], std::ios::binary | std::ios::ate);
  if (!in) fail(std::string("cannot open ") + argv[1]);
  std::vector<char> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const double read_seconds = seconds_since(read_start);

  const Clock::time_point start = Clock::now();
  H5open();
  const double init_seconds = seconds_since(start);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // The same in-place opening as kerasrt (format/hdf5_image.h): plain HDF5 calls.
  const hid_t file = kerasrt::h5::open_image_in_place(bytes.data(), bytes.size(), "image");
  if (file < 0) fail(std::string(argv[1]) + " is not an HDF5 file");
  const hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
  size_t config_bytes = 0;
  for (const std::string& part : strings(root, "model_config")) config_bytes += part.size();
  const hid_t weights = H5Lexists(root, "model_weights", H5P_DEFAULT) > 0
                            ? H5Gopen2(root, "model_weights", H5P_DEFAULT)
                            : H5Gopen2(root, ".", H5P_DEFAULT);
  int datasets = 0;
  for (const std::string& layer : strings(weights, "layer_names")) {
    const hid_t group = H5Gopen2(weights, layer.c_str(), H5P_DEFAULT);
    if (group < 0) fail("no group for layer " + layer);
    for (const std::string& name : strings(group, "weight_names")) {
      const hid_t dataset = H5Dopen2(group, name.c_str(), H5P_DEFAULT);
      if (dataset < 0) fail("no dataset " + layer + "/" + name);
      const hid_t type = H5Dget_type(dataset), space = H5Dget_space(dataset);
      hsize_t dims[32];
      if (H5Sget_simple_extent_ndims(space) > 32 ||
          H5Sget_simple_extent_dims(space, dims, nullptr) < 0 ||
          H5Dget_offset(dataset) == HADDR_UNDEF)
        fail("unexpected dataset " + layer + "/" + name);
      H5Sclose(space);
      H5Tclose(type);
      H5Dclose(dataset);
      ++datasets;
    }
    H5Gclose(group);
  }
  H5Gclose(weights);
  H5Gclose(root);
  H5Fclose(file);
  const double hdf5_seconds = seconds_since(start);

  if (json)
    std::printf(
        "{\"file_bytes\": %zu, \"file_read_seconds\": %.9f, \"hdf5_seconds\": %.9f, "
        "\"hdf5_init_seconds\": %.9f, \"datasets\": %d, \"config_bytes\": %zu}\n",
        bytes.size(), read_seconds, hdf5_seconds, init_seconds, datasets, config_bytes);
  else
    std::printf("file read %.3f ms; HDF5 alone %.3f ms (set-up %.3f ms), %d datasets\n",
                read_seconds * 1e3, hdf5_seconds * 1e3, init_seconds * 1e3, datasets);
  return 0;
}

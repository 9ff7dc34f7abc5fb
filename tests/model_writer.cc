#include "model_writer.h"

#include <hdf5.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace kerasrt::test {
namespace {

void set_string_attribute(hid_t object, const std::string& name,
                          const std::vector<std::string>& values, bool scalar) {
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size() + 1);
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  hsize_t count = values.size();
  hid_t space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr);
  std::vector<char> buffer(width * std::max<size_t>(values.size(), 1), '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), buffer.begin() + static_cast<long>(i * width));
  hid_t attribute = H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attribute, type, buffer.data());
  H5Aclose(attribute);
  H5Sclose(space);
  H5Tclose(type);
}

}  // namespace

void write_legacy_h5(
    const std::string& path, const nlohmann::json& model_config,
    const std::vector<std::pair<std::string, std::vector<WeightArray>>>& layer_weights,
    const std::string& keras_version) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("cannot create " + path);
  set_string_attribute(file, "model_config", {model_config.dump()}, true);
  set_string_attribute(file, "keras_version", {keras_version}, true);
  set_string_attribute(file, "backend", {"tensorflow"}, true);
  hid_t weights = H5Gcreate2(file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<std::string> layer_names;
  for (const auto& [layer, arrays] : layer_weights) layer_names.push_back(layer);
  set_string_attribute(weights, "layer_names", layer_names, false);
  hid_t create_intermediate = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(create_intermediate, 1);
  for (const auto& [layer, arrays] : layer_weights) {
    hid_t group = H5Gcreate2(weights, layer.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<std::string> names;
    for (const WeightArray& array : arrays) names.push_back(array.name);
    set_string_attribute(group, "weight_names", names, false);
    for (const WeightArray& array : arrays) {
      std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
      hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
      hid_t dataset = H5Dcreate2(group, array.name.c_str(), H5T_IEEE_F32LE, space,
                                 create_intermediate, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.values.data());
      H5Dclose(dataset);
      H5Sclose(space);
    }
    H5Gclose(group);
  }
  H5Pclose(create_intermediate);
  H5Gclose(weights);
  H5Fclose(file);
}

std::string empty_h5_bytes() {
  const std::string path = temp_path("empty_weights.h5");
  H5Fclose(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void write_zip(const std::string& path, const std::map<std::string, std::string>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) throw std::runtime_error("cannot create " + path);
  std::vector<std::string> keep;  // zip_source_buffer does not copy; keep bytes alive until close
  keep.reserve(entries.size());
  for (const auto& [name, bytes] : entries) {
    keep.push_back(bytes);
    zip_source_t* source = zip_source_buffer(archive, keep.back().data(), keep.back().size(), 0);
    zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
  }
  zip_close(archive);
}

nlohmann::json dense_model_config(int in, int units, const std::string& extra_layer_class) {
  nlohmann::json layers = nlohmann::json::array();
  layers.push_back(
      {{"class_name", "InputLayer"},
       {"config",
        {{"name", "input_1"}, {"batch_input_shape", {nullptr, in}}, {"dtype", "float32"}}}});
  layers.push_back(
      {{"class_name", "Dense"},
       {"config",
        {{"name", "dense"}, {"units", units}, {"activation", "linear"}, {"use_bias", true}}}});
  if (!extra_layer_class.empty())
    layers.push_back({{"class_name", extra_layer_class}, {"config", {{"name", "extra"}}}});
  return {{"class_name", "Sequential"}, {"config", {{"name", "sequential"}, {"layers", layers}}}};
}

nlohmann::json string_hashing_model_config(int num_bins, int width) {
  using Json = nlohmann::json;
  const Json input = {
      {"class_name", "InputLayer"},
      {"name", "text"},
      {"config", {{"batch_input_shape", {nullptr, width}}, {"dtype", "string"}, {"name", "text"}}},
      {"inbound_nodes", Json::array()}};
  const Json hashing = {
      {"class_name", "Hashing"},
      {"name", "hashing"},
      {"config", {{"name", "hashing"}, {"num_bins", num_bins}, {"trainable", true}}},
      {"inbound_nodes", {{{"text", 0, 0, Json::object()}}}}};
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "text_model"},
            {"layers", {input, hashing}},
            {"input_layers", {{"text", 0, 0}}},
            {"output_layers", {{"hashing", 0, 0}}}}}};
}

std::string temp_path(const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("kerasrt_tests_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return (dir / name).string();
}

}  // namespace kerasrt::test

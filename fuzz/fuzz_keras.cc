// The .keras archive loader, two ways:
//  - input starting with "PK": the archive itself (zip parsing, entry limits, bombs);
//  - anything else: "<config.json>\0<model.weights.h5>", packed here into a stored zip, so that
//    mutations of the config and the weights reach the Keras 3 reader instead of stopping at
//    the zip CRC check.
// Either way through Model::load_from_memory and a predict.
#include <zip.h>

#include <cstring>

#include "fuzz_common.h"

namespace {

// A zip (entries stored, not compressed) holding `entries`, built in memory by libzip.
std::vector<uint8_t> pack(
    const std::vector<std::pair<const char*, std::span<const uint8_t>>>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(buffer);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name, source, ZIP_FL_OVERWRITE);
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  zip_close(archive);
  std::vector<uint8_t> out;
  if (zip_source_open(buffer) == 0) {
    zip_source_seek(buffer, 0, SEEK_END);
    out.resize(static_cast<size_t>(zip_source_tell(buffer)));
    zip_source_seek(buffer, 0, SEEK_SET);
    zip_source_read(buffer, out.data(), out.size());
    zip_source_close(buffer);
  }
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kerasrt;
  static const LoadOptions options = fuzz::options();
  std::vector<uint8_t> archive;
  std::span<const uint8_t> input(data, size);
  if (size < 2 || std::memcmp(data, "PK", 2) != 0) {
    const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t config_size = nul ? static_cast<size_t>(nul - data) : size;
    const std::span<const uint8_t> config(data, config_size);
    const std::span<const uint8_t> weights =
        nul ? input.subspan(config_size + 1) : std::span<const uint8_t>();
    static const char kMetadata[] = R"({"keras_version": "3.3.3"})";
    archive = pack(
        {{"config.json", config},
         {"metadata.json", {reinterpret_cast<const uint8_t*>(kMetadata), sizeof kMetadata - 1}},
         {"model.weights.h5", weights}});
    input = archive;
  }
  try {
    const Model model =
        Model::load_from_memory(fuzz::bytes(input.data(), input.size()), "fuzz.keras", options);
    fuzz::exercise(model, model.summary().total_params);
  } catch (const Error&) {
  }
  return 0;
}

// Shared pieces of the server tests: temporary model repositories, in-process servers, random
// inputs, JSON encoding of tensors and the reference answers from the library itself.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "batcher.h"
#include "http_client.h"
#include "kerasrt/kerasrt.h"
#include "log.h"
#include "server.h"

namespace kerasrt::test {

namespace fs = std::filesystem;
using Json = nlohmann::json;

inline fs::path source_path() { return fs::path(KERASRT_SOURCE_DIR); }
inline fs::path mlp_file() { return source_path() / "examples/models/mlp.keras"; }
inline fs::path cnn_file() { return source_path() / "examples/models/mnist_cnn.h5"; }
inline fs::path multi_file() { return source_path() / "tests/fixtures/graph_multi_io/model.h5"; }

inline fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() /
                     ("kerasrt_server_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// DIR/<name>/<version>/<file name of the source>
inline void add_version(const fs::path& repo, const std::string& name, int version,
                        const fs::path& file) {
  const fs::path dir = repo / name / std::to_string(version);
  fs::create_directories(dir);
  fs::copy_file(file, dir / file.filename(), fs::copy_options::overwrite_existing);
}

inline server::ServerOptions test_options(const fs::path& repo) {
  server::ServerOptions o;
  o.repository.directory = repo.string();
  o.repository.poll_seconds = 0.1;
  o.host = "127.0.0.1";
  o.port = 0;
  o.workers = 2;
  o.access_log = "off";
  o.drain_timeout_seconds = 10;
  return o;
}

inline std::unique_ptr<server::Server> start_server(const server::ServerOptions& options) {
  server::set_event_log_quiet(getenv("KERASRT_TEST_LOGS") == nullptr);
  auto s = std::make_unique<server::Server>(options);
  s->start();
  return s;
}

// Uniform [0, 1) values, the model's shape with `rows` rows.
inline Tensor random_input(const TensorInfo& info, int64_t rows, uint32_t seed) {
  std::vector<int64_t> shape = info.shape;
  shape[0] = rows;
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) v = u(rng);
  return Tensor(shape, std::move(values));
}

inline std::vector<Tensor> random_inputs(const Model& model, int64_t rows, uint32_t seed) {
  std::vector<Tensor> out;
  for (const TensorInfo& info : model.inputs()) out.push_back(random_input(info, rows, seed++));
  return out;
}

inline Tensor rows_of(const Tensor& t, int64_t begin, int64_t end) {
  const int64_t per = t.size() / t.shape()[0];
  std::vector<int64_t> shape = t.shape();
  shape[0] = end - begin;
  return Tensor(shape, std::vector<float>(t.data() + begin * per, t.data() + end * per));
}

// The batching mode a server with `max_batch_size` decides for `model` (the check depends on
// the largest batch it compares against).
inline server::BatchMode batch_mode(const Model& model, int max_batch_size = 32) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, int>, server::BatchMode> modes;
  std::lock_guard lock(mutex);
  const auto key = std::make_pair(model.source(), max_batch_size);
  auto it = modes.find(key);
  if (it != modes.end()) return it->second;
  std::string reason;
  return modes[key] = server::check_batching(model, max_batch_size, &reason);
}

// What the server (batching up to `max_batch_size` rows) must answer for `inputs`: the library's
// predict on the request, except that where a lone row gives other bits than the same row in a
// larger batch (batcher.h, kPadSingle), a request of one row is predicted as part of a batch of
// two.
inline std::vector<Tensor> expected(const Model& model, const std::vector<Tensor>& inputs,
                                    int max_batch_size = 32) {
  if (inputs[0].shape()[0] != 1 ||
      batch_mode(model, max_batch_size) != server::BatchMode::kPadSingle)
    return model.predict(inputs);
  std::vector<Tensor> twice;
  for (const Tensor& t : inputs) {
    std::vector<int64_t> shape = t.shape();
    shape[0] = 2;
    std::vector<float> v = t.values();
    v.insert(v.end(), t.values().begin(), t.values().end());
    twice.emplace_back(shape, std::move(v));
  }
  std::vector<Tensor> out;
  for (const Tensor& t : model.predict(twice)) out.push_back(rows_of(t, 0, 1));
  return out;
}

// Nested JSON list of a tensor (row-major), as clients write them.
inline Json nested(const float* data, const int64_t* shape, size_t rank) {
  if (rank == 0) return Json(static_cast<double>(*data));
  int64_t inner = 1;
  for (size_t d = 1; d < rank; ++d) inner *= shape[d];
  Json out = Json::array();
  for (int64_t i = 0; i < shape[0]; ++i)
    out.push_back(nested(data + i * inner, shape + 1, rank - 1));
  return out;
}
inline Json nested(const Tensor& t) { return nested(t.data(), t.shape().data(), t.shape().size()); }
inline Json flat(const Tensor& t) {
  Json out = Json::array();
  for (float v : t.values()) out.push_back(static_cast<double>(v));
  return out;
}

// Flattens a JSON answer into floats (double -> float, as a client reading JSON does).
inline void flatten_json(const Json& j, std::vector<float>& out) {
  if (j.is_array()) {
    for (const Json& x : j) flatten_json(x, out);
  } else {
    out.push_back(static_cast<float>(j.get<double>()));
  }
}

// Bit-for-bit comparison of JSON numbers with a tensor's values.
inline ::testing::AssertionResult same_bits(const Json& answer, const Tensor& want) {
  std::vector<float> got;
  flatten_json(answer, got);
  if (static_cast<int64_t>(got.size()) != want.size())
    return ::testing::AssertionFailure() << got.size() << " values, expected " << want.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want.data()[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure()
             << "value " << i << ": got " << got[i] << ", expected " << want.data()[i];
  return ::testing::AssertionSuccess();
}

// A JSON error answer {"error": "..."} with `status`, its message containing `fragment`.
inline void expect_error(const HttpReply& r, int status, const std::string& fragment) {
  EXPECT_EQ(r.status, status) << r.body;
  const Json j = Json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << r.body;
  EXPECT_NE(j["error"].get<std::string>().find(fragment), std::string::npos) << j["error"];
  EXPECT_EQ(r.header("content-type"), "application/json");
}

inline std::string tf_instances(const Model& model, const std::vector<Tensor>& inputs) {
  Json instances = Json::array();
  const int64_t rows = inputs[0].shape()[0];
  for (int64_t r = 0; r < rows; ++r) {
    if (model.inputs().size() == 1) {
      instances.push_back(nested(rows_of(inputs[0], r, r + 1))[0]);
    } else {
      Json row = Json::object();
      for (size_t i = 0; i < inputs.size(); ++i)
        row[model.inputs()[i].name] = nested(rows_of(inputs[i], r, r + 1))[0];
      instances.push_back(row);
    }
  }
  return Json{{"instances", instances}}.dump();
}

inline std::string v2_request(const Model& model, const std::vector<Tensor>& inputs,
                              const std::string& id = "") {
  Json body = {{"inputs", Json::array()}};
  if (!id.empty()) body["id"] = id;
  for (size_t i = 0; i < inputs.size(); ++i)
    body["inputs"].push_back({{"name", model.inputs()[i].name},
                              {"shape", inputs[i].shape()},
                              {"datatype", "FP32"},
                              {"data", flat(inputs[i])}});
  return body.dump();
}

}  // namespace kerasrt::test

// keras.layers.Hashing. The hash itself is checked against the outputs printed in Keras's own
// documentation (keras/src/layers/preprocessing/hashing.py, run by Keras with TensorFlow); the
// layer on integer inputs is then checked against those same library hashes applied to the
// decimal text Keras hashes, value by value.
#include "layers/hashing.h"

#include <farmhash.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "layer_test_util.h"
#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

std::vector<uint64_t> buckets(const std::vector<std::string>& texts, uint64_t bins,
                              const std::optional<HashSalt>& salt = std::nullopt) {
  std::vector<uint64_t> out;
  for (const std::string& t : texts) out.push_back(hash_bucket(t, bins, salt));
  return out;
}

const std::vector<std::string> kLetters = {"A", "B", "C", "D", "E"};

TEST(HashBucket, MatchesKerasDocumentedFarmHashBins) {
  // Hashing(num_bins=3)(['A', 'B', 'C', 'D', 'E'])
  EXPECT_EQ(buckets(kLetters, 3), (std::vector<uint64_t>{1, 0, 1, 1, 2}));
  // Hashing(num_bins=3, mask_value='')(['A', 'B', '', 'C', 'D']) -> [1, 1, 0, 2, 2]: two bins
  // shifted up by one around the mask.
  EXPECT_EQ(buckets({"A", "B", "C", "D"}, 2), (std::vector<uint64_t>{0, 0, 1, 1}));
}

TEST(HashBucket, MatchesKerasDocumentedSipHashBins) {
  // Hashing(num_bins=3, salt=[133, 137])
  EXPECT_EQ(buckets(kLetters, 3, HashSalt{133, 137}), (std::vector<uint64_t>{1, 2, 1, 0, 2}));
  // Hashing(num_bins=3, salt=133), the same as salt=[133, 133]
  EXPECT_EQ(buckets(kLetters, 3, HashSalt{133, 133}), (std::vector<uint64_t>{0, 0, 2, 1, 0}));
}

Json input_layer(int width, const std::string& dtype = "int64", const std::string& name = "x") {
  return {{"class_name", "InputLayer"},
          {"name", name},
          {"config", {{"batch_input_shape", {nullptr, width}}, {"dtype", dtype}, {"name", name}}},
          {"inbound_nodes", Json::array()}};
}

// Input (None, width) -> Hashing(config), as tf.keras 2.15 writes it.
Json hashing_model(const Json& config, int width, const std::string& dtype = "int64") {
  Json layer_config = config;
  layer_config["name"] = "hashing";
  layer_config["trainable"] = true;
  const Json layer = {{"class_name", "Hashing"},
                      {"name", "hashing"},
                      {"config", layer_config},
                      {"inbound_nodes", {{{"x", 0, 0, Json::object()}}}}};
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"},
            {"layers", {input_layer(width, dtype), layer}},
            {"input_layers", {{"x", 0, 0}}},
            {"output_layers", {{"hashing", 0, 0}}}}}};
}

std::vector<float> run(const Json& config, const std::vector<float>& values) {
  const std::string path = temp_path("hashing.h5");
  write_legacy_h5(path, hashing_model(config, static_cast<int>(values.size())), {});
  const Model model = Model::load(path);
  Tensor x({1, static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), x.data());
  const Tensor y = model.predict(std::vector<Tensor>{x})[0];
  return std::vector<float>(y.data(), y.data() + y.size());
}

float farm_bin(int64_t value, uint64_t bins) {
  const std::string text = std::to_string(value);
  return static_cast<float>(util::Fingerprint64(text.data(), text.size()) % bins);
}

TEST(Hashing, IntegersHashTheirDecimalText) {
  // Floats are cast to int64 first (truncated): 2.7 -> "2", -2.7 -> "-2".
  const std::vector<float> values = {0, 1, 2.7f, -2.7f, 123456, -1};
  const std::vector<float> got = run({{"num_bins", 7}, {"output_mode", "int"}}, values);
  const std::vector<int64_t> as_int = {0, 1, 2, -2, 123456, -1};
  ASSERT_EQ(got.size(), as_int.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], farm_bin(as_int[i], 7)) << i;
}

TEST(Hashing, MaskTakesBinZeroAndSaltSelectsSipHash) {
  const std::vector<float> values = {5, 0, 17, 0};
  const std::vector<float> got =
      run({{"num_bins", 4}, {"mask_value", 0}, {"salt", {133, 137}}}, values);
  for (size_t i : {1u, 3u}) EXPECT_EQ(got[i], 0.0f);
  for (size_t i : {0u, 2u}) {
    const std::string text = std::to_string(static_cast<int64_t>(values[i]));
    EXPECT_EQ(got[i], static_cast<float>(hash_bucket(text, 3, HashSalt{133, 137}) + 1)) << i;
  }
}

TEST(Hashing, MultiHotCountsTheBinsOfASample) {
  const std::vector<float> values = {3, 3, 8};
  const std::vector<float> got = run({{"num_bins", 5}, {"output_mode", "count"}}, values);
  std::vector<float> want(5, 0.0f);
  for (float v : values) want[static_cast<size_t>(farm_bin(static_cast<int64_t>(v), 5))] += 1;
  EXPECT_EQ(got, want);
}

std::string load_error(const Json& config) {
  const std::string path = temp_path("hashing_bad.h5");
  write_legacy_h5(path, hashing_model(config, 2), {});
  try {
    Model::load(path);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

TEST(Hashing, RefusesWhatItCannotHash) {
  EXPECT_NE(load_error({{"num_bins", 0}}).find("num_bins"), std::string::npos);
  // A string mask_value on a numeric input: Keras's tf.equal cannot compare them.
  EXPECT_NE(load_error({{"num_bins", 3}, {"mask_value", ""}}).find("not a string model input"),
            std::string::npos);
  EXPECT_NE(load_error({{"num_bins", 3}, {"salt", {1, 2, 3}}}).find("salt"), std::string::npos);
  EXPECT_NE(load_error({{"num_bins", 3}, {"output_mode", "tf_idf"}}).find("output_mode"),
            std::string::npos);
  // Not a number: NaN cannot become an int64.
  const std::string path = temp_path("hashing_nan.h5");
  write_legacy_h5(path, hashing_model({{"num_bins", 3}}, 1), {});
  const Model model = Model::load(path);
  Tensor x({1, 1});
  x.data()[0] = std::nanf("");
  EXPECT_THROW(model.predict(std::vector<Tensor>{x}), Error);
}

// String inputs: the values Keras's documentation prints, through a whole model.
std::vector<float> run_strings(const Json& config, const std::vector<std::string>& texts) {
  const std::string path = temp_path("hashing_strings.h5");
  write_legacy_h5(path, hashing_model(config, 1, "string"), {});
  const Model model = Model::load(path);
  EXPECT_EQ(model.inputs()[0].dtype, DType::kString);
  const Tensor x = Tensor::of_strings({static_cast<int64_t>(texts.size()), 1}, texts);
  const Tensor y = model.predict(std::vector<Tensor>{x})[0];
  EXPECT_EQ(y.dtype(), DType::kFloat32);
  return y.values();
}

TEST(Hashing, StringsGiveKerasDocumentedBins) {
  const std::vector<std::string> letters = {"A", "B", "C", "D", "E"};
  EXPECT_EQ(run_strings({{"num_bins", 3}}, letters), (std::vector<float>{1, 0, 1, 1, 2}));
  EXPECT_EQ(run_strings({{"num_bins", 3}, {"mask_value", ""}}, {"A", "B", "", "C", "D"}),
            (std::vector<float>{1, 1, 0, 2, 2}));
  EXPECT_EQ(run_strings({{"num_bins", 3}, {"salt", {133, 137}}}, letters),
            (std::vector<float>{1, 2, 1, 0, 2}));
  EXPECT_EQ(run_strings({{"num_bins", 3}, {"salt", 133}}, letters),
            (std::vector<float>{0, 0, 2, 1, 0}));
  // one_hot of the documented bins.
  EXPECT_EQ(run_strings({{"num_bins", 3}, {"output_mode", "one_hot"}}, {"A", "B"}),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

// A float input first, a string input second: (one_hot of the string's bin) + the floats.
Json mixed_model() {
  const Json hashing = {
      {"class_name", "Hashing"},
      {"name", "hashing"},
      {"config", {{"name", "hashing"}, {"num_bins", 3}, {"output_mode", "one_hot"}}},
      {"inbound_nodes", {{{"text", 0, 0, Json::object()}}}}};
  const Json add = {
      {"class_name", "Add"},
      {"name", "add"},
      {"config", {{"name", "add"}}},
      {"inbound_nodes", {{{"hashing", 0, 0, Json::object()}, {"f", 0, 0, Json::object()}}}}};
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"},
            {"layers",
             {input_layer(3, "float32", "f"), input_layer(1, "string", "text"), hashing, add}},
            {"input_layers", {{"f", 0, 0}, {"text", 0, 0}}},
            {"output_layers", {{"add", 0, 0}}}}}};
}

TEST(Hashing, StringAndFloatInputsTogetherInEveryThreadMode) {
  const std::string path = temp_path("hashing_mixed.h5");
  write_legacy_h5(path, mixed_model(), {});
  for (int threads : {1, 2}) {
    LoadOptions options;
    options.intra_op_threads = threads;
    const Model model = Model::load(path, options);
    ASSERT_EQ(model.inputs().size(), 2u);
    EXPECT_EQ(model.inputs()[0].dtype, DType::kFloat32);
    EXPECT_EQ(model.inputs()[1].dtype, DType::kString);
    const Tensor f({4, 3}, {0.5f, 0.25f, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0.125f});
    const Tensor text = Tensor::of_strings({4, 1}, {"A", "B", "E", "C"});  // bins 1, 0, 2, 1
    const Tensor y = model.predict(std::vector<Tensor>{f, text})[0];
    EXPECT_EQ(y.values(), (std::vector<float>{0.5f, 1.25f, 0, 1, 0, 0, 1, 1, 2, 0, 1, 0.125f}))
        << "intra_op_threads " << threads;
    // By name, and with views.
    const auto named = model.predict(std::map<std::string, Tensor>{{"f", f}, {"text", text}});
    EXPECT_EQ(named.at("add").values(), y.values());
  }
}

TEST(Hashing, StringInputsRefuseNumbersAndTheReverse) {
  const std::string path = temp_path("hashing_mixed.h5");
  write_legacy_h5(path, mixed_model(), {});
  const Model model = Model::load(path);
  const Tensor f({1, 3});
  EXPECT_ERROR(model.predict(std::vector<Tensor>{f, Tensor({1, 1})}),
               "input 'text' takes strings, got numbers");
  EXPECT_ERROR(model.predict(std::vector<Tensor>{Tensor::of_strings({1, 3}, {"a", "b", "c"}),
                                                 Tensor::of_strings({1, 1}, {"A"})}),
               "input 'f' takes numbers, got strings");
  EXPECT_ERROR(Tensor::of_strings({2, 2}, {"a"}), "needs 4 strings, got 1");
}

}  // namespace
}  // namespace kerasrt::test

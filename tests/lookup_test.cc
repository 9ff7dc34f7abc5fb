// StringLookup and IntegerLookup: the examples printed in Keras's documentation
// (keras/src/layers/preprocessing/string_lookup.py and integer_lookup.py, run by Keras with
// TensorFlow) - among them hashed OOV ids, an independent check of the FarmHash bucket - and the
// configurations and inputs kerasrt refuses. tests/fixtures/lookup_* cover the rest.
#include <nlohmann/json.hpp>

#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

Json input_layer(int width, const char* dtype) {
  return {{"class_name", "InputLayer"},
          {"name", "x"},
          {"config", {{"batch_input_shape", {nullptr, width}}, {"dtype", dtype}, {"name", "x"}}},
          {"inbound_nodes", Json::array()}};
}

Json layer(const char* class_name, const char* name, Json config, const char* from) {
  config["name"] = name;
  config["trainable"] = true;
  return {{"class_name", class_name},
          {"name", name},
          {"config", config},
          {"inbound_nodes", {{{from, 0, 0, Json::object()}}}}};
}

// Input (None, width) of `dtype` -> `class_name`(config) [-> Activation when `then_another`], as
// tf.keras 2.15 writes it.
Model load(const char* class_name, const Json& config, int width, const char* dtype,
           bool then_another = false) {
  Json layers = {input_layer(width, dtype), layer(class_name, "lookup", config, "x")};
  if (then_another)
    layers.push_back(layer("Activation", "next", {{"activation", "relu"}}, "lookup"));
  const Json model = {{"class_name", "Functional"},
                      {"config",
                       {{"name", "model"},
                        {"layers", layers},
                        {"input_layers", {{"x", 0, 0}}},
                        {"output_layers", {{then_another ? "next" : "lookup", 0, 0}}}}}};
  const std::string path = temp_path("lookup.h5");
  write_legacy_h5(path, model, {});
  return Model::load(path);
}

std::string load_error(const char* class_name, const Json& config, const char* dtype = "string",
                       bool then_another = false) {
  try {
    load(class_name, config, 3, dtype, then_another);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::vector<float> ids_of(const Model& model, const std::vector<std::string>& tokens,
                          int64_t rows) {
  const int64_t cols = static_cast<int64_t>(tokens.size()) / rows;
  const Tensor y = model.predict(std::vector<Tensor>{Tensor::of_strings({rows, cols}, tokens)})[0];
  return y.values();
}

const Json kLetters = {"a", "b", "c", "d"};

TEST(StringLookup, DocumentedHashedOovIds) {
  // StringLookup(vocabulary=vocab, num_oov_indices=2)([["a", "c", "d"], ["m", "z", "b"]])
  const Model model =
      load("StringLookup", {{"vocabulary", kLetters}, {"num_oov_indices", 2}}, 3, "string");
  EXPECT_EQ(ids_of(model, {"a", "c", "d", "m", "z", "b"}, 2),
            (std::vector<float>{2, 4, 5, 0, 1, 3}));
}

TEST(StringLookup, DocumentedTfIdfWithAverageOovWeight) {
  // set_vocabulary(vocab, idf_weights=[0.25, 0.75, 0.6, 0.4]): the OOV slot gets the average.
  const Model model = load("StringLookup",
                           {{"vocabulary", kLetters},
                            {"output_mode", "tf_idf"},
                            {"idf_weights", {0.25, 0.75, 0.6, 0.4}}},
                           4, "string");
  const std::vector<float> got = ids_of(model, {"a", "c", "d", "d", "d", "z", "b", "z"}, 2);
  const std::vector<float> want = {0, 0.25f, 0, 0.6f, 0.8f, 1.0f, 0, 0.75f, 0, 0.4f};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
}

TEST(StringLookup, DocumentedInverseLookup) {
  // StringLookup(vocabulary=vocab, invert=True)([[1, 3, 4], [4, 0, 2]])
  const Model model =
      load("StringLookup", {{"vocabulary", kLetters}, {"invert", true}}, 3, "float32");
  const Tensor ids({2, 3}, {1, 3, 4, 4, 0, 2});
  const Tensor y = model.predict(std::vector<Tensor>{ids})[0];
  EXPECT_EQ(y.strings(), (std::vector<std::string>{"a", "c", "d", "d", "[UNK]", "b"}));
}

TEST(IntegerLookup, DocumentedFloormodOovIds) {
  // IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
  //   ([[12, 1138, 42], [42, 1000, 36]]) -> [[2, 4, 5], [5, 0, 3]]
  const Model model = load(
      "IntegerLookup", {{"vocabulary", {12, 36, 1138, 42}}, {"num_oov_indices", 2}}, 3, "int64");
  const Tensor x({2, 3}, {12, 1138, 42, 42, 1000, 36});
  EXPECT_EQ(model.predict(std::vector<Tensor>{x})[0].values(),
            (std::vector<float>{2, 4, 5, 5, 0, 3}));
}

TEST(StringLookup, UnknownTokenWithoutOovIndicesIsAnErrorNamingIt) {
  const Model model =
      load("StringLookup", {{"vocabulary", kLetters}, {"num_oov_indices", 0}}, 3, "string");
  EXPECT_EQ(ids_of(model, {"a", "b", "d"}, 1), (std::vector<float>{0, 1, 3}));
  try {
    ids_of(model, {"a", "zebra", "d"}, 1);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'zebra'"), std::string::npos) << e.what();
  }
}

TEST(StringLookup, RefusesWhatItCannotDo) {
  EXPECT_NE(load_error("StringLookup",
                       {{"vocabulary", kLetters}, {"output_mode", "multi_hot"}, {"sparse", true}})
                .find("sparse"),
            std::string::npos);
  EXPECT_NE(load_error("StringLookup", {{"vocabulary", "/home/me/vocab.txt"}}).find("file path"),
            std::string::npos);
  EXPECT_NE(load_error("StringLookup", Json::object()).find("no vocabulary"), std::string::npos);
  EXPECT_NE(
      load_error("StringLookup", {{"vocabulary", kLetters}, {"encoding", "latin-1"}}).find("utf-8"),
      std::string::npos);
  EXPECT_NE(load_error("StringLookup", {{"vocabulary", {"a", "b", "a"}}}).find("repeats"),
            std::string::npos);
  // More ids than float32 holds exactly.
  EXPECT_NE(load_error("StringLookup", {{"vocabulary", kLetters}, {"num_oov_indices", 1 << 24}})
                .find("2^24"),
            std::string::npos);
  EXPECT_NE(load_error("StringLookup", {{"vocabulary", kLetters},
                                        {"output_mode", "count"},
                                        {"max_tokens", int64_t{1} << 30},
                                        {"pad_to_max_tokens", true}})
                .find("2^24"),
            std::string::npos);
  EXPECT_NE(load_error("IntegerLookup", {{"vocabulary", {1, (1 << 24) + 1}}}, "int64").find("2^24"),
            std::string::npos);
  // Strings must come from a string model input, and go to a model output.
  EXPECT_NE(load_error("StringLookup", {{"vocabulary", kLetters}}, "float32")
                .find("not a string model input"),
            std::string::npos);
  EXPECT_NE(
      load_error("StringLookup", {{"vocabulary", kLetters}, {"invert", true}}, "float32", true)
          .find("reads the strings"),
      std::string::npos);
}

}  // namespace
}  // namespace kerasrt::test

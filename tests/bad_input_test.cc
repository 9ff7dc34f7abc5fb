// Bad input gets a clear kerasrt::Error naming the file, the layer and the reason: never a
// crash, a hang or a silent wrong answer.
#include <cmath>
#include <fstream>

#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

// Loads `path` and returns the error message (fails the test if loading succeeds).
std::string load_error(const std::string& path) {
  try {
    Model::load(path);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a kerasrt::Error: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << path << " loaded, but should have been refused";
  return {};
}

WeightArray array(const std::string& name, std::vector<long long> shape) {
  size_t count = 1;
  for (long long d : shape) count *= static_cast<size_t>(d);
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = 0.01f * static_cast<float>(i);
  return {name, std::move(shape), std::move(values)};
}

std::string dense_file(const std::string& name, const Json& config,
                       std::vector<WeightArray> weights = {array("dense/kernel:0", {4, 3}),
                                                           array("dense/bias:0", {3})}) {
  const std::string path = temp_path(name);
  write_legacy_h5(path, config, {{"input_1", {}}, {"dense", std::move(weights)}});
  return path;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(BadInput, MissingFile) {
  const std::string message = load_error("/nonexistent/model.h5");
  EXPECT_CONTAINS(message, "/nonexistent/model.h5");
  EXPECT_CONTAINS(message, "cannot open");
}

TEST(BadInput, NotAModel) {
  const std::string path = temp_path("text.h5");
  write_text(path, "hello, I am not a model");
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, path);
  EXPECT_CONTAINS(message, "neither HDF5");
}

TEST(BadInput, EmptyFile) {
  const std::string path = temp_path("empty.keras");
  write_text(path, "");
  EXPECT_CONTAINS(load_error(path), "empty");
}

TEST(BadInput, Directory) { EXPECT_CONTAINS(load_error(temp_path("")), "directory"); }

TEST(BadInput, TruncatedHdf5) {
  const std::string whole = dense_file("whole.h5", dense_model_config(4, 3));
  std::ifstream in(whole, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (size_t keep : {size_t{8}, size_t{100}, bytes.size() / 2, bytes.size() - 100}) {
    const std::string path = temp_path("truncated_" + std::to_string(keep) + ".h5");
    write_text(path, bytes.substr(0, keep));
    EXPECT_CONTAINS(load_error(path), path);
  }
}

TEST(BadInput, UnknownLayersAreAllListed) {
  Json config = dense_model_config(4, 3, "FancyLayer");
  config["config"]["layers"].push_back(
      {{"class_name", "OtherLayer"}, {"config", {{"name", "other"}}}});
  const std::string message = load_error(dense_file("unknown.h5", config));
  EXPECT_CONTAINS(message, "2 layer(s) cannot be loaded");
  EXPECT_CONTAINS(message, "'extra' (FancyLayer)");
  EXPECT_CONTAINS(message, "'other' (OtherLayer)");
}

TEST(BadInput, LambdaIsRefused) {
  Json config = dense_model_config(4, 3, "Lambda");
  config["config"]["layers"][2]["config"]["function"] = {"4wEAAAAAAAAA", nullptr, nullptr};
  const std::string message = load_error(dense_file("lambda.h5", config));
  EXPECT_CONTAINS(message, "'extra' (Lambda)");
  EXPECT_CONTAINS(message, "never runs code");
}

TEST(BadInput, CustomKeras3LayerIsRefused) {
  Json config = dense_model_config(4, 3);
  config["config"]["layers"].push_back({{"module", "my_package.layers"},
                                        {"class_name", "MyLayer"},
                                        {"registered_name", "my_package>MyLayer"},
                                        {"config", {{"name", "mine"}}}});
  const std::string path = temp_path("custom.keras");
  write_zip(path, {{"config.json", config.dump()},
                   {"metadata.json", R"({"keras_version": "3.3.3"})"},
                   {"model.weights.h5", empty_h5_bytes()}});
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "'mine'");
  EXPECT_CONTAINS(message, "my_package>MyLayer");
  EXPECT_CONTAINS(message, "never runs code");
}

TEST(BadInput, CustomLayerInsideWrapperIsRefused) {
  Json config = dense_model_config(4, 3);
  config["config"]["layers"][0]["config"]["batch_input_shape"] = {nullptr, 5, 4};
  config["config"]["layers"].push_back({{"class_name", "Bidirectional"},
                                        {"config",
                                         {{"name", "bidi"},
                                          {"layer",
                                           {{"module", "my_package"},
                                            {"class_name", "MyCell"},
                                            {"registered_name", "my_package>MyCell"},
                                            {"config", {{"name", "cell"}}}}}}}});
  const std::string message = load_error(dense_file("custom_wrapped.h5", config));
  EXPECT_CONTAINS(message, "'bidi' (Bidirectional)");
  EXPECT_CONTAINS(message, "my_package>MyCell");
}

TEST(BadInput, TensorKeywordArgumentsAreRefused) {
  // Keras 3 records tensors passed by keyword among the kwargs (`initial_state`, which kerasrt
  // takes, or `constants`, which it does not); ignoring one would silently compute something else.
  const auto tensor = [](const std::string& layer) {
    return Json{{"class_name", "__keras_tensor__"},
                {"config", {{"shape", {nullptr, 2}}, {"keras_history", {layer, 0, 0}}}}};
  };
  Json layers = Json::array();
  layers.push_back({{"module", "keras.layers"},
                    {"class_name", "InputLayer"},
                    {"name", "x"},
                    {"config", {{"name", "x"}, {"batch_shape", {nullptr, 3, 2}}}},
                    {"inbound_nodes", Json::array()}});
  layers.push_back({{"module", "keras.layers"},
                    {"class_name", "InputLayer"},
                    {"name", "h"},
                    {"config", {{"name", "h"}, {"batch_shape", {nullptr, 2}}}},
                    {"inbound_nodes", Json::array()}});
  layers.push_back(
      {{"module", "keras.layers"},
       {"class_name", "SimpleRNN"},
       {"name", "rnn"},
       {"config", {{"name", "rnn"}, {"units", 2}}},
       {"inbound_nodes", {{{"args", {tensor("x")}}, {"kwargs", {{"constants", {tensor("h")}}}}}}}});
  const Json config = {{"module", "keras.src.models.functional"},
                       {"class_name", "Functional"},
                       {"config",
                        {{"name", "f"},
                         {"layers", layers},
                         {"input_layers", {{"x", 0, 0}, {"h", 0, 0}}},
                         {"output_layers", {{"rnn", 0, 0}}}}}};
  const std::string path = temp_path("kwargs.keras");
  write_zip(path, {{"config.json", config.dump()}, {"model.weights.h5", empty_h5_bytes()}});
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "layer rnn");
  EXPECT_CONTAINS(message, "keyword argument 'constants'");
}

TEST(BadInput, WrongWeightShape) {
  const std::string message =
      load_error(dense_file("wrong_shape.h5", dense_model_config(4, 3),
                            {array("dense/kernel:0", {5, 3}), array("dense/bias:0", {3})}));
  EXPECT_CONTAINS(message, "dense (Dense)");
  EXPECT_CONTAINS(message, "'kernel' must have shape (4, 3)");
  EXPECT_CONTAINS(message, "(5, 3)");
}

TEST(BadInput, MissingWeights) {
  const std::string message = load_error(
      dense_file("missing.h5", dense_model_config(4, 3), {array("dense/kernel:0", {4, 3})}));
  EXPECT_CONTAINS(message, "dense (Dense)");
  EXPECT_CONTAINS(message, "'bias'");
}

TEST(BadInput, ExtraWeights) {
  const std::string message =
      load_error(dense_file("extra.h5", dense_model_config(4, 3),
                            {array("k", {4, 3}), array("b", {3}), array("c", {3})}));
  EXPECT_CONTAINS(message, "dense (Dense)");
  EXPECT_CONTAINS(message, "3 weight(s)");
}

TEST(BadInput, HugeDimension) {
  Json config = dense_model_config(4, 3);
  config["config"]["layers"][1]["config"]["units"] = 4000000000000LL;
  const std::string message = load_error(dense_file("huge.h5", config));
  EXPECT_CONTAINS(message, "dense (Dense)");
}

Json functional(const Json& layers, const Json& inputs, const Json& outputs) {
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"},
            {"layers", layers},
            {"input_layers", inputs},
            {"output_layers", outputs}}}};
}

Json functional_layer(const std::string& cls, const std::string& name, const Json& inbound,
                      Json config = Json::object()) {
  config["name"] = name;
  return {{"class_name", cls}, {"name", name}, {"config", config}, {"inbound_nodes", inbound}};
}

TEST(BadInput, CyclicGraph) {
  const Json input =
      functional_layer("InputLayer", "in", Json::array(), {{"batch_input_shape", {nullptr, 4}}});
  const Json a = functional_layer("Activation", "a", {{{"b", 0, 0, Json::object()}}},
                                  {{"activation", "relu"}});
  const Json b = functional_layer("Activation", "b", {{{"a", 0, 0, Json::object()}}},
                                  {{"activation", "relu"}});
  const std::string path = temp_path("cycle.h5");
  write_legacy_h5(path, functional({input, a, b}, {{"in", 0, 0}}, {{"b", 0, 0}}), {});
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "cycle");
}

TEST(BadInput, DanglingInboundNode) {
  const Json input =
      functional_layer("InputLayer", "in", Json::array(), {{"batch_input_shape", {nullptr, 4}}});
  const Json a = functional_layer("Activation", "a", {{{"ghost", 0, 0, Json::object()}}},
                                  {{"activation", "relu"}});
  const std::string path = temp_path("dangling.h5");
  write_legacy_h5(path, functional({input, a}, {{"in", 0, 0}}, {{"a", 0, 0}}), {});
  const std::string message = load_error(path);
  EXPECT_CONTAINS(message, "layer a");
  EXPECT_CONTAINS(message, "'ghost'");
}

TEST(BadInput, DuplicateLayerNames) {
  Json config = dense_model_config(4, 3);
  config["config"]["layers"].push_back(config["config"]["layers"][1]);
  EXPECT_CONTAINS(load_error(dense_file("duplicate.h5", config)), "two layers are named 'dense'");
}

TEST(BadInput, DeeplyNestedJson) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  const std::string path = temp_path("deep.keras");
  write_zip(path, {{"config.json", deep}});
  EXPECT_CONTAINS(load_error(path), "nests deeper");
}

TEST(BadInput, SubclassedModel) {
  Json config = dense_model_config(4, 3);
  config["class_name"] = "MyModel";
  EXPECT_CONTAINS(load_error(dense_file("subclassed.h5", config)), "subclassed");
}

TEST(BadInput, KerasArchiveWithoutWeights) {
  const std::string path = temp_path("noweights.keras");
  write_zip(path, {{"config.json", dense_model_config(4, 3).dump()}, {"../../evil.txt", "x"}});
  EXPECT_CONTAINS(load_error(path), "no model.weights.h5");
}

class PredictErrors : public ::testing::Test {
 protected:
  void SetUp() override { model_ = Model::load(dense_file("good.h5", dense_model_config(4, 3))); }
  std::string predict_error(const std::vector<Tensor>& inputs) {
    try {
      model_->predict(inputs);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "predict should have failed";
    return {};
  }
  std::optional<Model> model_;
};

TEST_F(PredictErrors, WrongShape) {
  const std::string message = predict_error({Tensor({2, 5})});
  EXPECT_CONTAINS(message, "good.h5");
  EXPECT_CONTAINS(message, "input 'input_1' must have shape (None, 4), got (2, 5)");
}

TEST_F(PredictErrors, WrongRank) {
  EXPECT_CONTAINS(predict_error({Tensor({4})}), "must have shape (None, 4)");
}

// What predict checks, asked before calling it (the server checks requests with it).
TEST_F(PredictErrors, InputAcceptsItsShapesOnly) {
  const TensorInfo& input = model_->inputs()[0];
  EXPECT_TRUE(input.accepts({2, 4}));
  EXPECT_TRUE(input.accepts({0, 4}));
  EXPECT_FALSE(input.accepts({2, 5}));
  EXPECT_FALSE(input.accepts({4}));
  EXPECT_FALSE(input.accepts({2, 4, 1}));
  EXPECT_FALSE(input.accepts({-1, 4}));  // a shape given to predict has no unknown sizes
}

TEST_F(PredictErrors, WrongCount) {
  EXPECT_CONTAINS(predict_error({Tensor({1, 4}), Tensor({1, 4})}), "takes 1 input(s), got 2");
  EXPECT_CONTAINS(predict_error({}), "takes 1 input(s), got 0");
}

TEST_F(PredictErrors, UnknownInputName) {
  try {
    model_->predict(
        std::map<std::string, Tensor>{{"input_1", Tensor({1, 4})}, {"nope", Tensor({1, 4})}});
    ADD_FAILURE() << "should fail";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "no input named 'nope'");
    EXPECT_CONTAINS(std::string(e.what()), "good.h5");
  }
  try {
    model_->predict(std::map<std::string, Tensor>{});
    ADD_FAILURE() << "should fail";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "no value given for input 'input_1'");
    EXPECT_EQ(e.file(), model_->source());
  }
}

TEST_F(PredictErrors, NanAndInfPropagate) {
  Tensor input({1, 4});
  input.data()[0] = std::nanf("");
  input.data()[1] = INFINITY;
  const std::vector<Tensor> out = model_->predict({input});
  ASSERT_EQ(out[0].size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(out[0].data()[i])) << i;
}

TEST_F(PredictErrors, EmptyBatch) {
  const std::vector<Tensor> out = model_->predict({Tensor({0, 4})});
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{0, 3}));
}

}  // namespace
}  // namespace kerasrt::test

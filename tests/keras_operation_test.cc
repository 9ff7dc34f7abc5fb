// Keras 3 operation entries (`x + 1`, `ops.mean(x, 1)`, `x[:, 0]` in a functional model): what is
// refused at load, and how. The numerical results are checked by the kops_* oracle fixtures
// against NumPy expressions.
#include <nlohmann/json.hpp>

#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

Json keras_tensor(const std::string& layer, Json shape = {nullptr, 3, 4}) {
  return {{"class_name", "__keras_tensor__"},
          {"config", {{"shape", shape}, {"dtype", "float32"}, {"keras_history", {layer, 0, 0}}}}};
}

// One operation on an input of shape (None, 3, 4), as Keras 3.12 writes it in a `.keras` file.
Json op_model(const std::string& cls, const Json& config, const Json& args,
              const std::string& module = "keras.src.ops.numpy", const Json& kwargs = {}) {
  const Json input = {{"module", "keras.layers"},
                      {"class_name", "InputLayer"},
                      {"config", {{"batch_shape", {nullptr, 3, 4}}, {"dtype", "float32"}}},
                      {"registered_name", nullptr},
                      {"name", "x"},
                      {"inbound_nodes", Json::array()}};
  const Json op = {{"module", module},
                   {"class_name", cls},
                   {"config", config},
                   {"registered_name", cls},
                   {"name", "op"},
                   {"inbound_nodes",
                    {{{"args", args}, {"kwargs", kwargs.is_null() ? Json::object() : kwargs}}}}};
  return {{"module", "keras.src.models.functional"},
          {"class_name", "Functional"},
          {"config",
           {{"name", "functional"},
            {"trainable", true},
            {"layers", {input, op}},
            {"input_layers", {"x", 0, 0}},
            {"output_layers", {"op", 0, 0}}}},
          {"registered_name", "Functional"}};
}

std::string write_archive(const Json& config, const std::string& file) {
  const std::string path = temp_path(file);
  write_zip(path, {{"metadata.json", R"({"keras_version": "3.12.0"})"},
                   {"config.json", config.dump()},
                   {"model.weights.h5", empty_h5_bytes()}});
  return path;
}

std::string load_error(const Json& config) {
  try {
    Model::load(write_archive(config, "ops.keras"));
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << config.dump() << " loaded, but should have been refused";
  return {};
}

std::vector<float> predict_first_row(const Json& config, const std::vector<float>& row) {
  const Model model = Model::load(write_archive(config, "ops_ok.keras"));
  Tensor x({1, 3, 4});
  std::copy(row.begin(), row.end(), x.data());
  const std::vector<Tensor> out = model.predict(std::vector<Tensor>{x});
  return std::vector<float>(out[0].data(), out[0].data() + out[0].size());
}

const std::vector<float> kRow = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

TEST(KerasOperation, UnsupportedOperationIsRefusedByName) {
  const std::string message = load_error(
      op_model("Cumsum", {{"axis", 1}}, Json::array({keras_tensor("x")}), "keras.src.ops.numpy"));
  EXPECT_CONTAINS(message, "ops.keras");
  EXPECT_CONTAINS(message, "'op' (ops.Cumsum)");
  EXPECT_CONTAINS(message, "Keras operation 'Cumsum' is not supported");
}

struct Refusal {
  std::string cls;
  Json config;
  Json args;
  std::string reason;
};

class KerasOperationRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(KerasOperationRefusal, NamesLayerClassAndReason) {
  const Refusal& r = GetParam();
  const std::string message = load_error(op_model(r.cls, r.config, r.args));
  EXPECT_CONTAINS(message, "op (ops." + r.cls + ")");
  EXPECT_CONTAINS(message, r.reason);
}

const Json kSlice = {{"class_name", "__slice__"},
                     {"config", {{"start", nullptr}, {"stop", nullptr}, {"step", nullptr}}}};

INSTANTIATE_TEST_SUITE_P(
    Arguments, KerasOperationRefusal,
    ::testing::Values(
        Refusal{"Round",
                {{"decimals", 2}},
                Json::array({keras_tensor("x")}),
                "decimals = 2 is not supported"},
        Refusal{
            "Mean", {{"axis", nullptr}}, Json::array({keras_tensor("x")}), "across the batch axis"},
        Refusal{"Sum", {{"axis", 0}}, Json::array({keras_tensor("x")}), "batch axis"},
        Refusal{"Max",
                {{"axis", 1}, {"initial", 0.5}},
                Json::array({keras_tensor("x")}),
                "initial = 0.5"},
        Refusal{"Concatenate",
                {{"name", "op"}},
                {{keras_tensor("x"), keras_tensor("x")}},
                "batch axis"},
        Refusal{"Transpose", {{"axes", nullptr}}, Json::array({keras_tensor("x")}), "batch axis"},
        Refusal{"Elu",
                {{"alpha", 0.5}},
                Json::array({keras_tensor("x")}),
                "alpha = 0.5 is not supported"},
        Refusal{"Cast",
                {{"dtype", "complex64"}},
                Json::array({keras_tensor("x")}),
                "casts to float32, float64, int32, int64 and bool"},
        Refusal{"Where", Json::object(), Json::array({keras_tensor("x")}),
                "gives the indices of its true elements"},
        Refusal{"Add", {{"name", "op"}}, {keras_tensor("x"), 1.0, 2.0}, "called with 3 arguments"},
        Refusal{"Add",
                {{"name", "op"}},
                {keras_tensor("x"), {{"kerasrt_input", 0}}},
                "is not supported"},
        Refusal{"Add",
                {{"name", "op"}},
                {keras_tensor("x"), {{"class_name", "__lambda__"}}},
                "is not supported"},
        Refusal{"GetItem",
                {{"name", "op"}},
                {keras_tensor("x"), {kSlice, keras_tensor("x")}},
                "indexes with a tensor"},
        Refusal{"GetItem", {{"name", "op"}}, {keras_tensor("x"), 0}, "batch axis whole"}));

TEST(KerasOperation, UnknownKeywordArgumentIsRefused) {
  const std::string message =
      load_error(op_model("Add", {{"name", "op"}}, Json::array({keras_tensor("x")}),
                          "keras.src.ops.numpy", {{"x3", 1}}));
  EXPECT_CONTAINS(message, "op (ops.Add)");
  EXPECT_CONTAINS(message, "argument 'x3'");
}

TEST(KerasOperation, KerasBefore34ModuleAndReshapeNewShape) {
  // Keras 3.0-3.3 wrote operations from `keras.ops.*` and Reshape's argument as new_shape.
  const std::vector<float> got =
      predict_first_row(op_model("Reshape", {{"new_shape", {-1, 4, 3}}},
                                 Json::array({keras_tensor("x")}), "keras.ops.numpy"),
                        kRow);
  EXPECT_EQ(got, kRow);  // a reshape keeps the row-major order
}

TEST(KerasOperation, ConstantFirstArgumentAndKerasGeluDefault) {
  // 1.0 - x: Subtract(1.0, x).
  std::vector<float> got =
      predict_first_row(op_model("Subtract", {{"name", "op"}}, {1.0, keras_tensor("x")}), kRow);
  for (size_t i = 0; i < kRow.size(); ++i) EXPECT_EQ(got[i], 1.0f - kRow[i]);
  // Keras's Gelu defaults to the tanh approximation (TensorFlow's gelu does not); at x = 1 the
  // two differ in the fourth digit: 0.841192 (tanh) against 0.841345 (erf).
  got = predict_first_row(
      op_model("Gelu", Json::object(), Json::array({keras_tensor("x")}), "keras.src.ops.nn"), kRow);
  EXPECT_NEAR(got[1], 0.841192f, 2e-6);
}

TEST(KerasOperation, AddOperationIsNotTheAddLayer) {
  // The Add layer sums a list of tensors; the Add operation adds its two arguments. kerasrt's
  // own call form, forged into the file's config, is dropped.
  const Json forged = {{"name", "op"}, {"kerasrt_call", {{"args", {{"kerasrt_input", 3}}}}}};
  const std::vector<float> got =
      predict_first_row(op_model("Add", forged, {keras_tensor("x"), 0.5}), kRow);
  for (size_t i = 0; i < kRow.size(); ++i) EXPECT_EQ(got[i], kRow[i] + 0.5f);
}

}  // namespace
}  // namespace kerasrt::test

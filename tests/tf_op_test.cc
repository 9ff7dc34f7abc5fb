// TFOpLambda / SlicingOpLambda: what is refused at load, and how (numerical results are checked
// by the tfop_* oracle fixtures against NumPy expressions).
#include <nlohmann/json.hpp>

#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

Json input_layer(const std::string& name, Json shape) {
  return {{"class_name", "InputLayer"},
          {"name", name},
          {"config",
           {{"batch_input_shape", shape},
            {"dtype", "float32"},
            {"sparse", false},
            {"ragged", false},
            {"name", name}}},
          {"inbound_nodes", Json::array()}};
}

// One tf-op layer on input(s) of shape `shape`, as tf.keras 2.15 writes it.
Json op_model(const std::string& cls, const std::string& function, const Json& node,
              Json shape = {nullptr, 3, 4}, const std::string& name = "tf.op") {
  const Json layer = {
      {"class_name", cls},
      {"config",
       {{"name", name}, {"trainable", true}, {"dtype", "float32"}, {"function", function}}},
      {"name", name},
      {"inbound_nodes", Json::array({node})}};
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"},
            {"layers", {input_layer("x", shape), input_layer("y", shape), layer}},
            {"input_layers", {{"x", 0, 0}, {"y", 0, 0}}},
            {"output_layers", {{name, 0, 0}}}}}};
}

Json x_node(const Json& kwargs) { return {"x", 0, 0, kwargs}; }

std::string load_error(const Json& config, const std::string& file = "tfop.h5") {
  const std::string path = temp_path(file);
  write_legacy_h5(path, config, {});
  try {
    Model::load(path);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << config.dump() << " loaded, but should have been refused";
  return {};
}

TEST(TfOpLambda, UnsupportedFunctionIsRefusedByName) {
  const std::string message = load_error(
      op_model("TFOpLambda", "math.cumsum", x_node({{"axis", 1}}), {nullptr, 3, 4}, "tf.cumsum"));
  EXPECT_CONTAINS(message, "tfop.h5");
  EXPECT_CONTAINS(message, "'tf.cumsum' (TFOpLambda)");
  EXPECT_CONTAINS(message, "TensorFlow function 'math.cumsum' is not supported");
}

TEST(TfOpLambda, SlicingOtherThanGetitemIsRefused) {
  const std::string message = load_error(op_model(
      "SlicingOpLambda", "boolean_mask", x_node({{"mask", {"y", 0, 0}}}), {nullptr, 3, 4}, "bm"));
  EXPECT_CONTAINS(message, "'bm' (SlicingOpLambda)");
  EXPECT_CONTAINS(message, "'boolean_mask' is not supported");
}

TEST(TfOpLambda, TensorFlowOpLayerIsRefusedWithItsOp) {
  Json model = op_model("TFOpLambda", "math.add", x_node({{"y", 1.0}}), {nullptr, 3, 4}, "tf_op");
  Json& layer = model["config"]["layers"][2];
  layer["class_name"] = "TensorFlowOpLayer";
  layer["config"] = {{"name", "tf_op"},
                     {"trainable", true},
                     {"dtype", "float32"},
                     {"node_def", {{"name", "Mul"}, {"op", "Mul"}}},
                     {"constants", {{"1", 0.5}}}};
  layer["inbound_nodes"] = {{{"x", 0, 0, Json::object()}}};
  const std::string message = load_error(model);
  EXPECT_CONTAINS(message, "'tf_op' (TensorFlowOpLayer)");
  EXPECT_CONTAINS(message, "op 'Mul'");
}

// Load-time refusals that depend on the arguments: the message names the layer, its class,
// the function and the reason.
struct Refusal {
  std::string function;
  Json node;
  std::string reason;
};

class TfOpRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(TfOpRefusal, NamesLayerClassAndReason) {
  const Refusal& r = GetParam();
  const std::string cls = r.function == "__operators__.getitem" ? "SlicingOpLambda" : "TFOpLambda";
  const std::string message = load_error(op_model(cls, r.function, r.node));
  EXPECT_CONTAINS(message, "tf.op (" + cls + ")");
  EXPECT_CONTAINS(message, "'" + r.function + "'");
  EXPECT_CONTAINS(message, r.reason);
}

const Json kFull = {{"start", nullptr}, {"stop", nullptr}, {"step", nullptr}};

INSTANTIATE_TEST_SUITE_P(
    Arguments, TfOpRefusal,
    ::testing::Values(
        Refusal{"math.reduce_sum", x_node(Json::object()), "across the batch axis"},
        Refusal{"math.reduce_mean", x_node({{"axis", 0}}), "batch axis"},
        Refusal{"math.reduce_max", x_node({{"axis", -3}}), "batch axis"},
        Refusal{"math.reduce_sum", x_node({{"axis", 3}}), "out of range"},
        Refusal{"reshape", x_node({{"shape", {6, 2}}}), "batch size"},
        Refusal{"reshape", x_node({{"shape", {-1, -1, 2}}}), "batch size"},
        Refusal{"reshape", x_node({{"shape", {-1, 5}}}), "batch size"},
        Refusal{"reshape", x_node({{"shape", {{"y", 0, 0}, 12}}}), "computed from tensors"},
        Refusal{"transpose", x_node(Json::object()), "batch axis"},
        Refusal{"transpose", x_node({{"perm", {1, 0, 2}}}), "moves the batch axis"},
        Refusal{"concat", Json::array({x_node({{"axis", 0}}), {"y", 0, 0, {{"axis", 0}}}}),
                "batch axis"},
        Refusal{"stack", Json::array({x_node(Json::object()), {"y", 0, 0, Json::object()}}),
                "batch axis"},
        Refusal{"concat",
                Json::array({x_node({{"axis", 1}}), {"_CONSTANT_VALUE", -1, 1.0, {{"axis", 1}}}}),
                "constant in 'values'"},
        Refusal{"expand_dims", x_node({{"axis", 0}}), "batch axis"},
        Refusal{"squeeze", x_node(Json::object()), "batch axis"},
        Refusal{"cast", x_node({{"dtype", "complex64"}}),
                "casts to float32, float64, int32, int64 and bool"},
        Refusal{"where", x_node(Json::object()), "gives the indices of its true elements"},
        Refusal{"math.add", x_node({{"y", {1.0, 2.0, 3.0}}}), "do not broadcast"},
        Refusal{"math.add", x_node({{"y", {{{1.0}}, {{2.0}}}}}), "against the batch axis"},
        Refusal{"math.add", x_node({{"y", {"y", 0, 0}}, {"alpha", 2}}), "argument 'alpha'"},
        Refusal{"linalg.matmul", x_node({{"b", {{1.0}, {2.0}}}, {"transpose_a", true}}),
                "do not multiply"},
        Refusal{"__operators__.getitem", x_node({{"slice_spec", 0}}), "batch axis whole"},
        Refusal{"__operators__.getitem",
                x_node({{"slice_spec", {{{"start", 1}, {"stop", nullptr}, {"step", nullptr}}}}}),
                "batch axis whole"},
        Refusal{"__operators__.getitem", x_node({{"slice_spec", {nullptr, kFull}}}),
                "before the batch axis"},
        Refusal{"__operators__.getitem", x_node({{"slice_spec", {kFull, 3}}}), "out of range"},
        Refusal{"__operators__.getitem", x_node({{"slice_spec", {kFull, 0, 0, 0}}}),
                "indexes 4 axes"},
        Refusal{"__operators__.getitem", x_node({{"slice_spec", {kFull, {"y", 0, 0}}}}),
                "indexes with a tensor"}));

TEST(TfOpLambda, RankTwoTensorMatmulAcrossTheBatchIsRefused) {
  const std::string message = load_error(
      op_model("TFOpLambda", "linalg.matmul", x_node({{"b", {"y", 0, 0}}}), {nullptr, 4}));
  EXPECT_CONTAINS(message, "tf.op (TFOpLambda)");
  EXPECT_CONTAINS(message, "across its batch axis");
}

TEST(TfOpLambda, SharedCallsMustAgree) {
  Json model = op_model("TFOpLambda", "math.multiply", x_node({{"y", 2.0}}));
  model["config"]["layers"][2]["inbound_nodes"].push_back(Json{"y", 0, 0, {{"y", 3.0}}});
  const std::string message = load_error(model);
  EXPECT_CONTAINS(message, "tf.op (TFOpLambda)");
  EXPECT_CONTAINS(message, "different arguments");
}

TEST(TfOpLambda, ForgedInternalArgumentsAreRefused) {
  // kerasrt's own markers, written into a file, must not reach the layer.
  EXPECT_CONTAINS(
      load_error(op_model("TFOpLambda", "math.add", x_node({{"y", {{"kerasrt_input", 7}}}}))),
      "malformed call argument");
  Json model = op_model("TFOpLambda", "math.add", x_node({{"y", 1.0}}));
  model["config"]["layers"][2]["config"]["kerasrt_call"] = {
      {"args", {{"kerasrt_input", 9}}}, {"kwargs", {{"y", {{"kerasrt_input", 9}}}}}};
  const std::string path = temp_path("forged.h5");
  write_legacy_h5(path, model, {});
  const Model loaded = Model::load(path);  // the forged config is dropped; the real call used
  Tensor x({1, 3, 4}), y({1, 3, 4});
  const std::vector<Tensor> out = loaded.predict(std::vector<Tensor>{x, y});
  EXPECT_EQ(out[0].data()[0], 1.0f);
}

TEST(TfOpLambda, GetitemMatchesPythonSlicing) {
  // x[:, ::-1, 1:-1:2] on (2, 3, 5) values 0..29.
  const Json spec = {kFull,
                     {{"start", nullptr}, {"stop", nullptr}, {"step", -1}},
                     {{"start", 1}, {"stop", -1}, {"step", 2}}};
  const std::string path = temp_path("getitem.h5");
  write_legacy_h5(path,
                  op_model("SlicingOpLambda", "__operators__.getitem",
                           x_node({{"slice_spec", spec}}), {nullptr, 3, 5}),
                  {});
  const Model model = Model::load(path);
  Tensor x({2, 3, 5}), y({2, 3, 5});
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i);
  const std::vector<Tensor> out = model.predict(std::vector<Tensor>{x, y});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{2, 3, 2}));
  const std::vector<float> want = {11, 13, 6, 8, 1, 3, 26, 28, 21, 23, 16, 18};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out[0].data()[i], want[i]) << i;
}

TEST(TfOpLambda, GetitemWithHugeBoundsAndSteps) {
  // x[:, 9223372036854775807::-4611686018427387904, -9223372036854775807:]: row 2 only.
  const Json spec = {kFull,
                     {{"start", INT64_MAX}, {"stop", nullptr}, {"step", -(INT64_C(1) << 62)}},
                     {{"start", -INT64_MAX}, {"stop", nullptr}, {"step", nullptr}}};
  const std::string path = temp_path("getitem_huge.h5");
  write_legacy_h5(path,
                  op_model("SlicingOpLambda", "__operators__.getitem",
                           x_node({{"slice_spec", spec}}), {nullptr, 3, 5}),
                  {});
  const Model model = Model::load(path);
  Tensor x({1, 3, 5}), y({1, 3, 5});
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i);
  const std::vector<Tensor> out = model.predict(std::vector<Tensor>{x, y});
  ASSERT_EQ(out[0].shape(), (std::vector<int64_t>{1, 1, 5}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[0].data()[i], 10.0f + static_cast<float>(i));
}

}  // namespace
}  // namespace kerasrt::test

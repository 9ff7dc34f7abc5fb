// String tensors through both protocols: a model that reads text (Input of strings ->
// Hashing(num_bins=3)), fed JSON strings, TF Serving's {"b64": ...} objects and KServe v2 BYTES
// (JSON and binary), batched; and the writing of string outputs, checked on the encoders
// directly (no layer on main writes strings yet).
#include <gtest/gtest.h>

#include <thread>

#include "model_writer.h"
#include "server_test_util.h"

namespace kerasrt::test {
namespace {

// Keras's documented bins for Hashing(num_bins=3) (keras/src/layers/preprocessing/hashing.py).
const std::vector<std::string> kLetters = {"A", "B", "C", "D", "E"};
const std::vector<float> kLetterBins = {1, 0, 1, 1, 2};

// Each element: 4-byte little-endian length, then the bytes.
std::string length_prefixed(const std::vector<std::string>& texts) {
  std::string out;
  for (const std::string& s : texts) {
    const auto n = static_cast<uint32_t>(s.size());
    for (int b = 0; b < 4; ++b) out += static_cast<char>(n >> (8 * b) & 0xff);
    out += s;
  }
  return out;
}

class Strings : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    repo_ = new fs::path(temp_dir("strings"));
    const fs::path model = *repo_ / "text_hashing.h5";
    write_legacy_h5(model.string(), string_hashing_model_config(3), {});
    add_version(*repo_, "text", 1, model);
    // The same with one string per row: input shape (None,).
    Json words_config = string_hashing_model_config(3);
    words_config["config"]["layers"][0]["config"]["batch_input_shape"] = {nullptr};
    const fs::path words = *repo_ / "words_hashing.h5";
    write_legacy_h5(words.string(), words_config, {});
    add_version(*repo_, "words", 1, words);
    add_version(*repo_, "mlp", 1, mlp_file());
    server::ServerOptions o = test_options(*repo_);
    o.workers = 2;
    server_ = start_server(o).release();
    port_ = server_->port();
    text_ = new Model(Model::load(model.string()));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete text_;
    fs::remove_all(*repo_);
    delete repo_;
  }
  static HttpReply post(const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& h = {}) {
    return http(port_, "POST", path, body, h);
  }
  // A v2 request for the text input with `rows` rows as binary BYTES data.
  static HttpReply post_binary_text(const std::string& binary, int rows) {
    const std::string header = Json{{"inputs",
                                     {{{"name", "text"},
                                       {"datatype", "BYTES"},
                                       {"shape", {rows, 1}},
                                       {"parameters", {{"binary_data_size", binary.size()}}}}}}}
                                   .dump();
    return post("/v2/models/text/infer", header + binary,
                {{"Inference-Header-Content-Length", std::to_string(header.size())}});
  }

  static fs::path* repo_;
  static server::Server* server_;
  static int port_;
  static Model* text_;
};
fs::path* Strings::repo_;
server::Server* Strings::server_;
int Strings::port_;
Model* Strings::text_;

Json bins_column(const std::vector<float>& bins) {
  Json out = Json::array();
  for (float b : bins) out.push_back({b});
  return out;
}

TEST_F(Strings, MetadataSaysStrings) {
  Json j = Json::parse(http(port_, "GET", "/v2/models/text").body);
  EXPECT_EQ(j["inputs"][0]["name"], "text");
  EXPECT_EQ(j["inputs"][0]["datatype"], "BYTES");
  EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
  j = Json::parse(http(port_, "GET", "/v1/models/text/metadata").body);
  EXPECT_EQ(
      j["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]["text"]["dtype"],
      "DT_STRING");
}

TEST_F(Strings, TfPredictTakesStringsAndB64) {
  Json instances = Json::array();
  for (const std::string& s : kLetters) instances.push_back({s});
  HttpReply r = post("/v1/models/text:predict", Json{{"instances", instances}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"], bins_column(kLetterBins));

  // Binary strings as TF Serving takes them: {"b64": ...}, standard or URL-safe, padded or not;
  // instances as objects; the columnar form, named and not.
  const Json b64 = {{{{"b64", "QQ=="}}}, {{{"b64", "Qg"}}}, {"C"}};  // "A", "B", "C"
  r = post("/v1/models/text:predict", Json{{"instances", b64}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"], bins_column({1, 0, 1}));
  r = post("/v1/models/text:predict", R"({"instances": [{"text": ["E"]}, {"text": ["D"]}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"], bins_column({2, 1}));
  r = post("/v1/models/text:predict", R"({"inputs": {"text": [["E"], ["A"]]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["outputs"], bins_column({2, 1}));
  r = post("/v1/models/text:predict", R"({"inputs": [["B"]]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["outputs"], bins_column({0}));
}

// A row that is one string: {"b64": ...} is that value, not an object naming inputs.
TEST_F(Strings, TfPredictScalarRowsAndB64) {
  HttpReply r = post("/v1/models/words:predict",
                     R"({"instances": [{"b64": "QQ=="}, "B", {"b64": "Qw=="}, "D", "E"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"], Json(kLetterBins));
  r = post("/v1/models/words:predict",
           R"({"instances": [{"text": "E"}, {"text": {"b64": "QQ"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"], Json({2, 1}));
  r = post("/v1/models/words:predict", R"({"inputs": ["E", {"b64": "RA=="}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["outputs"], Json({2, 1}));
  expect_error(
      post("/v1/models/words:predict", R"({"instances": [{"b64": "QQ=="}, {"text": "B"}]})"), 400,
      "instances mix objects and plain values");
}

TEST_F(Strings, TfPredictTypeErrors) {
  expect_error(post("/v1/models/text:predict", R"({"instances": [[1]]})"), 400,
               "instance 0: the model takes strings here (or {\"b64\": base64 bytes}), got number");
  expect_error(post("/v1/models/text:predict", R"({"inputs": {"text": [[true]]}})"), 400,
               "input 'text': the model takes strings here");
  expect_error(post("/v1/models/text:predict", R"({"instances": [[{"b64": "Q?=="}]]})"), 400,
               "not base64");
  expect_error(post("/v1/models/text:predict", R"({"instances": [[{"b64": "QUJDR"}]]})"), 400,
               "not base64");
  expect_error(post("/v1/models/text:predict", R"({"instances": [[{"text": "A"}]]})"), 400,
               "got object");
  expect_error(post("/v1/models/text:predict", R"({"instances": [[["A"], "B"]]})"), 400, "ragged");
  expect_error(post("/v1/models/text:predict", R"({"inputs": {"nope": [["A"]]}})"), 400,
               "unknown input 'nope'");
  // Text where the model takes numbers.
  expect_error(post("/v1/models/mlp:predict", R"({"instances": [[{"b64": "QQ=="}]]})"), 400,
               "expected numbers, got object");
}

std::string v2_text_request(const std::vector<std::string>& texts) {
  return Json{
      {"inputs",
       {{{"name", "text"}, {"datatype", "BYTES"}, {"shape", {texts.size(), 1}}, {"data", texts}}}}}
      .dump();
}

TEST_F(Strings, V2InferBytes) {
  HttpReply r = post("/v2/models/text/infer", v2_text_request(kLetters));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(j["outputs"][0]["shape"], Json({5, 1}));
  EXPECT_EQ(j["outputs"][0]["data"], Json(kLetterBins));

  // Binary tensor data: BYTES elements length-prefixed.
  r = post_binary_text(length_prefixed({"E", "A", "B"}), 3);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["outputs"][0]["data"], Json({2, 1, 0}));
}

TEST_F(Strings, V2TypeErrors) {
  Json body = Json::parse(v2_text_request({"A"}));
  body["inputs"][0]["datatype"] = "FP32";
  expect_error(post("/v2/models/text/infer", body.dump()), 400,
               "input 'text' has datatype FP32, the model expects BYTES");
  body["inputs"][0]["datatype"] = "BYTES";
  body["inputs"][0]["data"] = {1.5};
  expect_error(post("/v2/models/text/infer", body.dump()), 400,
               "input 'text' data: the model takes strings here, got number");
  body["inputs"][0]["data"] = {{{"b64", "QQ=="}}};  // TF Serving's form, not v2's
  expect_error(post("/v2/models/text/infer", body.dump()), 400, "got object");
  body["inputs"][0]["data"] = {"A", "B"};
  expect_error(post("/v2/models/text/infer", body.dump()), 400, "holds 1 values, the data has 2");
  const std::string mlp_input = Model::load(mlp_file().string()).inputs()[0].name;
  expect_error(
      post(
          "/v2/models/mlp/infer",
          Json{{"inputs",
                {{{"name", mlp_input}, {"datatype", "BYTES"}, {"shape", {1, 1}}, {"data", {"A"}}}}}}
              .dump()),
      400, "the model expects FP32");

  // Binary BYTES that do not add up: truncated, a length past the end, bytes left over.
  const auto binary_error = [&](const std::string& binary, const std::string& fragment) {
    expect_error(post_binary_text(binary, 2), 400, fragment);
  };
  binary_error(length_prefixed({"A"}), "ends before element 1");
  binary_error(length_prefixed({"A"}) + std::string("\x09\0\0\0B", 5),
               "claims 9 bytes, 1 are left");
  binary_error(length_prefixed({"A", "B", "C"}), "follow the last element");
}

TEST_F(Strings, ConcurrentRequestsBatchCorrectly) {
  std::string reason;
  EXPECT_EQ(server::check_batching(*text_, 32, &reason), server::BatchMode::kMerge) << reason;
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      for (int k = 0; k < 10; ++k) {
        // Rows of varying count and letters, so that merged batches mix them.
        std::vector<std::string> texts;
        std::vector<float> bins;
        for (int i = 0; i <= (c + k) % 4; ++i) {
          texts.push_back(kLetters[static_cast<size_t>(c + k + i) % 5]);
          bins.push_back(kLetterBins[static_cast<size_t>(c + k + i) % 5]);
        }
        const HttpReply r = post("/v2/models/text/infer", v2_text_request(texts));
        if (r.status != 200 || Json::parse(r.body)["outputs"][0]["data"] != Json(bins)) ++wrong;
      }
    });
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// String outputs (StringLookup(invert=True) will give them): each protocol's writer directly.
TEST(StringOutputs, TfServingJson) {
  const Tensor t =
      Tensor::of_strings({2, 2}, {"h\xc3\xa9llo", "\"q\"", "", std::string("\xff\x00", 2)});
  EXPECT_EQ(server::tf_output_json(t, "words"), R"([["h)"
                                                "\xc3\xa9"
                                                R"(llo","\"q\""],["",{"b64":"/wA="}]])");
  // An output named "*_bytes": every string as base64 (TF Serving's convention).
  EXPECT_EQ(server::tf_output_json(Tensor::of_strings({3}, {"a", "ab", "abc"}), "image_bytes"),
            R"([{"b64":"YQ=="},{"b64":"YWI="},{"b64":"YWJj"}])");
  EXPECT_EQ(server::tf_output_json(Tensor::of_strings({}, {"x"}), "scalar"), R"("x")");
  // Numbers unchanged.
  EXPECT_EQ(server::tf_output_json(Tensor({2}, {1.5f, -2.0f}), "y"), "[1.5,-2]");
}

TEST(StringOutputs, V2DataAndBinary) {
  const Tensor t = Tensor::of_strings({3}, {"a", "\"b\"", ""});
  EXPECT_EQ(server::v2_output_data(t), R"(["a","\"b\"",""])");
  EXPECT_EQ(server::v2_output_binary(t), length_prefixed({"a", "\"b\"", ""}));
  EXPECT_EQ(server::v2_output_binary(Tensor::of_strings({1}, {std::string(300, 'x')})),
            std::string("\x2c\x01\0\0", 4) + std::string(300, 'x'));
  const Tensor numbers({2}, {1.0f, 0.5f});
  EXPECT_EQ(server::v2_output_data(numbers), "[1,0.5]");
  EXPECT_EQ(server::v2_output_binary(numbers),
            std::string(reinterpret_cast<const char*>(numbers.data()), 8));
}

}  // namespace
}  // namespace kerasrt::test

// Every endpoint of both protocols, and their error cases, through real HTTP requests to a
// server started in this process; every answer compared bit for bit with the library's predict.
#include <gtest/gtest.h>

#include <thread>

#include "server_test_util.h"

namespace kerasrt::test {
namespace {

class Protocol : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    repo_ = new fs::path(temp_dir("protocol"));
    add_version(*repo_, "mlp", 1, mlp_file());
    add_version(*repo_, "cnn", 1, cnn_file());
    add_version(*repo_, "multi", 1, multi_file());
    server::ServerOptions o = test_options(*repo_);
    o.max_body_bytes = 4 << 20;
    server_ = start_server(o).release();
    port_ = server_->port();
    mlp_ = new Model(Model::load(mlp_file().string()));
    cnn_ = new Model(Model::load(cnn_file().string()));
    multi_ = new Model(Model::load(multi_file().string()));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete mlp_;
    delete cnn_;
    delete multi_;
    fs::remove_all(*repo_);
    delete repo_;
  }
  static HttpReply get(const std::string& path) { return http(port_, "GET", path); }
  static HttpReply post(const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& h = {}) {
    return http(port_, "POST", path, body, h);
  }

  static fs::path* repo_;
  static server::Server* server_;
  static int port_;
  static Model *mlp_, *cnn_, *multi_;
};
fs::path* Protocol::repo_;
server::Server* Protocol::server_;
int Protocol::port_;
Model *Protocol::mlp_, *Protocol::cnn_, *Protocol::multi_;

// ------------------------------------------------------------------------------- health

TEST_F(Protocol, HealthAndServerMetadata) {
  HttpReply r = get("/v2/health/live");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["live"], true);
  r = get("/v2/health/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["ready"], true);
  r = get("/v2");
  ASSERT_EQ(r.status, 200);
  const Json meta = Json::parse(r.body);
  EXPECT_EQ(meta["name"], "kerasrt");
  EXPECT_TRUE(meta["version"].is_string());
  EXPECT_EQ(meta["extensions"], Json({"binary_tensor_data"}));
}

// ------------------------------------------------------------------- TensorFlow Serving

TEST_F(Protocol, TfStatus) {
  HttpReply r = get("/v1/models/mlp");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  ASSERT_EQ(j["model_version_status"].size(), 1u);
  EXPECT_EQ(j["model_version_status"][0]["version"], "1");
  EXPECT_EQ(j["model_version_status"][0]["state"], "AVAILABLE");
  EXPECT_EQ(j["model_version_status"][0]["status"]["error_code"], "OK");
  r = get("/v1/models/mlp/versions/1");
  EXPECT_EQ(r.status, 200);
  expect_error(get("/v1/models/mlp/versions/7"), 404, "version 7");
  expect_error(get("/v1/models/nope"), 404, "nope");
  expect_error(get("/v1/models/mlp/versions/abc"), 404, "not a version number");
}

TEST_F(Protocol, TfMetadata) {
  HttpReply r = get("/v1/models/cnn/metadata");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j["model_spec"]["name"], "cnn");
  EXPECT_EQ(j["model_spec"]["version"], "1");
  const Json& sig = j["metadata"]["signature_def"]["signature_def"]["serving_default"];
  EXPECT_EQ(sig["method_name"], "tensorflow/serving/predict");
  const TensorInfo& in = cnn_->inputs()[0];
  const Json& input = sig["inputs"][in.name];
  EXPECT_EQ(input["dtype"], "DT_FLOAT");
  ASSERT_EQ(input["tensor_shape"]["dim"].size(), in.shape.size());
  for (size_t d = 0; d < in.shape.size(); ++d)
    EXPECT_EQ(input["tensor_shape"]["dim"][d]["size"], std::to_string(in.shape[d]));
  EXPECT_TRUE(sig["outputs"].contains(cnn_->outputs()[0].name));
  EXPECT_EQ(get("/v1/models/cnn/versions/1/metadata").status, 200);
  expect_error(get("/v1/models/cnn/versions/2/metadata"), 404, "Specific(cnn, 2)");
  expect_error(get("/v1/models/none/metadata"), 404, "Latest(none)");
}

TEST_F(Protocol, TfPredictRowFormat) {
  for (int64_t rows : {1, 3, 8}) {
    const auto x = random_inputs(*mlp_, rows, 100 + static_cast<uint32_t>(rows));
    const HttpReply r = post("/v1/models/mlp:predict", tf_instances(*mlp_, x));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = Json::parse(r.body);
    ASSERT_EQ(j["predictions"].size(), static_cast<size_t>(rows));
    EXPECT_TRUE(same_bits(j["predictions"], expected(*mlp_, x)[0])) << "rows " << rows;
  }
  // An explicit version, the signature name, and instances as {input name: value} objects.
  const auto x = random_inputs(*mlp_, 2, 7);
  Json body = Json::parse(tf_instances(*mlp_, x));
  body["signature_name"] = "serving_default";
  for (Json& inst : body["instances"]) inst = Json{{mlp_->inputs()[0].name, inst}};
  const HttpReply r = post("/v1/models/mlp/versions/1:predict", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(same_bits(Json::parse(r.body)["predictions"], mlp_->predict(x)[0]));
}

TEST_F(Protocol, TfPredictColumnarFormat) {
  const auto x = random_inputs(*cnn_, 2, 11);
  HttpReply r = post("/v1/models/cnn:predict", Json{{"inputs", nested(x[0])}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(same_bits(Json::parse(r.body)["outputs"], cnn_->predict(x)[0]));
  r = post("/v1/models/cnn:predict",
           Json{{"inputs", {{cnn_->inputs()[0].name, nested(x[0])}}}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(same_bits(Json::parse(r.body)["outputs"], cnn_->predict(x)[0]));
}

TEST_F(Protocol, TfPredictMultipleInputsAndOutputs) {
  const auto x = random_inputs(*multi_, 3, 21);
  const auto want = multi_->predict(x);
  // Row format: a list of objects, one per instance, each with every output.
  HttpReply r = post("/v1/models/multi:predict", tf_instances(*multi_, x));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  ASSERT_EQ(j["predictions"].size(), 3u);
  for (size_t o = 0; o < want.size(); ++o) {
    Json column = Json::array();
    for (const Json& row : j["predictions"]) column.push_back(row[multi_->outputs()[o].name]);
    EXPECT_TRUE(same_bits(column, want[o])) << multi_->outputs()[o].name;
  }
  // Columnar: an object of outputs.
  Json inputs = Json::object();
  for (size_t i = 0; i < x.size(); ++i) inputs[multi_->inputs()[i].name] = nested(x[i]);
  r = post("/v1/models/multi:predict", Json{{"inputs", inputs}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  j = Json::parse(r.body);
  for (size_t o = 0; o < want.size(); ++o)
    EXPECT_TRUE(same_bits(j["outputs"][multi_->outputs()[o].name], want[o]));
}

TEST_F(Protocol, TfPredictErrors) {
  const std::string name = mlp_->inputs()[0].name;
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[1, 2,"), 400, "malformed JSON");
  expect_error(post("/v1/models/mlp:predict", "[1, 2]"), 400, "JSON object");
  // nlohmann/json reports a number past double's range as out_of_range, not parse_error (found
  // by fuzz_server: it escaped and ended the process).
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[1e999999]]}"), 400,
               "number overflow");
  expect_error(post("/v1/models/mlp:predict", "{}"), 400, "\"instances\"");
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[1]], \"inputs\": [[1]]}"), 400,
               "both");
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[1, 2, 3]]}"), 400, "shape");
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[\"a\"]]}"), 400,
               "expected numbers");
  Json ragged = {
      {"instances", {Json(std::vector<double>(784, 0.5)), Json(std::vector<double>(783, 0.5))}}};
  expect_error(post("/v1/models/mlp:predict", ragged.dump()), 400, "instance 1");
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": [[[1], 2]]}"), 400, "ragged");
  // Hostile shapes: nesting deep enough to exhaust a recursive walk, and a few hundred bytes of
  // ragged lists whose first items claim 10^12 values.
  expect_error(post("/v1/models/mlp:predict",
                    "{\"instances\": " + std::string(100000, '[') + std::string(100000, ']') + "}"),
               400, "nests deeper");
  std::string claim = "[0]";
  for (int level = 0; level < 4; ++level) {
    std::string zeros;
    for (int i = 0; i < 999; ++i) zeros += ",0";
    claim = "[" + claim + zeros + "]";
  }
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": " + claim + "}"), 400, "ragged");
  expect_error(post("/v1/models/mlp:predict", Json{{"inputs", {{"nope", {1}}}}}.dump()), 400,
               "unknown input 'nope'");
  expect_error(post("/v1/models/multi:predict",
                    Json{{"inputs", {{multi_->inputs()[0].name, {{1.0, 2.0, 3.0, 4.0}}}}}}.dump()),
               400, "missing input");
  expect_error(
      post("/v1/models/mlp:predict", "{\"signature_name\": \"other\", \"instances\": [[1]]}"), 400,
      "other");
  expect_error(post("/v1/models/mlp:predict", "{\"instances\": []}"), 400, "non-empty");
  expect_error(post("/v1/models/unknown:predict", "{\"instances\": [[1]]}"), 404,
               "Servable not found");
  expect_error(post("/v1/models/mlp/versions/9:predict", "{\"instances\": [[1]]}"), 404,
               "Specific(mlp, 9)");
  expect_error(get("/v1/models/mlp:predict"), 405, "POST");
  expect_error(post("/v1/models/mlp:classify", "{}"), 501, "classify");
  expect_error(post("/v1/models/mlp:explode", "{}"), 404, "explode");
  expect_error(get("/v1/models/mlp/labels/stable"), 404, "labels");
  expect_error(get("/nowhere"), 404, "no such endpoint");
}

// ------------------------------------------------------------------------------ KServe v2

TEST_F(Protocol, V2ModelMetadataAndReady) {
  HttpReply r = get("/v2/models/multi");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["name"], "multi");
  EXPECT_EQ(j["versions"], Json({"1"}));
  EXPECT_EQ(j["platform"], "keras");
  ASSERT_EQ(j["inputs"].size(), multi_->inputs().size());
  for (size_t i = 0; i < multi_->inputs().size(); ++i) {
    EXPECT_EQ(j["inputs"][i]["name"], multi_->inputs()[i].name);
    EXPECT_EQ(j["inputs"][i]["datatype"], "FP32");
    EXPECT_EQ(j["inputs"][i]["shape"], Json(multi_->inputs()[i].shape));
  }
  ASSERT_EQ(j["outputs"].size(), multi_->outputs().size());
  EXPECT_EQ(get("/v2/models/multi/versions/1").status, 200);
  r = get("/v2/models/multi/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body), Json({{"name", "multi"}, {"ready", true}}));
  EXPECT_EQ(get("/v2/models/multi/versions/1/ready").status, 200);
  expect_error(get("/v2/models/multi/versions/3/ready"), 404, "Specific(multi, 3)");
  expect_error(get("/v2/models/ghost"), 404, "ghost");
  expect_error(get("/v2/models/ghost/ready"), 404, "ghost");
  expect_error(post("/v2/models/multi", "{}"), 405, "GET");
}

TEST_F(Protocol, V2InferJson) {
  for (int64_t rows : {1, 4}) {
    const auto x = random_inputs(*cnn_, rows, 31 + static_cast<uint32_t>(rows));
    const HttpReply r =
        post("/v2/models/cnn/infer", v2_request(*cnn_, x, "req-" + std::to_string(rows)));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = Json::parse(r.body);
    EXPECT_EQ(j["model_name"], "cnn");
    EXPECT_EQ(j["model_version"], "1");
    EXPECT_EQ(j["id"], "req-" + std::to_string(rows));
    ASSERT_EQ(j["outputs"].size(), 1u);
    const Tensor want = expected(*cnn_, x)[0];
    EXPECT_EQ(j["outputs"][0]["name"], cnn_->outputs()[0].name);
    EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
    EXPECT_EQ(j["outputs"][0]["shape"], Json(want.shape()));
    EXPECT_TRUE(same_bits(j["outputs"][0]["data"], want));
  }
  // Nested data is accepted as well as flat data; versions in the path.
  const auto x = random_inputs(*mlp_, 2, 5);
  Json body = Json::parse(v2_request(*mlp_, x));
  body["inputs"][0]["data"] = nested(x[0]);
  const HttpReply r = post("/v2/models/mlp/versions/1/infer", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(same_bits(Json::parse(r.body)["outputs"][0]["data"], mlp_->predict(x)[0]));
  EXPECT_FALSE(Json::parse(r.body).contains("id"));
}

TEST_F(Protocol, V2RequestedOutputs) {
  const auto x = random_inputs(*multi_, 2, 41);
  const auto want = multi_->predict(x);
  Json body = Json::parse(v2_request(*multi_, x));
  body["outputs"] = {{{"name", multi_->outputs()[1].name}}};
  const HttpReply r = post("/v2/models/multi/infer", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["name"], multi_->outputs()[1].name);
  EXPECT_TRUE(same_bits(j["outputs"][0]["data"], want[1]));
}

// Binary tensor data extension: FP32 bytes after the JSON header, both ways.
TEST_F(Protocol, V2BinaryTensorData) {
  const auto x = random_inputs(*multi_, 3, 51);
  const auto want = multi_->predict(x);
  Json header = {{"inputs", Json::array()}, {"outputs", Json::array()}};
  std::string binary;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t bytes = static_cast<size_t>(x[i].size()) * 4;
    header["inputs"].push_back({{"name", multi_->inputs()[i].name},
                                {"shape", x[i].shape()},
                                {"datatype", "FP32"},
                                {"parameters", {{"binary_data_size", bytes}}}});
    binary.append(reinterpret_cast<const char*>(x[i].data()), bytes);
  }
  header["outputs"].push_back(
      {{"name", multi_->outputs()[0].name}, {"parameters", {{"binary_data", true}}}});
  header["outputs"].push_back(
      {{"name", multi_->outputs()[1].name}, {"parameters", {{"binary_data", false}}}});
  const std::string json = header.dump();
  const HttpReply r = post("/v2/models/multi/infer", json + binary,
                           {{"Inference-Header-Content-Length", std::to_string(json.size())},
                            {"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
  const size_t json_length = std::stoul(r.header("inference-header-content-length"));
  const Json j = Json::parse(r.body.substr(0, json_length));
  ASSERT_EQ(j["outputs"].size(), 2u);
  const size_t size = j["outputs"][0]["parameters"]["binary_data_size"];
  ASSERT_EQ(size, static_cast<size_t>(want[0].size()) * 4);
  ASSERT_EQ(r.body.size(), json_length + size);
  EXPECT_EQ(std::memcmp(r.body.data() + json_length, want[0].data(), size), 0);
  EXPECT_FALSE(j["outputs"][0].contains("data"));
  EXPECT_TRUE(same_bits(j["outputs"][1]["data"], want[1]));

  // binary_data_output: every output in binary unless an output says otherwise.
  Json h2 = Json::parse(v2_request(*cnn_, random_inputs(*cnn_, 1, 3)));
  h2["parameters"] = {{"binary_data_output", true}};
  const HttpReply r2 = post("/v2/models/cnn/infer", h2.dump());
  ASSERT_EQ(r2.status, 200);
  const size_t n2 = std::stoul(r2.header("inference-header-content-length"));
  EXPECT_EQ(r2.body.size() - n2, 40u);  // 1 x 10 floats
}

TEST_F(Protocol, V2InferErrors) {
  const std::string in = mlp_->inputs()[0].name;
  const auto x = random_inputs(*mlp_, 1, 1);
  Json good = Json::parse(v2_request(*mlp_, x));
  const auto with = [&](const std::function<void(Json&)>& change) {
    Json b = good;
    change(b);
    return post("/v2/models/mlp/infer", b.dump());
  };
  expect_error(post("/v2/models/mlp/infer", "{\"inputs\": ["), 400, "malformed JSON");
  expect_error(post("/v2/models/mlp/infer", "{}"), 400, "\"inputs\"");
  expect_error(with([](Json& b) { b["inputs"][0]["datatype"] = "INT32"; }), 400,
               "datatype INT32, the model expects FP32");
  expect_error(with([](Json& b) { b["inputs"][0]["datatype"] = "FP64"; }), 400, "expects FP32");
  expect_error(with([](Json& b) {
                 b["inputs"][0]["shape"] = {1, 783};
               }),
               400, "has shape [1, 783]");
  expect_error(with([](Json& b) { b["inputs"][0]["shape"] = {784}; }), 400, "shape");
  expect_error(with([](Json& b) {
                 b["inputs"][0]["shape"] = {2, 784};
               }),
               400, "holds 1568 values, the data has 784");
  expect_error(with([](Json& b) { b["inputs"][0]["shape"] = {1, -784}; }), 400, "sizes >= 0");
  expect_error(with([](Json& b) { b["inputs"][0]["name"] = "wrong"; }), 400,
               "unexpected inference input 'wrong'");
  expect_error(with([](Json& b) { b["inputs"].push_back(b["inputs"][0]); }), 400, "given twice");
  expect_error(with([](Json& b) { b["inputs"][0].erase("data"); }), 400, "no \"data\"");
  expect_error(with([](Json& b) { b["inputs"][0]["data"][0] = "x"; }), 400, "expected numbers");
  expect_error(with([](Json& b) {
                 b["outputs"] = {{{"name", "nope"}}};
               }),
               400, "unexpected inference output 'nope'");
  expect_error(with([](Json& b) { b["id"] = 5; }), 400, "\"id\"");
  expect_error(post("/v2/models/multi/infer",
                    v2_request(*multi_, {random_input(multi_->inputs()[0], 1, 1)})),
               400, "missing input");
  expect_error(post("/v2/models/ghost/infer", good.dump()), 404, "ghost");
  expect_error(post("/v2/models/mlp/versions/4/infer", good.dump()), 404, "Specific(mlp, 4)");
  expect_error(get("/v2/models/mlp/infer"), 405, "POST");
  // Binary data that does not add up.
  Json header = good;
  header["inputs"][0].erase("data");
  header["inputs"][0]["parameters"] = {{"binary_data_size", 784 * 4}};
  const std::string json = header.dump();
  const std::string bytes(784 * 4, '\0');
  const std::map<std::string, std::string> h = {
      {"Inference-Header-Content-Length", std::to_string(json.size())}};
  EXPECT_EQ(post("/v2/models/mlp/infer", json + bytes, h).status, 200);
  expect_error(post("/v2/models/mlp/infer", json + bytes.substr(8), h), 400, "ends before");
  expect_error(post("/v2/models/mlp/infer", json + bytes + "xx", h), 400, "belong to no input");
  expect_error(
      post("/v2/models/mlp/infer", json + bytes, {{"Inference-Header-Content-Length", "999999"}}),
      400, "Inference-Header-Content-Length");
  header["inputs"][0]["parameters"]["binary_data_size"] = 100;
  expect_error(post("/v2/models/mlp/infer", header.dump() + bytes,
                    {{"Inference-Header-Content-Length", std::to_string(header.dump().size())}}),
               400, "binary_data_size 100 does not match");
}

// ------------------------------------------------------------------------------- HTTP layer

TEST_F(Protocol, OversizedBodyIs413) {
  // Refused from its Content-Length, before the body is read; a client that sends the whole
  // body before reading still gets the answer.
  const std::string big(5 << 20, ' ');
  HttpConnection c(port_);
  c.send_raw(HttpConnection::format("POST", "/v1/models/mlp:predict", big));
  HttpReply r = c.read_reply();
  expect_error(r, 413, "limit");
  EXPECT_EQ(r.header("connection"), "close");
  HttpConnection c2(port_);
  c2.send_raw(
      "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n");
  expect_error(c2.read_reply(), 413, "--max-body-bytes");
}

TEST_F(Protocol, KeepAliveAndPipelining) {
  // Three requests in one write; the answers come back in order on the same connection.
  const auto a = random_inputs(*mlp_, 2, 61), b = random_inputs(*cnn_, 3, 62);
  HttpConnection c(port_);
  c.send_raw(HttpConnection::format("POST", "/v1/models/mlp:predict", tf_instances(*mlp_, a)) +
             HttpConnection::format("GET", "/v2/health/ready", "") +
             HttpConnection::format("POST", "/v2/models/cnn/infer", v2_request(*cnn_, b, "third")));
  HttpReply r1 = c.read_reply(), r2 = c.read_reply(), r3 = c.read_reply();
  ASSERT_EQ(r1.status, 200);
  EXPECT_TRUE(same_bits(Json::parse(r1.body)["predictions"], mlp_->predict(a)[0]));
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(Json::parse(r2.body)["ready"], true);
  ASSERT_EQ(r3.status, 200);
  EXPECT_EQ(Json::parse(r3.body)["id"], "third");
  EXPECT_TRUE(same_bits(Json::parse(r3.body)["outputs"][0]["data"], cnn_->predict(b)[0]));
  // The connection stays open for more.
  EXPECT_EQ(c.request("GET", "/v2/health/live").status, 200);
}

TEST_F(Protocol, SlowClientsDoNotBlockOthers) {
  // Connections that send half a request and stall hold no thread: with one I/O thread and
  // two workers busy elsewhere, other clients are still answered at once.
  std::vector<std::unique_ptr<HttpConnection>> stalled;
  for (int i = 0; i < 20; ++i) {
    stalled.push_back(std::make_unique<HttpConnection>(port_));
    stalled.back()->send_raw(
        "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inst");
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(get("/v2/health/live").status, 200);
  const auto x = random_inputs(*mlp_, 1, 71);
  EXPECT_EQ(post("/v1/models/mlp:predict", tf_instances(*mlp_, x)).status, 200);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
}

TEST_F(Protocol, ExpectContinue) {
  HttpConnection c(port_);
  const auto x = random_inputs(*mlp_, 1, 81);
  const std::string body = tf_instances(*mlp_, x);
  c.send_raw(
      "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nExpect: "
      "100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(c.read_reply().status, 100);
  c.send_raw(body);
  EXPECT_EQ(c.read_reply().status, 200);
}

TEST_F(Protocol, MalformedHttpIs400) {
  HttpConnection c(port_);
  c.send_raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(c.read_reply().status, 400);
}

TEST_F(Protocol, MetricsAndRequestId) {
  const auto x = random_inputs(*mlp_, 1, 91);
  const HttpReply p =
      post("/v1/models/mlp:predict", tf_instances(*mlp_, x), {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(p.header("x-request-id"), "abc-123");
  EXPECT_EQ(post("/v2/models/mlp/infer", "{}").status, 400);
  const HttpReply r = get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/plain"), std::string::npos);
  for (const char* needle :
       {"kerasrt_model_requests_total{model=\"mlp\",version=\"1\"}",
        "kerasrt_model_request_errors_total{model=\"mlp\",version=\"1\"}",
        "kerasrt_model_request_duration_seconds_bucket{model=\"mlp\",version=\"1\",le=\"0.001\"}",
        "kerasrt_model_queue_duration_seconds_count{model=\"cnn\",version=\"1\"}",
        "kerasrt_model_batch_size_bucket{model=\"mlp\",version=\"1\",le=\"+Inf\"}",
        "kerasrt_http_requests_total{endpoint=\"v1_predict\",code=\"200\"}",
        "kerasrt_http_requests_total{endpoint=\"v2_infer\",code=\"400\"}", "kerasrt_ready 1",
        "kerasrt_model_loads_total{model=\"mlp\",version=\"1\",outcome=\"ok\"} 1",
        "# TYPE kerasrt_model_workspace_bytes gauge", "# TYPE kerasrt_model_workspaces gauge"})
    EXPECT_NE(r.body.find(needle), std::string::npos) << needle;
  // The mlp has predicted: it holds at least one workspace, of some bytes.
  const std::string workspaces = "kerasrt_model_workspaces{model=\"mlp\",version=\"1\"} ";
  const size_t at = r.body.find(workspaces);
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::stoll(r.body.substr(at + workspaces.size())), 1);
  const std::string bytes = "kerasrt_model_workspace_bytes{model=\"mlp\",version=\"1\"} ";
  const size_t b = r.body.find(bytes);
  ASSERT_NE(b, std::string::npos);
  EXPECT_GT(std::stoll(r.body.substr(b + bytes.size())), 0);
}

}  // namespace
}  // namespace kerasrt::test

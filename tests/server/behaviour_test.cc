// Dynamic batching (merged results equal unmerged ones bit for bit), the queue bound, hot
// reload of versions under load with no failed request, and graceful shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "batcher.h"
#include "server_test_util.h"

namespace kerasrt::test {
namespace {

int64_t metric(const std::string& text, const std::string& series) {
  const size_t at = text.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + series.size() + 1));
}

// The check the server runs at load time, on the bundled models and a small two-input model:
// whatever it decides, when it merges, a merged batch gives every row exactly what the server
// answers for that row alone.
TEST(Batching, CheckDecidesAModeThatHoldsExactly) {
  for (const fs::path& file : {mlp_file(), cnn_file(), multi_file()}) {
    const Model model = Model::load(file.string());
    std::string reason;
    const server::BatchMode mode = server::check_batching(model, 32, &reason);
    if (file != multi_file()) {
      EXPECT_NE(mode, server::BatchMode::kOff) << file << ": " << reason;
    }
    if (mode == server::BatchMode::kOff) continue;
    for (int64_t rows : {3, 9, 32}) {
      const auto x = random_inputs(model, rows, static_cast<uint32_t>(rows));
      const auto merged = model.predict(x);
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<Tensor> one;
        for (const Tensor& t : x) one.push_back(rows_of(t, r, r + 1));
        const auto alone = expected(model, one);
        for (size_t o = 0; o < merged.size(); ++o)
          EXPECT_EQ(std::memcmp(rows_of(merged[o], r, r + 1).data(), alone[o].data(),
                                alone[o].size() * 4),
                    0)
              << file << " rows " << rows << " row " << r << " output " << o;
      }
    }
  }
}

// Many concurrent clients, one worker and a long queue delay so requests are merged; every
// answer equals the library's predict on that request alone, bit for bit.
TEST(Batching, ConcurrentRequestsAreMergedAndSplitExactly) {
  const fs::path repo = temp_dir("batching");
  add_version(repo, "mlp", 1, mlp_file());
  add_version(repo, "multi", 1, multi_file());
  server::ServerOptions o = test_options(repo);
  o.workers = 1;
  o.repository.batching.max_queue_delay_us = 20000;
  o.repository.batching.max_batch_size = 16;
  auto server = start_server(o);
  const Model mlp = Model::load(mlp_file().string()), multi = Model::load(multi_file().string());
  std::atomic<int> failures{0}, mismatches{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      HttpConnection conn(server->port());
      for (int i = 0; i < 12; ++i) {
        const uint32_t seed = static_cast<uint32_t>(1000 * c + i);
        const int64_t rows = 1 + (seed % 3);
        const bool use_multi = (c + i) % 3 == 0;
        const Model& m = use_multi ? multi : mlp;
        const auto x = random_inputs(m, rows, seed);
        const HttpReply r =
            conn.request("POST", use_multi ? "/v2/models/multi/infer" : "/v2/models/mlp/infer",
                         v2_request(m, x));
        if (r.status != 200) {
          ++failures;
          continue;
        }
        const Json j = Json::parse(r.body);
        const auto want = expected(m, x, o.repository.batching.max_batch_size);
        for (size_t o2 = 0; o2 < want.size(); ++o2)
          if (!same_bits(j["outputs"][o2]["data"], want[o2])) {
            ++mismatches;
            ADD_FAILURE() << (use_multi ? "multi" : "mlp") << " request of " << rows
                          << " row(s), output " << o2 << ": other bits than predict alone";
          }
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  const std::string m = http(server->port(), "GET", "/metrics").body;
  const int64_t requests = metric(m, "kerasrt_model_requests_total{model=\"mlp\",version=\"1\"}");
  const int64_t calls = metric(m, "kerasrt_model_inferences_total{model=\"mlp\",version=\"1\"}");
  EXPECT_GT(requests, 0);
  EXPECT_LT(calls, requests) << "no request was merged with another";
  fs::remove_all(repo);
}

TEST(Batching, QueueBoundAnswers429) {
  const fs::path repo = temp_dir("queue");
  add_version(repo, "mlp", 1, mlp_file());
  server::ServerOptions o = test_options(repo);
  o.workers = 1;
  o.repository.batching.max_queue_delay_us = 1'500'000;  // the first request waits for company
  o.repository.batching.max_batch_size = 1000;
  o.repository.batching.max_queue_size = 1;
  auto server = start_server(o);
  const Model mlp = Model::load(mlp_file().string());
  const std::string body = tf_instances(mlp, random_inputs(mlp, 1, 1));
  HttpConnection first(server->port());
  first.send_raw(HttpConnection::format("POST", "/v1/models/mlp:predict", body));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const HttpReply rejected = http(server->port(), "POST", "/v1/models/mlp:predict", body);
  EXPECT_EQ(rejected.status, 429) << rejected.body;
  EXPECT_EQ(rejected.header("retry-after"), "1");
  EXPECT_NE(rejected.body.find("max_queue_size"), std::string::npos);
  EXPECT_EQ(first.read_reply().status, 200);
  const std::string m = http(server->port(), "GET", "/metrics").body;
  EXPECT_EQ(metric(m, "kerasrt_model_requests_rejected_total{model=\"mlp\",version=\"1\"}"), 1);
  fs::remove_all(repo);
}

TEST(Batching, PerModelConfigAndOff) {
  const fs::path repo = temp_dir("config");
  add_version(repo, "mlp", 1, mlp_file());
  add_version(repo, "cnn", 1, cnn_file());
  std::ofstream(repo / "cnn" / "config.json") << "{\"batching\": false}";
  server::ServerOptions o = test_options(repo);
  o.repository.model_config["mlp"] = {{"max_batch_size", "4"}, {"max_queue_delay_us", "0"}};
  auto server = start_server(o);
  const Json cnn = Json::parse(http(server->port(), "GET", "/v2/models/cnn").body);
  EXPECT_EQ(cnn["parameters"]["batching"], "off (configured)");
  const Json mlp = Json::parse(http(server->port(), "GET", "/v2/models/mlp").body);
  EXPECT_NE(
      mlp["parameters"]["batching"].get<std::string>().find("max batch 4 rows, max delay 0 us"),
      std::string::npos)
      << mlp["parameters"]["batching"];
  // With batching off a lone row is the library's batch-1 predict exactly.
  const Model cnn_model = Model::load(cnn_file().string());
  const auto x = random_inputs(cnn_model, 1, 3);
  const HttpReply r =
      http(server->port(), "POST", "/v2/models/cnn/infer", v2_request(cnn_model, x));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(same_bits(Json::parse(r.body)["outputs"][0]["data"], cnn_model.predict(x)[0]));
  fs::remove_all(repo);
}

// Versions appear and disappear while 4 clients send requests without naming a version: no
// request fails, each answer is exact, and the new versions serve. A broken version is
// reported while the one before it keeps serving.
TEST(Reload, SwapVersionsUnderLoadWithoutFailures) {
  const fs::path repo = temp_dir("reload");
  add_version(repo, "mlp", 1, mlp_file());
  server::ServerOptions o = test_options(repo);
  o.repository.poll_seconds = 0.05;
  auto server = start_server(o);
  const Model mlp = Model::load(mlp_file().string());
  const int port = server->port();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, wrong{0};
  std::mutex versions_mutex;
  std::set<std::string> versions_seen;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      HttpConnection conn(port);
      for (int i = 0; !stop.load(); ++i) {
        const auto x = random_inputs(mlp, 1 + (i % 2), static_cast<uint32_t>(c * 100000 + i));
        const HttpReply r = conn.request("POST", "/v2/models/mlp/infer", v2_request(mlp, x));
        if (r.status != 200) {
          ++failed;
          continue;
        }
        const Json j = Json::parse(r.body);
        if (!same_bits(j["outputs"][0]["data"], expected(mlp, x)[0])) ++wrong;
        std::lock_guard lock(versions_mutex);
        versions_seen.insert(j["model_version"].get<std::string>());
        ++ok;
      }
    });
  const auto wait_for_version = [&](const std::string& v) {
    for (int i = 0; i < 400; ++i) {
      {
        std::lock_guard lock(versions_mutex);
        if (versions_seen.count(v)) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  };
  EXPECT_TRUE(wait_for_version("1"));
  add_version(repo, "mlp", 2, mlp_file());
  EXPECT_TRUE(wait_for_version("2"));
  fs::remove_all(repo / "mlp" / "1");
  add_version(repo, "mlp", 3, mlp_file());
  EXPECT_TRUE(wait_for_version("3"));
  // A broken version 4: reported, version 3 keeps serving.
  fs::create_directories(repo / "mlp" / "4");
  std::ofstream(repo / "mlp" / "4" / "model.h5") << "not an HDF5 file";
  bool reported = false;
  for (int i = 0; i < 200 && !reported; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    const Json status = Json::parse(http(port, "GET", "/v1/models/mlp").body);
    for (const Json& v : status["model_version_status"])
      if (v["version"] == "4" && v["state"] == "END" && v["status"]["error_code"] != "OK")
        reported = true;
  }
  EXPECT_TRUE(reported);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(ok.load(), 20);
  const HttpReply v1 = http(port, "POST", "/v2/models/mlp/versions/1/infer",
                            v2_request(mlp, random_inputs(mlp, 1, 1)));
  EXPECT_EQ(v1.status, 404);
  const Json latest = Json::parse(
      http(port, "POST", "/v2/models/mlp/infer", v2_request(mlp, random_inputs(mlp, 1, 1))).body);
  EXPECT_EQ(latest["model_version"], "3");
  const std::string m = http(port, "GET", "/metrics").body;
  EXPECT_EQ(metric(m, "kerasrt_model_loads_total{model=\"mlp\",version=\"4\",outcome=\"failed\"}"),
            1);
  server.reset();
  fs::remove_all(repo);
}

TEST(Reload, ModelsAppearAndDisappear) {
  const fs::path repo = temp_dir("appear");
  add_version(repo, "mlp", 1, mlp_file());
  server::ServerOptions o = test_options(repo);
  o.repository.poll_seconds = 0.05;
  auto server = start_server(o);
  EXPECT_EQ(http(server->port(), "GET", "/v2/models/cnn/ready").status, 404);
  add_version(repo, "cnn", 1, cnn_file());
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    status = http(server->port(), "GET", "/v2/models/cnn/ready").status;
  }
  EXPECT_EQ(status, 200);
  fs::remove_all(repo / "cnn");
  for (int i = 0; i < 200 && status != 404; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    status = http(server->port(), "GET", "/v2/models/cnn/ready").status;
  }
  EXPECT_EQ(status, 404);
  fs::remove_all(repo);
}

// TF Serving's layout: the version folder is a tf.keras SavedModel (saved_model.pb,
// keras_metadata.pb, variables/); its answer is the oracle's (tests/fixtures/dense_relu).
TEST(Startup, SavedModelVersionFolder) {
  const fs::path repo = temp_dir("savedmodel");
  fs::create_directories(repo / "dense");
  fs::copy(source_path() / "tests/fixtures/dense_relu/model_savedmodel", repo / "dense" / "1",
           fs::copy_options::recursive);
  auto server = start_server(test_options(repo));
  const HttpReply reply =
      http(server->port(), "POST", "/v1/models/dense:predict",
           R"({"instances": [[-0.8550918102264404, 1.6602145433425903, 0.3740350604057312,
                              -0.9501553773880005, -1.0861531496047974]]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Json row = Json::parse(reply.body)["predictions"][0];
  const std::vector<double> want = {0.0, 0.0, 0.12238860130310059, 0.0};
  ASSERT_EQ(row.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(row[i].get<double>(), want[i], 1e-6);
  server.reset();
  fs::remove_all(repo);
}

TEST(Startup, FailingModelFileIsAnError) {
  const fs::path dir = temp_dir("badfile");
  std::ofstream(dir / "bad.h5") << "garbage";
  server::ServerOptions o = test_options("");
  o.repository.directory.clear();
  o.repository.files = {{"bad", (dir / "bad.h5").string()}};
  server::Server server(o);
  EXPECT_THROW(server.start(), Error);
  fs::remove_all(dir);
}

TEST(Startup, SingleModelFile) {
  server::ServerOptions o = test_options("");
  o.repository.directory.clear();
  o.repository.files = {{"digits", cnn_file().string()}};
  auto server = start_server(o);
  const Json status = Json::parse(http(server->port(), "GET", "/v1/models/digits").body);
  EXPECT_EQ(status["model_version_status"][0]["version"], "1");
}

// SIGTERM-style shutdown: a request already queued is answered (with Connection: close), the
// server stops being ready, idle keep-alive connections are closed, new connections refused.
TEST(Shutdown, FinishesInFlightRequestsAndRefusesNewOnes) {
  const fs::path repo = temp_dir("shutdown");
  add_version(repo, "mlp", 1, mlp_file());
  server::ServerOptions o = test_options(repo);
  o.workers = 1;
  o.repository.batching.max_queue_delay_us = 400'000;
  o.repository.batching.max_batch_size = 1000;
  auto server = start_server(o);
  const int port = server->port();
  const Model mlp = Model::load(mlp_file().string());
  const auto x = random_inputs(mlp, 2, 9);
  HttpConnection idle(port);
  EXPECT_EQ(idle.request("GET", "/v2/health/ready").status, 200);
  HttpConnection busy(port);
  busy.send_raw(HttpConnection::format("POST", "/v1/models/mlp:predict", tf_instances(mlp, x)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->shutdown();
  EXPECT_FALSE(server->ready());
  const HttpReply r = busy.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(same_bits(Json::parse(r.body)["predictions"], mlp.predict(x)[0]));
  EXPECT_TRUE(idle.closed_by_peer());
  server->wait();
  EXPECT_THROW(HttpConnection c(port), std::runtime_error);
  server.reset();
  fs::remove_all(repo);
}

}  // namespace
}  // namespace kerasrt::test

// Many threads, several models, one process: every concurrent result is bit-for-bit the
// single-threaded result, and threads share one copy of the weights (RSS grows by per-call
// workspaces only). Runs under ThreadSanitizer in CI.
#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;

int64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

TEST(Concurrency, ManyThreadsTwoModelsBitExact) {
  const std::vector<std::string> paths = example_models();
  ASSERT_EQ(paths.size(), 2u) << "bundled example models are missing";
  std::vector<Model> models;
  for (const auto& path : paths) models.push_back(Model::load(path));

  // Single-threaded references for every (model, batch size).
  const std::vector<int64_t> batches = {1, 2, 3, 5, 8};
  struct Case {
    size_t model;
    std::vector<Tensor> inputs, expected;
  };
  std::vector<Case> cases;
  for (size_t m = 0; m < models.size(); ++m)
    for (int64_t batch : batches) {
      Case c{m, {}, {}};
      for (const TensorInfo& info : models[m].inputs())
        c.inputs.push_back(
            random_input(info, batch, static_cast<uint32_t>(m * 100 + static_cast<size_t>(batch))));
      c.expected = models[m].predict(c.inputs);
      cases.push_back(std::move(c));
    }

  constexpr int kThreads = 8;
  constexpr int kPerThread = 260;  // 2,080 predictions in total
  std::atomic<int> mismatches{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t));
      for (int i = 0; i < kPerThread; ++i) {
        const Case& c = cases[rng() % cases.size()];
        const std::vector<Tensor> got = models[c.model].predict(c.inputs);
        for (size_t o = 0; o < got.size(); ++o)
          if (!identical(got[o], c.expected[o])) ++mismatches;
        ++done;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(done.load(), kThreads * kPerThread);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Concurrency, ThreadsShareOneCopyOfTheWeights) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "RSS is dominated by sanitizer shadow memory and quarantine here; the Release "
                  "run measures it";
#endif
  // An MLP with 4 x 1024 x 1024 float weights (16 MiB): a copy per thread would be obvious.
  constexpr int kWidth = 1024, kLayers = 4, kThreads = 16;
  nlohmann::json layers = nlohmann::json::array();
  layers.push_back({{"class_name", "InputLayer"},
                    {"config", {{"name", "input"}, {"batch_input_shape", {nullptr, kWidth}}}}});
  std::vector<std::pair<std::string, std::vector<WeightArray>>> weights{{"input", {}}};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-0.03f, 0.03f);
  for (int l = 0; l < kLayers; ++l) {
    const std::string name = "dense_" + std::to_string(l);
    layers.push_back({{"class_name", "Dense"},
                      {"config", {{"name", name}, {"units", kWidth}, {"activation", "relu"}}}});
    WeightArray kernel{name + "/kernel:0", {kWidth, kWidth}, std::vector<float>(kWidth * kWidth)};
    for (float& v : kernel.values) v = uniform(rng);
    weights.push_back(
        {name,
         {kernel, WeightArray{name + "/bias:0", {kWidth}, std::vector<float>(kWidth, 0.01f)}}});
  }
  const std::string path = temp_path("wide_mlp.h5");
  write_legacy_h5(
      path, {{"class_name", "Sequential"}, {"config", {{"name", "wide"}, {"layers", layers}}}},
      weights);

  const Model model = Model::load(path);
  const Tensor input = random_input(model.inputs()[0], 1, 3);
  const std::vector<Tensor> expected = model.predict({input});
  const int64_t weights_kib = int64_t{kLayers} * kWidth * (kWidth + 1) * 4 / 1024;
  const int64_t before = rss_kib();

  std::atomic<bool> stop{false};
  std::atomic<int> mismatches{0};
  std::atomic<int64_t> peak{before};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50 && !stop; ++i) {
        if (!identical(model.predict({input})[0], expected[0])) ++mismatches;
        int64_t now = rss_kib(), seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
      }
    });
  for (auto& thread : threads) thread.join();
  const int64_t growth = peak.load() - before;
  std::printf(
      "weights %lld KiB; RSS before threads %lld KiB, peak with %d threads %lld KiB (+%lld KiB, "
      "%.1f%% of the weights)\n",
      static_cast<long long>(weights_kib), static_cast<long long>(before), kThreads,
      static_cast<long long>(peak.load()), static_cast<long long>(growth),
      100.0 * growth / weights_kib);
  EXPECT_EQ(mismatches.load(), 0);
  // A copy per thread would add 16x the weights; per-call workspaces and thread stacks add
  // well under a quarter of one copy.
  EXPECT_LT(growth, weights_kib / 4);
}

TEST(Concurrency, WorkspaceStatsCountTheCallsInFlight) {
  const Model model = Model::load((source_dir() / "examples/models/mnist_cnn.h5").string());
  EXPECT_EQ(model.workspace_stats().workspaces, 0);
  const Tensor input = random_input(model.inputs()[0], 2, 5);
  (void)model.predict({input});
  const WorkspaceStats one = model.workspace_stats();
  EXPECT_EQ(one.workspaces, 1);
  EXPECT_EQ(one.peak_workspaces, 1);
  EXPECT_GT(one.bytes, 0u);
  EXPECT_EQ(one.peak_bytes, one.bytes);
  // Calls one after another reuse the pooled workspace.
  for (int i = 0; i < 5; ++i) (void)model.predict({input});
  EXPECT_EQ(model.workspace_stats().peak_workspaces, 1);

  // Concurrent calls: at most one workspace each, all the same size for one input shape.
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) (void)model.predict({input});
    });
  for (auto& thread : threads) thread.join();
  const WorkspaceStats after = model.workspace_stats();
  EXPECT_GE(after.peak_workspaces, 1);
  EXPECT_LE(after.peak_workspaces, kThreads);
  EXPECT_EQ(after.workspaces, after.peak_workspaces);  // every one pooled, none freed
  EXPECT_EQ(after.bytes, static_cast<uint64_t>(after.workspaces) * one.bytes);
  // Copies share the runtime, and so its stats.
  const Model copy = model;
  EXPECT_EQ(copy.workspace_stats().peak_workspaces, after.peak_workspaces);
}

}  // namespace
}  // namespace kerasrt::test

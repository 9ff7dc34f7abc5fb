// The scenario kerasrt exists for: two Keras models loaded once each, predicting from many
// threads at once, with no per-thread copies, graphs or sessions. Every concurrent result is
// checked against the single-threaded result.
//
//   threads_demo [MODEL_A MODEL_B] [--threads N] [--seconds S]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace {

using Clock = std::chrono::steady_clock;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

kerasrt::Tensor random_input(const kerasrt::TensorInfo& info, int64_t batch, unsigned seed) {
  std::vector<int64_t> shape = info.shape;
  shape[0] = batch;
  for (auto& d : shape)
    if (d == kerasrt::kAnyDim) d = 8;
  kerasrt::Tensor tensor(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int64_t i = 0; i < tensor.size(); ++i) tensor.data()[i] = uniform(rng);
  return tensor;
}

bool same(const kerasrt::Tensor& a, const kerasrt::Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}

struct Workload {
  Workload(std::string p, kerasrt::Model m) : path(std::move(p)), model(std::move(m)) {}
  std::string path;
  kerasrt::Model model;
  std::vector<std::vector<kerasrt::Tensor>> inputs;    // per batch size
  std::vector<std::vector<kerasrt::Tensor>> expected;  // single-threaded results
  std::atomic<long> predictions{0};
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  int threads = 8;
  double seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = std::stoi(argv[++i]);
    else if (arg == "--seconds" && i + 1 < argc)
      seconds = std::stod(argv[++i]);
    else
      paths.push_back(arg);
  }
  if (paths.empty())
    paths = {KERASRT_EXAMPLES_DIR "/models/mnist_cnn.h5", KERASRT_EXAMPLES_DIR "/models/mlp.keras"};

  try {
    const long rss_start = rss_kib();
    std::vector<std::unique_ptr<Workload>> workloads;
    for (const std::string& path : paths) {
      const auto start = Clock::now();
      kerasrt::Model model = kerasrt::Model::load(path);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      const auto& summary = model.summary();
      std::printf("loaded %s: %s \"%s\", %zu layers, %lld params, in %.1f ms\n", path.c_str(),
                  summary.class_name.c_str(), summary.name.c_str(), summary.layers.size(),
                  static_cast<long long>(summary.total_params), ms);
      auto workload = std::make_unique<Workload>(path, model);
      for (int64_t batch : {1, 4, 16}) {
        std::vector<kerasrt::Tensor> inputs;
        for (const auto& info : model.inputs())
          inputs.push_back(random_input(info, batch, static_cast<unsigned>(batch)));
        workload->expected.push_back(model.predict(inputs));
        workload->inputs.push_back(std::move(inputs));
      }
      workloads.push_back(std::move(workload));
    }
    const long rss_loaded = rss_kib();

    std::printf("predicting from %d threads on %zu models for %.1f s...\n", threads,
                workloads.size(), seconds);
    std::atomic<long> mismatches{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        std::mt19937 rng(static_cast<unsigned>(t));
        while (!stop) {
          Workload& w = *workloads[rng() % workloads.size()];
          const size_t b = rng() % w.inputs.size();
          const auto outputs = w.model.predict(w.inputs[b]);
          for (size_t o = 0; o < outputs.size(); ++o)
            if (!same(outputs[o], w.expected[b][o])) ++mismatches;
          ++w.predictions;
        }
      });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& thread : pool) thread.join();

    for (const auto& w : workloads)
      std::printf("  %-50s %8ld predictions (%.0f/s)\n", w->path.c_str(), w->predictions.load(),
                  static_cast<double>(w->predictions.load()) / seconds);
    std::printf("results differing from single-threaded: %ld\n", mismatches.load());
    std::printf("RSS: %ld KiB at start, %ld KiB after loading, %ld KiB after %d threads\n",
                rss_start, rss_loaded, rss_kib(), threads);
    return mismatches == 0 ? 0 : 1;
  } catch (const kerasrt::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

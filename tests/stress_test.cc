// Stress: 64 threads on 6 models for a bounded time (10 s; 3 s under sanitizers; override with
// KERASRT_STRESS_SECONDS), random batch sizes (and sequence lengths), valid and invalid inputs
// mixed. Every valid result must be bit-identical to the single-threaded result, every invalid
// one a kerasrt::Error with the expected message, and memory must stay flat after warm-up
// (RSS in the Release run; LeakSanitizer checks leaks in the ASan run).
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "test_util.h"

namespace kerasrt::test {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

int64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

double stress_seconds() {
  if (const char* text = std::getenv("KERASRT_STRESS_SECONDS")) return std::atof(text);
  return kSanitized ? 3.0 : 10.0;
}

// Deterministic input values; every `nan_every`-th value NaN when asked (NaN propagates).
Tensor make_input(std::vector<int64_t> shape, uint32_t seed, bool with_nan) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = uniform(rng);
  if (with_nan && t.size() > 0) t.data()[t.size() / 2] = std::nanf("");
  return t;
}

// Bit-for-bit equality (empty tensors have no data pointer to compare).
bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         (a.size() == 0 ||
          std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0);
}

struct Case {
  size_t model;
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;  // single-threaded result
};

enum class Bad { kWrongDim, kWrongRank, kTooFew, kTooMany, kUnknownName, kCount };

TEST(Stress, SixtyFourThreadsSixModelsMixedInputs) {
  const std::vector<std::string> paths = {
      (source_dir() / "examples/models/mnist_cnn.h5").string(),
      (source_dir() / "examples/models/mlp.keras").string(),
      (fixtures_dir() / "graph_multi_io/model.h5").string(),
      (fixtures_dir() / "lstm_variable_length/model.keras").string(),
      // Batched matrix products whose operands both come with the call (attention, Dot).
      (fixtures_dir() / "mha_causal/model.h5").string(),
      (fixtures_dir() / "merge_dot_normalize/model.h5").string(),
  };
  std::vector<Model> models;
  for (const std::string& path : paths) models.push_back(Model::load(path));

  // Single-threaded references: every model at batch sizes 0 (empty), 1, 2, 3, 5, 8, 13;
  // unknown non-batch dimensions (the LSTM's time axis) at 1, 4 and 9; some inputs with NaN.
  std::vector<Case> cases;
  uint32_t seed = 1;
  for (size_t m = 0; m < models.size(); ++m)
    for (int64_t batch : {0, 1, 2, 3, 5, 8, 13})
      for (int64_t steps : {1, 4, 9})
        for (bool with_nan : {false, true}) {
          bool variable = false;
          Case c{m, {}, {}};
          for (const TensorInfo& info : models[m].inputs()) {
            std::vector<int64_t> shape = info.shape;
            shape[0] = batch;
            for (size_t d = 1; d < shape.size(); ++d)
              if (shape[d] == kAnyDim) shape[d] = steps, variable = true;
            c.inputs.push_back(make_input(shape, seed++, with_nan && batch % 2 == 1));
          }
          if (!variable && steps != 1) continue;
          c.expected = models[m].predict(c.inputs);
          cases.push_back(std::move(c));
        }

  constexpr int kThreads = 64;
  const double seconds = stress_seconds();
  std::atomic<bool> go{false}, stop{false};
  std::atomic<int64_t> valid{0}, invalid{0}, mismatches{0}, wrong_errors{0}, other_exceptions{0};
  std::mutex first_problem_mutex;
  std::string first_problem;
  const auto problem = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(first_problem_mutex);
    if (first_problem.empty()) first_problem = what;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(1000 + t));
      while (!go.load()) std::this_thread::yield();  // all threads start together
      while (!stop.load(std::memory_order_relaxed)) {
        const Case& c = cases[rng() % cases.size()];
        const Model& model = models[c.model];
        try {
          if (rng() % 10 < 7) {  // valid: positional or by name
            std::vector<Tensor> got;
            if (rng() % 2) {
              got = model.predict(c.inputs);
            } else {
              std::map<std::string, Tensor> named;
              for (size_t i = 0; i < c.inputs.size(); ++i)
                named.emplace(model.inputs()[i].name, c.inputs[i]);
              const auto outputs = model.predict(named);
              for (const TensorInfo& info : model.outputs()) got.push_back(outputs.at(info.name));
            }
            bool same = got.size() == c.expected.size();
            for (size_t o = 0; same && o < got.size(); ++o) same = same_bits(got[o], c.expected[o]);
            if (!same) {
              ++mismatches;
              problem("a result differs from the single-threaded one (" + paths[c.model] + ")");
            }
            ++valid;
            continue;
          }
          // Invalid: each kind has its own message.
          const Bad kind = static_cast<Bad>(rng() % static_cast<unsigned>(Bad::kCount));
          std::vector<Tensor> inputs = c.inputs;
          std::string expect;
          if (kind == Bad::kWrongDim || kind == Bad::kWrongRank) {
            std::vector<int64_t> shape = inputs[0].shape();
            if (kind == Bad::kWrongDim)
              shape.back() += 1;
            else
              shape.push_back(2);
            inputs[0] = make_input(shape, 7, false);
            expect = "must have shape";
          } else if (kind == Bad::kTooFew) {
            inputs.pop_back();
            expect = "input(s), got";
          } else if (kind == Bad::kTooMany) {
            inputs.push_back(inputs[0]);
            expect = "input(s), got";
          }
          try {
            if (kind == Bad::kUnknownName) {
              std::map<std::string, Tensor> named;
              for (size_t i = 0; i < inputs.size(); ++i)
                named.emplace(model.inputs()[i].name, inputs[i]);
              named.emplace("no_such_input", inputs[0]);
              expect = "no input named 'no_such_input'";
              model.predict(named);
            } else {
              model.predict(inputs);
            }
            ++wrong_errors;
            problem("an invalid call succeeded (" + expect + ")");
          } catch (const Error& e) {
            if (std::string(e.what()).find(expect) == std::string::npos) {
              ++wrong_errors;
              problem(std::string("unexpected error: ") + e.what());
            }
          }
          ++invalid;
        } catch (const std::exception& e) {
          ++other_exceptions;
          problem(std::string("exception: ") + e.what());
        }
      }
    });

  // Memory: sampled every 50 ms; the baseline is the peak during warm-up (the first 40% of
  // the run, by when every thread has met every shape), compared with the peak afterwards.
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  const auto warm_up_end = start + std::chrono::duration<double>(seconds * 0.4);
  go = true;
  int64_t warm_peak = 0, after_peak = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int64_t now = rss_kib();
    int64_t& peak = std::chrono::steady_clock::now() < warm_up_end ? warm_peak : after_peak;
    peak = std::max(peak, now);
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t total = valid.load() + invalid.load();
  std::printf(
      "stress: %d threads, %zu models, %zu reference cases, %.1f s: %lld calls (%.0f/s), %lld "
      "valid, %lld invalid; "
      "%lld mismatches, %lld wrong errors, %lld other exceptions; RSS peak %lld KiB in warm-up, "
      "%lld KiB after (%+lld KiB)\n",
      kThreads, models.size(), cases.size(), elapsed, static_cast<long long>(total),
      total / elapsed, static_cast<long long>(valid.load()), static_cast<long long>(invalid.load()),
      static_cast<long long>(mismatches.load()), static_cast<long long>(wrong_errors.load()),
      static_cast<long long>(other_exceptions.load()), static_cast<long long>(warm_peak),
      static_cast<long long>(after_peak), static_cast<long long>(after_peak - warm_peak));
  EXPECT_EQ(mismatches.load(), 0) << first_problem;
  EXPECT_EQ(wrong_errors.load(), 0) << first_problem;
  EXPECT_EQ(other_exceptions.load(), 0) << first_problem;
  EXPECT_GT(valid.load(), 0);
  EXPECT_GT(invalid.load(), 0);
  if (!kSanitized) {
    // Flat: after warm-up RSS may move by allocator noise, not grow with the number of calls.
    EXPECT_LT(after_peak - warm_peak, std::max<int64_t>(32 * 1024, warm_peak / 10))
        << "RSS kept growing after warm-up: " << warm_peak << " -> " << after_peak << " KiB";
  }
}

}  // namespace
}  // namespace kerasrt::test

// Intra-op threads (LoadOptions::intra_op_threads > 1): a call's batch is cut into slices run
// by the caller and kerasrt's helper threads (one sample runs inside oneDNN's OpenMP threads).
// Concurrent calls with the same setting give bit-identical results, whoever runs the slices;
// results agree with the single-threaded mode to rounding.
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/cpu_budget.h"
#include "core/helper_threads.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

// A fixture's model.h5 loaded with `threads` intra-op threads.
Model load_fixture(const char* name, int threads) {
  LoadOptions options;
  options.intra_op_threads = threads;
  return Model::load((fixtures_dir() / name / "model.h5").string(), options);
}

TEST(IntraOpThreads, ConcurrentCallsAreBitExactAndMatchOneThread) {
  const std::vector<std::string> paths = example_models();
  ASSERT_EQ(paths.size(), 2u) << "bundled example models are missing";
  for (const std::string& path : paths) {
    LoadOptions one, three;
    three.intra_op_threads = 3;
    const Model serial = Model::load(path, one);
    const Model parallel = Model::load(path, three);

    struct Case {
      std::vector<Tensor> inputs, expected;
    };
    std::vector<Case> cases;
#if defined(__SANITIZE_THREAD__)
    // One sample runs inside oneDNN's OpenMP threads, whose barriers live in libgomp, which is
    // not instrumented: ThreadSanitizer cannot see them and reports races between a buffer's
    // allocation before a parallel region and its use inside. Under TSan only batches cut into
    // slices (run by kerasrt's own threads) are checked; the Release and ASan suites check all.
    const std::vector<int64_t> batches = {2, 3, 5, 8, 13};
#else
    const std::vector<int64_t> batches = {1, 2, 3, 5, 8, 13};
#endif
    for (int64_t batch : batches) {
      Case c;
      for (const TensorInfo& info : parallel.inputs())
        c.inputs.push_back(random_input(info, batch, static_cast<uint32_t>(batch)));
      c.expected = parallel.predict(c.inputs);
      const std::vector<Tensor> reference = serial.predict(c.inputs);
      ASSERT_EQ(c.expected.size(), reference.size());
      for (size_t o = 0; o < reference.size(); ++o) {
        EXPECT_EQ(c.expected[o].shape(), reference[o].shape());
        EXPECT_TRUE(all_close(c.expected[o], reference[o], 1e-5, 1e-6))
            << path << " batch " << batch;
      }
      cases.push_back(std::move(c));
    }

    constexpr int kThreads = 6;
    constexpr int kPerThread = 40;
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        std::mt19937 rng(static_cast<uint32_t>(t));
        for (int i = 0; i < kPerThread; ++i) {
          const Case& c = cases[rng() % cases.size()];
          const std::vector<Tensor> got = parallel.predict(c.inputs);
          for (size_t o = 0; o < got.size(); ++o)
            if (!identical(got[o], c.expected[o])) ++mismatches;
        }
      });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0) << path;
  }
}

// A model whose largest layer does not fit a core's share of the cache for more than one sample
// (a 1024 x 1024 image: 12 MB in, 16 MB out) is cut into one-sample slices that the cores take in
// turn: each sample's result is the one it has when predicted alone.
TEST(IntraOpThreads, LargeLayersRunInOneSampleSlices) {
  const Model parallel = load_fixture("graph_conv_bn_any_size", 2);
  const Model serial = load_fixture("graph_conv_bn_any_size", 1);
  constexpr int64_t kBatch = 5, kSide = 1024;
  Tensor batch({kBatch, kSide, kSide, 3});
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < batch.size(); ++i) batch.data()[i] = uniform(rng);
  const std::vector<Tensor> got = parallel.predict({batch});
  ASSERT_EQ(got.size(), 1u);
  const int64_t sample_floats = batch.size() / kBatch;
  const int64_t row = got[0].size() / kBatch;
  for (int64_t n = 0; n < kBatch; ++n) {
    Tensor one({1, kSide, kSide, 3});
    std::copy_n(batch.data() + n * sample_floats, sample_floats, one.data());
    const std::vector<Tensor> alone = serial.predict({one});
    Tensor slice(alone[0].shape());
    std::copy_n(got[0].data() + n * row, row, slice.data());
    EXPECT_TRUE(all_close(slice, alone[0], 1e-5, 1e-6)) << "sample " << n;
  }
  // Concurrent calls agree bit for bit, whoever runs which slice.
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i)
        if (!identical(parallel.predict({batch})[0], got[0])) ++mismatches;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Winograd convolutions (kernels/winograd.h) share a call's tiles out between OpenMP threads;
// every output is computed the same way whichever thread has its tile, so the result does not
// depend on the thread count, bit for bit. Every layer of this model runs that kernel.
TEST(IntraOpThreads, WinogradConvolutionsGiveTheSameBitsOnAnyThreadCount) {
  const Model parallel = load_fixture("graph_conv_winograd", 2);
  const Model serial = load_fixture("graph_conv_winograd", 1);
#if defined(__SANITIZE_THREAD__)
  // Batch 1 runs inside OpenMP threads, invisible to TSan (see above): only sliced batches.
  const std::vector<int64_t> batches = {3};
#else
  const std::vector<int64_t> batches = {1, 3};
#endif
  for (int64_t batch : batches) {
    const std::vector<Tensor> inputs = {
        random_input(serial.inputs()[0], batch, static_cast<uint32_t>(batch))};
    EXPECT_TRUE(identical(parallel.predict(inputs)[0], serial.predict(inputs)[0]))
        << "batch " << batch;
  }
}

// ... and an empty batch, which has no tiles to share out, gives an empty result.
TEST(IntraOpThreads, WinogradConvolutionsTakeAnEmptyBatch) {
  for (int threads : {1, 2}) {
    const Model model = load_fixture("graph_conv_winograd", threads);
    const std::vector<Tensor> out = model.predict({Tensor({0, 19, 12, 33})});
    EXPECT_EQ(out.at(0).shape(), (std::vector<int64_t>{0, 17, 10, 72})) << threads << " threads";
  }
}

TEST(IntraOpThreads, LimitsHoldForSplitCalls) {
  const std::vector<std::string> paths = example_models();
  ASSERT_FALSE(paths.empty());
  LoadOptions options;
  options.intra_op_threads = 2;
  options.limits.max_workspace_bytes = 1024;  // every call of more than one sample is too big
  const Model model = Model::load(paths.front(), options);
  std::vector<Tensor> inputs;
  for (const TensorInfo& info : model.inputs()) inputs.push_back(random_input(info, 4, 1));
  try {
    (void)model.predict(inputs);
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_workspace_bytes"), std::string::npos) << e.what();
  }
}

// Loading runs its steps side by side on the helper threads (the HDF5 global-heap check in
// pieces, the config parse beside the weights): whichever thread fails first, the error is that
// of the first failing task in order, so a file gets the same error on every load.
TEST(HelperThreads, RethrowsTheErrorOfTheFirstFailingTaskInOrder) {
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> ran{0};
    try {
      HelperThreads::instance().run(64, [&](int i) {
        ran.fetch_add(1);
        if (i == 7 || i == 40 || i == 63) throw Error("task " + std::to_string(i));
      });
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "task 7");
    }
    EXPECT_EQ(ran.load(), 64);  // every task runs, as before the failure
  }
}

// A load offers the closing of its HDF5 file to a helper while it builds the graph
// (api/model.cc): the task runs exactly once, by a helper or by wait(), and wait() returns only
// after it has finished, with its error.
TEST(HelperThreads, AnOfferRunsOnceAndWaitReturnsAfterIt) {
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> runs{0};
    std::atomic<bool> done{false};
    HelperThreads::Offer offer = HelperThreads::instance().offer([&] {
      runs.fetch_add(1);
      if (round % 2) std::this_thread::sleep_for(std::chrono::microseconds(50));
      done.store(true);
    });
    if (round % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    offer.wait();
    EXPECT_TRUE(done.load());
    offer.wait();  // a second wait does nothing
    EXPECT_EQ(runs.load(), 1);
  }
  HelperThreads::Offer failing =
      HelperThreads::instance().offer([] { throw Error("closing failed"); });
  EXPECT_THROW(failing.wait(), Error);
  std::atomic<int> runs{0};
  {
    HelperThreads::Offer unwaited = HelperThreads::instance().offer([&] { runs.fetch_add(1); });
  }
  EXPECT_EQ(runs.load(), 1);  // its destructor waited
}

// A load posts the unmapping of its file (api/model.cc) and returns: every posted task runs
// exactly once, on a helper when there is one, after post() has returned.
TEST(HelperThreads, APostedTaskRunsOnceWithoutAWait) {
  constexpr int kTasks = 100;
  std::atomic<int> runs{0}, on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < kTasks; ++i)
    HelperThreads::instance().post([&] {
      if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
      runs.fetch_add(1);
    });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs.load() < kTasks && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // none runs twice
  EXPECT_EQ(runs.load(), kTasks);
  EXPECT_EQ(on_caller.load(), usable_cores() > 1 ? 0 : kTasks);
}

// A container's CPU limit, as Docker and Kubernetes set it: a cgroup v2 cpu.max, or v1's
// cpu.cfs_quota_us / cpu.cfs_period_us, on the cgroup or an ancestor; the smallest level wins.
class CgroupTree {
 public:
  CgroupTree()
      : root_(std::filesystem::temp_directory_path() /
              ("kerasrt_cgroup_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(root_);
  }
  ~CgroupTree() { std::filesystem::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string root() const { return root_.string(); }

 private:
  std::filesystem::path root_;
};

TEST(CpuBudget, ReadsTheCgroupV2QuotaOfTheCgroupAndItsAncestors) {
  const CgroupTree tree;
  EXPECT_EQ(cgroup_cpu_quota("0::/kubepods/pod1/c1\n", tree.root()), std::nullopt);
  tree.write("kubepods/pod1/c1/cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_quota("0::/kubepods/pod1/c1\n", tree.root()), std::nullopt);
  tree.write("kubepods/pod1/cpu.max", "250000 100000\n");
  EXPECT_EQ(cgroup_cpu_quota("0::/kubepods/pod1/c1\n", tree.root()), 2.5);
  tree.write("kubepods/pod1/c1/cpu.max", "50000 100000\n");
  EXPECT_EQ(cgroup_cpu_quota("0::/kubepods/pod1/c1\n", tree.root()), 0.5);
  // Inside a cgroup namespace the container's cgroup is "/", the mount's root.
  tree.write("cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroup_cpu_quota("0::/\n", tree.root()), 1.5);
}

TEST(CpuBudget, ReadsTheCgroupV1QuotaOfTheCpuController) {
  const CgroupTree tree;
  const std::string self = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n";
  tree.write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
  tree.write("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_quota(self, tree.root()), std::nullopt);
  tree.write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n");
  EXPECT_EQ(cgroup_cpu_quota(self, tree.root()), 3.0);
  // The memory controller's quota-like files are not the cpu controller's.
  tree.write("memory/docker/abc/cpu.cfs_quota_us", "100000\n");
  tree.write("memory/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_quota(self, tree.root()), 3.0);
}

TEST(CpuBudget, UsableCoresIsWithinTheAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_GE(usable_cores(), 1);
  EXPECT_LE(usable_cores(), CPU_COUNT(&set));
}

}  // namespace
}  // namespace kerasrt::test

// `kerasrt bench`, run as a user would run it. Checks what the report contains and that the
// figures are consistent with each other; never how fast anything is (machines differ).
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace kerasrt::test {
namespace {

std::string cli() { return KERASRT_CLI; }
std::string mnist() { return (source_dir() / "examples/models/mnist_cnn.h5").string(); }

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// stdout only: the JSON report.
int run_stdout(const std::string& command, std::string* out) {
  return run_command("(" + command + ") 2>/dev/null", out);
}

// KERASRT_ISA lowers the instruction set of kerasrt's own kernels (the CI suite runs again under
// avx2 and scalar); every CPU can run the scalar code.
TEST(BenchCli, KernelIsaFollowsTheEnvironment) {
  std::string out;
  ASSERT_EQ(run_stdout("KERASRT_ISA=scalar " + cli() + " bench " + mnist() +
                           " --batch 2 --seconds 0.2 --warmup 0.05 --json",
                       &out),
            0)
      << out;
  EXPECT_EQ(nlohmann::json::parse(out)["kernel_isa"], "scalar");
}

TEST(BenchCli, JsonReportIsComplete) {
  std::string out;
  ASSERT_EQ(run_stdout(cli() + " bench " + mnist() +
                           " --threads 2 --batch 3 --seconds 0.5 --warmup 0.1 --json",
                       &out),
            0)
      << out;
  const auto report = nlohmann::json::parse(out);
  EXPECT_EQ(report["threads"], 2);
  EXPECT_EQ(report["batch"], 3);
  EXPECT_EQ(report["intra_op_threads"], 1);
  EXPECT_EQ(report["format"], "h5");
  EXPECT_EQ(report["params"], 108618);
  const std::string isa = report["kernel_isa"];
  EXPECT_TRUE(isa == "avx512" || isa == "avx2" || isa == "scalar") << isa;
  const auto calls = report["calls"].get<uint64_t>();
  EXPECT_GE(calls, 2u);  // every caller makes at least one measured call
  EXPECT_EQ(report["samples"].get<uint64_t>(), calls * 3);
  EXPECT_GT(report["calls_per_second"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(report["samples_per_second"].get<double>(),
                   3 * report["calls_per_second"].get<double>());
  const auto& latency = report["latency_ms"];
  for (const char* key : {"p50", "p90", "p99", "mean", "min", "max"})
    ASSERT_TRUE(latency.contains(key)) << key;
  EXPECT_GT(latency["min"].get<double>(), 0.0);
  EXPECT_LE(latency["min"].get<double>(), latency["p50"].get<double>());
  EXPECT_LE(latency["p50"].get<double>(), latency["p90"].get<double>());
  EXPECT_LE(latency["p90"].get<double>(), latency["p99"].get<double>());
  EXPECT_LE(latency["p99"].get<double>(), latency["max"].get<double>());
  EXPECT_GT(report["load_seconds"].get<double>(), 0.0);
  EXPECT_GT(report["reload_seconds"].get<double>(), 0.0);
  EXPECT_GT(report["file_bytes"].get<uint64_t>(), 1000000u);
  EXPECT_GE(report["file_read_seconds"].get<double>(), 0.0);
  EXPECT_GT(report["rss_after_load_bytes"].get<uint64_t>(), 0u);
  EXPECT_GE(report["peak_rss_bytes"].get<uint64_t>(),
            report["rss_after_load_bytes"].get<uint64_t>());
  EXPECT_GT(report["elapsed_seconds"].get<double>(), 0.0);
}

TEST(BenchCli, TextReportAndInputFromNpy) {
  std::string out;
  const std::string input = (source_dir() / "examples/models/mnist_cnn_input.npy").string();
  ASSERT_EQ(run_command(cli() + " bench " + mnist() +
                            " --batch 5 --seconds 0.2 --warmup 0 --input " + input,
                        &out),
            0)
      << out;
  for (const char* word : {"throughput", "samples/s", "p50", "p90", "p99", "peak RSS", "load"})
    EXPECT_CONTAINS(out, word);
  EXPECT_EQ(out.find("\r"), std::string::npos) << "no progress line when stderr is not a terminal";
}

TEST(BenchCli, BadArgumentsExitTwo) {
  std::string out;
  EXPECT_EQ(run_command(cli() + " bench " + mnist() + " --threads 0", &out), 2);
  EXPECT_CONTAINS(out, "--threads");
  EXPECT_EQ(run_command(cli() + " bench " + mnist() + " --seconds -1", &out), 2);
  EXPECT_EQ(run_command(cli() + " bench " + mnist() + " --batch x", &out), 2);
  EXPECT_EQ(run_command(cli() + " bench", &out), 2);
  EXPECT_EQ(run_command(cli() + " bench /nonexistent.h5 --seconds 0.1", &out), 1);
  EXPECT_CONTAINS(out, "/nonexistent.h5");
}

}  // namespace
}  // namespace kerasrt::test

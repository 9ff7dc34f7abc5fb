// The machine's single-precision GEMM peak, as oneDNN's sgemm reaches it on large square
// matrices: the yardstick for "dense layers at N% of GEMM peak". Machines differ between runs,
// so bench/run.sh measures it in the same run as the models.
//
//   kerasrt_gemm_peak [--sizes 2048,4096] [--threads 1,2] [--seconds S] [--json]
//
// For each size and thread count: one untimed call, then calls until S seconds have passed
// (at least 3); reports the best and the median GFLOP/s (2*n^3 flops per call). The peak of a
// thread count is its best figure over the sizes.
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

std::vector<long> parse_list(const char* text) {
  std::vector<long> out;
  std::string s(text);
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1) {
      std::fprintf(stderr, "kerasrt_gemm_peak: bad list '%s'\n", text);
      std::exit(2);
    }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct Result {
  long n = 0;
  long threads = 0;
  int calls = 0;
  double best_gflops = 0;
  double median_gflops = 0;
};

Result measure(long n, long threads, double seconds) {
  std::vector<float> a(static_cast<size_t>(n * n)), b(a.size()), c(a.size());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = u(rng);
    b[i] = u(rng);
  }
  omp_set_num_threads(static_cast<int>(threads));
  const auto call = [&] {
    if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n) !=
        dnnl_success) {
      std::fprintf(stderr, "kerasrt_gemm_peak: dnnl_sgemm failed\n");
      std::exit(1);
    }
  };
  call();  // JIT, page faults, thread pool start
  std::vector<double> gflops;
  const auto start = std::chrono::steady_clock::now();
  while (gflops.size() < 3 ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
             seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    call();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    gflops.push_back(2.0 * static_cast<double>(n) * static_cast<double>(n) *
                     static_cast<double>(n) / dt / 1e9);
  }
  std::sort(gflops.begin(), gflops.end());
  return {n, threads, static_cast<int>(gflops.size()), gflops.back(), gflops[gflops.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes = {2048, 4096};
  const long cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<long> threads = {1};
  if (cores > 1) threads.push_back(cores);
  double seconds = 2.0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--sizes" && has_value) {
      sizes = parse_list(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      threads = parse_list(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--json") {
      json = true;
    } else {
      std::fprintf(
          stderr,
          "usage: kerasrt_gemm_peak [--sizes 2048,4096] [--threads 1,%ld] [--seconds S] [--json]\n",
          cores);
      return 2;
    }
  }
  std::vector<Result> results;
  for (long t : threads)
    for (long n : sizes) results.push_back(measure(n, t, seconds));

  const dnnl_version_t* version = dnnl_version();
  if (json) {
    std::printf("{\"library\": \"oneDNN %d.%d.%d (%s)\", \"results\": [", version->major,
                version->minor, version->patch,
                version->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime");
    for (size_t i = 0; i < results.size(); ++i)
      std::printf(
          "%s\n  {\"n\": %ld, \"threads\": %ld, \"calls\": %d, \"best_gflops\": %.2f, "
          "\"median_gflops\": %.2f}",
          i ? "," : "", results[i].n, results[i].threads, results[i].calls, results[i].best_gflops,
          results[i].median_gflops);
    std::printf("\n], \"peak_gflops\": {");
    for (size_t j = 0; j < threads.size(); ++j) {
      double peak = 0;
      for (const Result& r : results)
        if (r.threads == threads[j]) peak = std::max(peak, r.best_gflops);
      std::printf("%s\"%ld\": %.2f", j ? ", " : "", threads[j], peak);
    }
    std::printf("}}\n");
    return 0;
  }
  std::printf("oneDNN %d.%d.%d sgemm, C = A*B, square float32 matrices\n", version->major,
              version->minor, version->patch);
  std::printf("%8s %8s %6s %12s %14s\n", "n", "threads", "calls", "best GFLOP/s", "median GFLOP/s");
  for (const Result& r : results)
    std::printf("%8ld %8ld %6d %12.1f %14.1f\n", r.n, r.threads, r.calls, r.best_gflops,
                r.median_gflops);
  return 0;
}

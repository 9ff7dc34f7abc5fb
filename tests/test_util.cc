#include "test_util.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace kerasrt::test {

std::filesystem::path source_dir() { return KERASRT_SOURCE_DIR; }
std::filesystem::path shared_dir() { return KERASRT_SHARED_DIR; }
std::filesystem::path fixtures_dir() { return source_dir() / "tests" / "fixtures"; }

::testing::AssertionResult all_close(const Tensor& got, const Tensor& want, double rtol,
                                     double atol) {
  if (got.shape() != want.shape()) {
    std::string g, w;
    for (auto d : got.shape()) g += std::to_string(d) + " ";
    for (auto d : want.shape()) w += std::to_string(d) + " ";
    return ::testing::AssertionFailure() << "shape mismatch: got (" << g << ") want (" << w << ")";
  }
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "dtype mismatch: got " << dtype_name(got.dtype())
                                         << ", want " << dtype_name(want.dtype());
  if (got.dtype() == DType::kString) {  // strings must match exactly
    for (size_t i = 0; i < got.strings().size(); ++i)
      if (got.strings()[i] != want.strings()[i])
        return ::testing::AssertionFailure()
               << "strings differ at flat index " << i << ": got '" << got.strings()[i]
               << "', want '" << want.strings()[i] << "'";
    return ::testing::AssertionSuccess();
  }
  int64_t worst = -1, bad = 0;
  double worst_excess = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    const double g = got.data()[i], w = want.data()[i];
    if (std::isnan(g) && std::isnan(w)) continue;
    const double excess = std::fabs(g - w) - (atol + rtol * std::fabs(w));
    if (!(excess <= 0)) {
      ++bad;
      if (worst < 0 || excess > worst_excess || std::isnan(excess))
        worst = i, worst_excess = excess;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << got.size() << " elements differ; worst at flat index " << worst
         << ": got " << got.data()[worst] << ", want " << want.data()[worst] << " (rtol " << rtol
         << ", atol " << atol << ")";
}

bool identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}

int run_command(const std::string& command, std::string* output) {
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::string text;
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) text.append(buffer, n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> example_models() {
  std::vector<std::string> paths;
  for (const char* name : {"examples/models/mnist_cnn.h5", "examples/models/mlp.keras"})
    if (std::filesystem::exists(source_dir() / name))
      paths.push_back((source_dir() / name).string());
  return paths;
}

Tensor random_input(const TensorInfo& info, int64_t batch, uint32_t seed) {
  std::vector<int64_t> shape = info.shape;
  shape[0] = batch;
  for (auto& d : shape)
    if (d == kAnyDim) d = 4;
  Tensor t(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = uniform(rng);
  return t;
}

}  // namespace kerasrt::test

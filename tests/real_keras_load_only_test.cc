// Real files without stored outputs (../shared/keras-real/load-only): each must either load and
// predict finite outputs of its declared shape, or be refused with an error that names every
// unsupported layer. Prints how many load.
#include <cmath>
#include <random>

#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> load_only_files() {
  std::vector<std::string> names;
  const fs::path dir = shared_dir() / "keras-real" / "load-only";
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Random input for a declared shape: batch 2, other unknown dims 5; values in [0, 1) so that
// embedding indices stay valid.
Tensor random_input(const TensorInfo& info, std::mt19937& rng) {
  std::vector<int64_t> shape = info.shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == kAnyDim) shape[d] = d == 0 ? 2 : 5;
  Tensor t(shape);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = uniform(rng);
  return t;
}

class LoadOnly : public ::testing::TestWithParam<std::string> {};

TEST_P(LoadOnly, LoadsAndPredictsOrRefusesClearly) {
  const std::string path = (shared_dir() / "keras-real" / "load-only" / GetParam()).string();
  std::optional<Model> model;
  try {
    model = Model::load(path);
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    // A clear refusal names the unsupported layers, or (Keras 1) the unsupported Keras version.
    const bool clear = message.find("cannot be loaded") != std::string::npos ||
                       message.find("Keras 1") != std::string::npos;
    EXPECT_TRUE(clear) << "refused for another reason: " << message;
    RecordProperty("refused", message);
    std::printf("REFUSED %s\n", message.c_str());
    return;
  }
  std::mt19937 rng(7);
  std::vector<Tensor> inputs;
  for (const TensorInfo& info : model->inputs()) inputs.push_back(random_input(info, rng));
  const std::vector<Tensor> outputs = model->predict(inputs);
  ASSERT_EQ(outputs.size(), model->outputs().size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& declared = model->outputs()[i].shape;
    ASSERT_EQ(outputs[i].shape().size(), declared.size()) << "output " << i;
    EXPECT_EQ(outputs[i].shape()[0], 2);
    for (size_t d = 1; d < declared.size(); ++d) {
      if (declared[d] != kAnyDim) {
        EXPECT_EQ(outputs[i].shape()[d], declared[d]) << "output " << i << " dim " << d;
      }
    }
    for (int64_t k = 0; k < outputs[i].size(); ++k)
      ASSERT_TRUE(std::isfinite(outputs[i].data()[k])) << "output " << i << " element " << k;
  }
  std::printf("LOADED %s\n", GetParam().c_str());
}

INSTANTIATE_TEST_SUITE_P(Real, LoadOnly, ::testing::ValuesIn(load_only_files()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace kerasrt::test

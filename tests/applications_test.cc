// keras.applications architectures end to end (issue 4): each architecture, rebuilt layer by layer
// with TensorFlow.js layers and seeded random weights by tools/oracle/applications.sh, must load
// from every file written (tf.keras 2.15 .h5, Keras 3.12 .keras) and reproduce the tfjs
// predictions at batch 4 and for each row alone (batch 1). Architectures and sizes:
// tools/oracle/README.md, "keras.applications end-to-end models".
//
// The models are tens of MB each, so they are generated at test time, not committed:
//   tools/oracle/applications.sh DIR
//   KERASRT_APPLICATIONS_DIR=DIR ./kerasrt_tests --gtest_filter='Keras/Applications.*'
// Without KERASRT_APPLICATIONS_DIR the tests skip.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kerasrt/npy.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Tolerances per architecture, |got - want| <= atol + rtol * |want| on the softmax outputs (values
// in (0, 1)). kerasrt and tfjs both compute in float32 but sum in different orders (oneDNN/GEMM
// blocking vs tfjs's loops) and kerasrt folds BatchNormalization into the convolutions, so the
// results differ by rounding that grows with depth. Largest differences measured over both files,
// batch 4 and batch 1 (abs / rel): vgg16 2.5e-7 / 2.3e-6, resnet50 3.3e-7 / 2.4e-6, resnet50v2
// 1.2e-7 / 1.9e-6, mobilenet 1.6e-7 / 7.6e-7, mobilenet_v2 5.1e-7 / 3.3e-6, densenet121 3.7e-8 /
// 3.2e-7, inception_v3 2.2e-7 / 1.3e-6, efficientnet_b0 6.0e-8 / 4.7e-7, mobilenet_v3_small
// 8.9e-8 / 4.6e-7 (Keras 3 form 6.0e-8 / 4.7e-7), convnext_tiny 2.8e-7 / 2.8e-6 (batch 4
// alone 1.9e-7 / 1.8e-6), xception 1.9e-6 / 7.5e-6, nasnet_mobile 2.0e-6 / 1.7e-5. The fixtures'
// float32 bound (rtol 1e-5, atol 1e-6) holds all but the two deepest with at least 2x margin (every
// difference is under atol / 2); Xception (134 layers, 34 separable convolutions) and NASNetMobile
// (771 layers) get about 3x their measured error, so that another CPU's kernels (AVX2 vs AVX-512
// blocking) do not fail them.
struct Tolerance {
  const char* arch;
  double rtol, atol;
};
constexpr Tolerance kTolerances[] = {
    {"xception", 3e-5, 6e-6},
    {"nasnet_mobile", 3e-5, 6e-6},
};
constexpr Tolerance kDefaultTolerance = {"default", 1e-5, 1e-6};

Tolerance tolerance_of(const std::string& arch) {
  for (const Tolerance& t : kTolerances)
    if (arch == t.arch) return t;
  return kDefaultTolerance;
}

fs::path applications_dir() {
  const char* dir = std::getenv("KERASRT_APPLICATIONS_DIR");
  return dir && *dir ? fs::path(dir) : fs::path();
}

struct AppModel {
  std::string arch;
  size_t index;  // into manifest["models"]
  std::string label;
};

void PrintTo(const AppModel& model, std::ostream* out) { *out << model.label; }

Json manifest_of(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  return Json::parse(in);
}

// Every (architecture, file) under `root`, sorted.
std::vector<AppModel> models_in(const fs::path& root) {
  std::vector<AppModel> out;
  std::vector<std::string> archs;
  for (const auto& entry : fs::directory_iterator(root))
    if (fs::exists(entry.path() / "manifest.json"))
      archs.push_back(entry.path().filename().string());
  std::sort(archs.begin(), archs.end());
  for (const std::string& arch : archs) {
    const Json manifest = manifest_of(root / arch);
    const Json& models = manifest["models"];
    for (size_t i = 0; i < models.size(); ++i) {
      std::string label = arch + "__" + models[i].value("format", "?");
      for (char& c : label)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      out.push_back({arch, i, label});
    }
  }
  return out;
}

// One test per (architecture, file) when KERASRT_APPLICATIONS_DIR is set while the tests are
// listed, plus "All", which runs every model itself when none of those runs in this process
// (ctest lists the tests at build time, gtest_discover_tests, and runs "All" alone) and skips
// when the variable is not set.

std::vector<AppModel> all_models() {
  std::vector<AppModel> out = {{"", 0, "All"}};
  const fs::path root = applications_dir();
  if (root.empty() || !fs::is_directory(root)) return out;
  for (AppModel& model : models_in(root)) out.push_back(std::move(model));
  return out;
}

// Row `row` of a batch-first tensor, as a batch of one.
Tensor row_of(const Tensor& t, int64_t row) {
  std::vector<int64_t> shape = t.shape();
  const int64_t n = t.size() / shape[0];
  shape[0] = 1;
  return Tensor(shape, std::vector<float>(t.data() + row * n, t.data() + (row + 1) * n));
}

struct Errors {
  double abs = 0, rel = 0;  // largest |got - want| and |got - want| / |want|
  void add(const Tensor& got, const Tensor& want) {
    for (int64_t i = 0; i < std::min(got.size(), want.size()); ++i) {
      const double d = std::fabs(double(got.data()[i]) - want.data()[i]);
      abs = std::max(abs, d);
      if (want.data()[i] != 0) rel = std::max(rel, d / std::fabs(want.data()[i]));
    }
  }
};

void check_model(const AppModel& param) {
  const fs::path dir = applications_dir() / param.arch;
  const Json manifest = manifest_of(dir);
  const Json& entry = manifest["models"][param.index];
  const Model model = Model::load((dir / entry["file"].get<std::string>()).string());
  ASSERT_EQ(manifest["inputs"].size(), 1u);
  ASSERT_EQ(manifest["outputs"].size(), 1u);
  const std::string in_name = manifest["inputs"][0]["name"].get<std::string>();
  const std::string out_name = manifest["outputs"][0]["name"].get<std::string>();
  const Tensor x = read_npy((dir / manifest["inputs"][0]["file"].get<std::string>()).string());
  const Tensor want = read_npy((dir / manifest["outputs"][0]["file"].get<std::string>()).string());
  const Tolerance tol = tolerance_of(param.arch);
  Errors errors;

  // batch 4
  std::map<std::string, Tensor> outputs = model.predict({{in_name, x}});
  ASSERT_TRUE(outputs.count(out_name)) << "the model has no output named '" << out_name << "'";
  EXPECT_TRUE(all_close(outputs.at(out_name), want, tol.rtol, tol.atol))
      << "batch " << x.shape()[0];
  errors.add(outputs.at(out_name), want);

  // batch 1, every row
  for (int64_t row = 0; row < x.shape()[0]; ++row) {
    outputs = model.predict({{in_name, row_of(x, row)}});
    const Tensor want_row = row_of(want, row);
    EXPECT_TRUE(all_close(outputs.at(out_name), want_row, tol.rtol, tol.atol))
        << "batch 1, row " << row;
    errors.add(outputs.at(out_name), want_row);
  }
  std::printf("[ applications ] %s %s: max abs err %.3g, max rel err %.3g (rtol %g, atol %g)\n",
              param.arch.c_str(), entry["file"].get<std::string>().c_str(), errors.abs, errors.rel,
              tol.rtol, tol.atol);
}

class Applications : public ::testing::TestWithParam<AppModel> {};

TEST_P(Applications, MatchesReference) {
  const AppModel& param = GetParam();
  if (!param.arch.empty()) return check_model(param);
  const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  for (int i = 0; i < suite->total_test_count(); ++i) {
    const ::testing::TestInfo* info = suite->GetTestInfo(i);
    if (info != ::testing::UnitTest::GetInstance()->current_test_info() && info->should_run())
      GTEST_SKIP() << "the per-architecture tests run the models";
  }
  const fs::path root = applications_dir();
  if (root.empty() || !fs::is_directory(root))
    GTEST_SKIP() << "KERASRT_APPLICATIONS_DIR is not set (or not a directory): generate the "
                    "models with tools/oracle/applications.sh DIR and set it to DIR";
  const std::vector<AppModel> models = models_in(root);
  ASSERT_FALSE(models.empty()) << "no <arch>/manifest.json in " << root;
  for (const AppModel& model : models) {
    SCOPED_TRACE(model.label);
    check_model(model);
  }
}

INSTANTIATE_TEST_SUITE_P(Keras, Applications, ::testing::ValuesIn(all_models()),
                         [](const auto& info) { return info.param.label; });

// The small Transformer encoder and the masked LSTM text classifiers are committed oracle fixtures
// (tests/fixtures, run at batch 3-4 by fixture_test.cc); here every row of their inputs also runs
// alone (batch 1, each sample with its own padding) against the same row of the stored outputs,
// in every file of the case, within the case's tolerance.
TEST(ApplicationsFixtures, TransformerAndMaskedTextClassifiersRowByRow) {
  for (const char* name :
       {"transformer_encoder", "mask_text_classifier", "mask_text_classifier_bidirectional"}) {
    const fs::path dir = fixtures_dir() / name;
    ASSERT_TRUE(fs::exists(dir / "manifest.json")) << dir;
    const Json manifest = manifest_of(dir);
    const double rtol = manifest.value("rtol", 1e-5), atol = manifest.value("atol", 1e-6);
    std::map<std::string, Tensor> inputs, want;
    for (const Json& input : manifest["inputs"])
      inputs.emplace(input["name"].get<std::string>(),
                     read_npy((dir / input["file"].get<std::string>()).string()));
    for (const Json& output : manifest["outputs"])
      want.emplace(output["name"].get<std::string>(),
                   read_npy((dir / output["file"].get<std::string>()).string()));
    const int64_t batch = inputs.begin()->second.shape()[0];
    for (const Json& entry : manifest["models"]) {
      const std::string file = (dir / entry["file"].get<std::string>()).string();
      SCOPED_TRACE(file);
      const Model model =
          entry.contains("weights")
              ? Model::load_json(file, (dir / entry["weights"].get<std::string>()).string())
              : Model::load(file);
      for (int64_t row = 0; row < batch; ++row) {
        std::map<std::string, Tensor> one;
        for (const auto& [input, tensor] : inputs) one.emplace(input, row_of(tensor, row));
        const std::map<std::string, Tensor> got = model.predict(one);
        for (const auto& [output, tensor] : want) {
          ASSERT_TRUE(got.count(output)) << output;
          EXPECT_TRUE(all_close(got.at(output), row_of(tensor, row), rtol, atol))
              << name << " output " << output << ", row " << row << " alone";
        }
      }
    }
  }
}

}  // namespace
}  // namespace kerasrt::test

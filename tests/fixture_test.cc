// Oracle fixtures (tests/fixtures/<case>/, made by tools/oracle from TensorFlow.js layers or an
// independent NumPy reference): every model file of every case must load and reproduce the
// reference outputs within the case's stated tolerance.
#include <fstream>
#include <nlohmann/json.hpp>

#include "kerasrt/npy.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct FixtureModel {
  std::string case_name;
  size_t index;  // into manifest["models"]
  std::string label;
};

// gtest prints parameters of failed tests; show the label, not the bytes.
void PrintTo(const FixtureModel& model, std::ostream* out) { *out << model.label; }

Json manifest_of(const std::string& case_name) {
  std::ifstream in(fixtures_dir() / case_name / "manifest.json");
  return Json::parse(in);
}

std::vector<FixtureModel> all_fixture_models() {
  std::vector<FixtureModel> out;
  if (!fs::exists(fixtures_dir())) return out;
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(fixtures_dir()))
    if (fs::exists(entry.path() / "manifest.json"))
      cases.push_back(entry.path().filename().string());
  std::sort(cases.begin(), cases.end());
  for (const std::string& name : cases) {
    const Json manifest = manifest_of(name);
    const Json& models = manifest["models"];
    for (size_t i = 0; i < models.size(); ++i) {
      std::string label =
          name + "__" + models[i].value("format", "?") + "_" + models[i].value("flavor", "");
      for (char& c : label)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      out.push_back({name, i, label});
    }
  }
  return out;
}

class Fixture : public ::testing::TestWithParam<FixtureModel> {};

TEST_P(Fixture, MatchesReference) {
  const FixtureModel& param = GetParam();
  const fs::path dir = fixtures_dir() / param.case_name;
  const Json manifest = manifest_of(param.case_name);
  const Json& entry = manifest["models"][param.index];
  const std::string file = (dir / entry["file"].get<std::string>()).string();
  const Model model =
      entry.contains("weights")
          ? Model::load_json(file, (dir / entry["weights"].get<std::string>()).string())
          : Model::load(file);

  std::map<std::string, Tensor> inputs;
  for (const Json& input : manifest["inputs"])
    inputs.emplace(input["name"].get<std::string>(),
                   read_npy((dir / input["file"].get<std::string>()).string()));
  const std::map<std::string, Tensor> outputs = model.predict(inputs);

  const double rtol = manifest.value("rtol", 1e-5), atol = manifest.value("atol", 1e-6);
  ASSERT_EQ(outputs.size(), manifest["outputs"].size());
  for (const Json& output : manifest["outputs"]) {
    const std::string name = output["name"].get<std::string>();
    ASSERT_TRUE(outputs.count(name)) << "the model has no output named '" << name << "'";
    const Tensor want = read_npy((dir / output["file"].get<std::string>()).string());
    EXPECT_TRUE(all_close(outputs.at(name), want, rtol, atol))
        << "output '" << name << "' (reference: " << manifest.value("reference", "?") << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(Oracle, Fixture, ::testing::ValuesIn(all_fixture_models()),
                         [](const auto& info) { return info.param.label; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Fixture);

}  // namespace
}  // namespace kerasrt::test

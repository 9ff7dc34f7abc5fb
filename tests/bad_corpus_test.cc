// The bad-input corpus (tests/bad, written by tests/bad/generate.py): every entry of
// tests/bad/manifest.json is loaded (and predicted, when it says so) and must have exactly
// the outcome the manifest states: a kerasrt::Error whose message contains each expected text,
// or success. Never a crash, a hang, another exception type or a silent wrong answer.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "kerasrt/npy.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

fs::path bad_dir() { return source_dir() / "tests" / "bad"; }

std::vector<Json> manifest_entries() {
  std::ifstream in(bad_dir() / "manifest.json");
  if (!in) return {};
  const Json manifest = Json::parse(in, nullptr, false);
  if (!manifest.is_array()) return {};
  return std::vector<Json>(manifest.begin(), manifest.end());
}

LoadOptions options_from(const Json& entry) {
  LoadOptions options;
  Limits& limits = options.limits;
  const Json given = entry.value("options", Json::object());
  for (const auto& [key, value] : given.items()) {
#define KERASRT_LIMIT(field)                            \
  if (key == #field) {                                  \
    limits.field = value.get<decltype(limits.field)>(); \
    continue;                                           \
  }
    KERASRT_LIMIT(max_file_bytes)
    KERASRT_LIMIT(max_total_parameters)
    KERASRT_LIMIT(max_tensor_elements)
    KERASRT_LIMIT(max_workspace_bytes)
    KERASRT_LIMIT(max_graph_nodes)
    KERASRT_LIMIT(max_nesting_depth)
    KERASRT_LIMIT(max_json_bytes)
    KERASRT_LIMIT(max_json_depth)
    KERASRT_LIMIT(max_string_bytes)
    KERASRT_LIMIT(max_name_bytes)
    KERASRT_LIMIT(max_zip_entries)
    KERASRT_LIMIT(max_zip_expanded_bytes)
#undef KERASRT_LIMIT
    if (key == "reject_non_finite_weights") {
      options.reject_non_finite_weights = value.get<bool>();
      continue;
    }
    ADD_FAILURE() << "unknown option '" << key << "' in the manifest";
  }
  return options;
}

Tensor predict_input(const Json& predict) {
  if (predict.contains("input"))
    return read_npy((bad_dir() / predict["input"].get<std::string>()).string());
  const std::vector<int64_t> shape = predict.at("shape").get<std::vector<int64_t>>();
  Tensor input(shape);
  const Json& fill = predict.at("fill");
  const float value = fill.is_number() ? fill.get<float>()
                      : fill == "nan"  ? std::nanf("")
                                       : INFINITY;
  for (int64_t i = 0; i < input.size(); ++i) input.data()[i] = value;
  return input;
}

struct Outcome {
  bool ok = false;
  bool kerasrt_error = false;
  std::string message;
  std::vector<Tensor> outputs;
};

Outcome run(const Json& entry) {
  Outcome outcome;
  try {
    if (entry.contains("npy")) {
      read_npy((bad_dir() / entry["npy"].get<std::string>()).string());
    } else {
      const std::string file = (bad_dir() / entry.at("file").get<std::string>()).string();
      const LoadOptions options = options_from(entry);
      const Model model =
          entry.contains("weights")
              ? Model::load_json(file, (bad_dir() / entry["weights"].get<std::string>()).string(),
                                 options)
              : Model::load(file, options);
      if (entry.contains("predict"))
        outcome.outputs = model.predict({predict_input(entry["predict"])});
    }
    outcome.ok = true;
  } catch (const Error& e) {
    outcome.kerasrt_error = true;
    outcome.message = e.what();
  } catch (const std::exception& e) {
    outcome.message = e.what();
  }
  return outcome;
}

std::string entry_name(const ::testing::TestParamInfo<Json>& info) {
  const Json& entry = info.param;
  std::string name = entry.contains("npy") ? entry["npy"].get<std::string>()
                                           : entry.value("file", std::string("entry"));
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name + "_" + std::to_string(info.index);
}

class BadCorpus : public ::testing::TestWithParam<Json> {};

// Entries that crash the HDF5 library itself go through `kerasrt validate` (a child process)
// only: the parent must survive and report the file as crashed or invalid, never valid.
void check_in_child(const Json& entry) {
  std::string output;
  const int status = run_command(std::string(KERASRT_CLI) + " validate --json " +
                                     (bad_dir() / entry.at("file").get<std::string>()).string(),
                                 &output);
  const size_t brace = output.find('{');
  const Json report = Json::parse(brace == std::string::npos ? std::string() : output.substr(brace),
                                  nullptr, false);
  ASSERT_TRUE(report.is_object()) << output;
  const std::string verdict = report.value("status", "");
  bool expected = false;
  for (const Json& allowed : entry["validate"])
    expected = expected || verdict == allowed.get<std::string>();
  EXPECT_TRUE(expected) << "kerasrt validate says '" << verdict << "': " << output;
  EXPECT_EQ(status, verdict == "invalid" ? 1 : 3) << output;
}

TEST_P(BadCorpus, HasTheStatedOutcome) {
  const Json& entry = GetParam();
  SCOPED_TRACE(entry.dump());
  if (entry.contains("validate")) return check_in_child(entry);
  const Outcome outcome = run(entry);
  if (!outcome.ok) {
    EXPECT_TRUE(outcome.kerasrt_error) << "not a kerasrt::Error: " << outcome.message;
  }
  if (entry.value("ok", false)) {
    ASSERT_TRUE(outcome.ok) << "should load, got: " << outcome.message;
    const std::string expect = entry.value("outputs", std::string());
    size_t nan = 0, inf = 0, total = 0;
    for (const Tensor& t : outcome.outputs)
      for (float v : t.values()) ++total, nan += std::isnan(v), inf += std::isinf(v);
    if (expect == "finite") {
      EXPECT_EQ(nan + inf, 0u);
    } else if (expect == "nan") {
      EXPECT_EQ(nan, total);
    } else if (expect == "some_nan") {
      EXPECT_GT(nan, 0u);
    } else if (expect == "some_inf") {
      EXPECT_GT(inf, 0u);
    }
    if (!expect.empty()) {
      EXPECT_GT(total, 0u);
    }
    return;
  }
  ASSERT_TRUE(entry.contains("error")) << "a manifest entry needs \"ok\" or \"error\"";
  ASSERT_FALSE(outcome.ok) << "should have been refused";
  for (const Json& text : entry["error"])
    EXPECT_NE(outcome.message.find(text.get<std::string>()), std::string::npos)
        << "error message lacks '" << text.get<std::string>() << "':\n"
        << outcome.message;
  // Load errors name the file.
  if (entry.contains("file") && !entry.contains("predict")) {
    EXPECT_NE(outcome.message.find(entry["file"].get<std::string>()), std::string::npos)
        << outcome.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadCorpus, ::testing::ValuesIn(manifest_entries()), entry_name);

TEST(BadCorpusManifest, ListsEveryFile) {
  const std::vector<Json> entries = manifest_entries();
  ASSERT_GE(entries.size(), 60u)
      << "tests/bad/manifest.json is missing or short; run tests/bad/generate.py";
  std::set<std::string> listed;
  for (const Json& entry : entries)
    for (const char* key : {"file", "weights", "npy"})
      if (entry.contains(key)) listed.insert(entry[key].get<std::string>());
  for (const auto& item : fs::directory_iterator(bad_dir())) {
    const std::string name = item.path().filename().string();
    if (name == "manifest.json" || name == "generate.py") continue;
    EXPECT_TRUE(listed.count(name)) << name << " is in tests/bad but not in its manifest";
  }
  for (const std::string& name : listed)
    EXPECT_TRUE(fs::exists(bad_dir() / name)) << name << " is listed but missing";
}

// `kerasrt validate` reports the same outcomes from a child process: exit 0 for a model that
// loads, 1 with the error for one that does not.
TEST(BadCorpusValidate, ChildProcessReportsTheError) {
  std::string output;
  EXPECT_EQ(
      run_command(std::string(KERASRT_CLI) + " validate " + (bad_dir() / "ok_dense.h5").string(),
                  &output),
      0)
      << output;
  EXPECT_NE(output.find("valid"), std::string::npos) << output;
  EXPECT_EQ(run_command(
                std::string(KERASRT_CLI) + " validate " + (bad_dir() / "cyclic_graph.h5").string(),
                &output),
            1)
      << output;
  EXPECT_NE(output.find("cycle"), std::string::npos) << output;
  EXPECT_EQ(run_command(std::string(KERASRT_CLI) + " validate --json " +
                            (bad_dir() / "zip_bomb.keras").string() +
                            " --max-zip-expanded-bytes 16777216",
                        &output),
            1)
      << output;
  const Json report = Json::parse(output, nullptr, false);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(report.value("status", ""), "invalid");
  EXPECT_NE(report.value("error", "").find("max_zip_expanded_bytes"), std::string::npos) << output;
}

}  // namespace
}  // namespace kerasrt::test

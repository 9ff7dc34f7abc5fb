// The `kerasrt` command line, run as a user would run it.
#include <fstream>
#include <nlohmann/json.hpp>

#include "kerasrt/npy.h"
#include "model_writer.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

std::string cli() { return KERASRT_CLI; }
std::string path_of(const std::string& relative) { return (source_dir() / relative).string(); }

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(Cli, InfoPrintsKerasStyleSummary) {
  std::string out;
  ASSERT_EQ(run_command(cli() + " info " + path_of("examples/models/mnist_cnn.h5"), &out), 0)
      << out;
  EXPECT_CONTAINS(out, "Layer (type)");
  EXPECT_CONTAINS(out, "Output Shape");
  EXPECT_CONTAINS(out, "(Conv2D)");
  EXPECT_CONTAINS(out, "Total params:");
  EXPECT_CONTAINS(out, "(None, 28, 28, 1)");
}

TEST(Cli, InfoJsonAddsUp) {
  std::string out;
  ASSERT_EQ(
      run_command(cli() + " info --json " + path_of("tests/fixtures/graph_multi_io/model.keras"),
                  &out),
      0)
      << out;
  const auto info = nlohmann::json::parse(out);
  int64_t sum = 0;
  for (const auto& layer : info["layers"])
    if (layer["depth"] == 0) sum += layer["params"].get<int64_t>();
  EXPECT_EQ(sum, info["total_params"].get<int64_t>());
  EXPECT_GT(sum, 0);
  ASSERT_EQ(info["inputs"].size(), 2u);
  EXPECT_EQ(info["inputs"][0]["name"], "input_a");
  EXPECT_EQ(info["inputs"][0]["shape"][0], nullptr);
  EXPECT_EQ(info["outputs"][1]["name"], "out_aux");
  EXPECT_EQ(info["format"], "keras");
}

TEST(Cli, InfoOfJsonPlusWeights) {
  std::string out;
  const std::string dir = path_of("tests/fixtures/graph_multi_io/");
  ASSERT_EQ(
      run_command(cli() + " info " + dir + "model.json --weights " + dir + "weights.h5", &out), 0)
      << out;
  EXPECT_CONTAINS(out, "json+h5weights");
}

TEST(Cli, PredictWritesKerasOutput) {
  const std::string output = temp_path("cli_mnist_out.npy");
  std::string out;
  ASSERT_EQ(
      run_command(cli() + " predict " + path_of("examples/models/mnist_cnn.h5") + " --input " +
                      path_of("examples/models/mnist_cnn_input.npy") + " --output " + output,
                  &out),
      0)
      << out;
  // The expected output was computed by the oracle (TensorFlow.js), not by kerasrt.
  EXPECT_TRUE(all_close(read_npy(output),
                        read_npy(path_of("examples/models/mnist_cnn_expected_output.npy")), 1e-5,
                        1e-6));
}

TEST(Cli, PredictNamedInputsToOutputDir) {
  const std::string dir = path_of("tests/fixtures/graph_multi_io/");
  const std::string out_dir = temp_path("cli_multi_io");
  std::string out;
  // Inputs given by name, in the opposite order of the model's inputs.
  ASSERT_EQ(
      run_command(cli() + " predict " + dir + "model.h5 --input input_b=" + dir +
                      "input_1.npy --input input_a=" + dir + "input_0.npy --output-dir " + out_dir,
                  &out),
      0)
      << out;
  EXPECT_TRUE(
      all_close(read_npy(out_dir + "/out_main.npy"), read_npy(dir + "output_0.npy"), 1e-5, 1e-6));
  EXPECT_TRUE(
      all_close(read_npy(out_dir + "/out_aux.npy"), read_npy(dir + "output_1.npy"), 1e-5, 1e-6));
}

TEST(Cli, ErrorsAreClearAndExitNonZero) {
  std::string out;
  EXPECT_EQ(run_command(cli(), &out), 2);
  EXPECT_CONTAINS(out, "usage");
  EXPECT_EQ(run_command(cli() + " frobnicate", &out), 2);
  EXPECT_EQ(
      run_command(cli() + " predict " + path_of("examples/models/mnist_cnn.h5") + " --output x.npy",
                  &out),
      2);
  EXPECT_CONTAINS(out, "--input");
  EXPECT_EQ(run_command(cli() + " info /nonexistent.h5", &out), 1);
  EXPECT_CONTAINS(out, "/nonexistent.h5");
  const std::string wrong = temp_path("wrong_shape.npy");
  write_npy(wrong, Tensor({2, 3}));
  EXPECT_EQ(run_command(cli() + " predict " + path_of("examples/models/mnist_cnn.h5") +
                            " --input " + wrong + " --output " + temp_path("unused.npy"),
                        &out),
            1);
  EXPECT_CONTAINS(out, "must have shape (None, 28, 28, 1), got (2, 3)");
}

// A model that reads text: Input (None, 1) of strings -> Hashing(num_bins=3).
std::string text_model() {
  const std::string path = temp_path("cli_text_hashing.h5");
  write_legacy_h5(path, string_hashing_model_config(3), {});
  return path;
}

// Keras's documented bins for Hashing(num_bins=3) (keras/src/layers/preprocessing/hashing.py).
const std::vector<std::string> kLetters = {"A", "B", "C", "D", "E"};
const std::vector<float> kLetterBins = {1, 0, 1, 1, 2};

TEST(Cli, PredictAndInfoWithStringInputs) {
  const std::string model = text_model();
  std::string out;
  ASSERT_EQ(run_command(cli() + " info --json " + model, &out), 0) << out;
  const auto info = nlohmann::json::parse(out);
  EXPECT_EQ(info["inputs"][0]["dtype"], "string");
  EXPECT_EQ(info["outputs"][0]["dtype"], "float32");
  ASSERT_EQ(run_command(cli() + " info " + model, &out), 0) << out;
  EXPECT_CONTAINS(out, "string");

  const std::string input = temp_path("cli_letters.npy"), output = temp_path("cli_bins.npy");
  write_npy(input, Tensor::of_strings({5, 1}, kLetters));
  ASSERT_EQ(
      run_command(cli() + " predict " + model + " --input " + input + " --output " + output, &out),
      0)
      << out;
  EXPECT_TRUE(all_close(read_npy(output), Tensor({5, 1}, kLetterBins), 0, 0));

  // Numbers where the model takes text.
  write_npy(input, Tensor({5, 1}));
  EXPECT_EQ(
      run_command(cli() + " predict " + model + " --input " + input + " --output " + output, &out),
      1);
  EXPECT_CONTAINS(out, "input 'text' takes strings, got numbers");
}

TEST(Cli, ValidateAndBenchWithStringInputs) {
  const std::string model = text_model();
  std::string out;
  ASSERT_EQ(run_command(cli() + " validate --json " + model, &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["predict"]["status"], "ok") << out;
  // Random words when no input is given; the rows of a text .npy, cycled, when one is.
  ASSERT_EQ(run_command(cli() + " bench " + model + " --batch 3 --seconds 0.2 --warmup 0", &out), 0)
      << out;
  const std::string input = temp_path("cli_bench_letters.npy");
  write_npy(input, Tensor::of_strings({5, 1}, kLetters));
  ASSERT_EQ(
      run_command(
          cli() + " bench " + model + " --batch 7 --seconds 0.2 --warmup 0 --input " + input, &out),
      0)
      << out;
}

TEST(LoadFromMemory, SameAsFromPath) {
  const std::string path = path_of("examples/models/mlp.keras");
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> buffer(bytes.size());
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  const Model from_memory = Model::load_from_memory(buffer, "mlp-in-memory");
  buffer.assign(buffer.size(),
                std::byte{0});  // the model must not keep pointing at the caller's bytes
  const Model from_path = Model::load(path);
  const Tensor input = read_npy(path_of("examples/models/mlp_input.npy"));
  EXPECT_TRUE(identical(from_memory.predict({input})[0], from_path.predict({input})[0]));
  try {
    Model::load_from_memory(std::span<const std::byte>(buffer.data(), 100), "truncated-in-memory");
    ADD_FAILURE() << "a zeroed buffer must not load";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "truncated-in-memory");
  }
}

}  // namespace
}  // namespace kerasrt::test

// Real files saved by Python Keras (../shared/keras-real): load, predict on the stored inputs,
// compare with the predictions Keras made.
#include <fstream>
#include <nlohmann/json.hpp>

#include "format/hdf5.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> cases(const std::string& folder) {
  std::vector<std::string> names;
  const fs::path dir = shared_dir() / "keras-real" / folder;
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Tensor to_tensor(const Array& array) { return Tensor(array.shape, array.values); }

class WithOutputs : public ::testing::TestWithParam<std::string> {};

TEST_P(WithOutputs, MatchesKeras) {
  const fs::path dir = shared_dir() / "keras-real" / "with-outputs" / GetParam();
  const Model model = Model::load((dir / "model.h5").string());
  std::vector<std::byte> io_bytes;  // open_memory reads these in place: they outlive `io`
  {
    std::ifstream in(dir / "inputs_and_outputs.h5", std::ios::binary);
    const std::vector<char> raw((std::istreambuf_iterator<char>(in)), {});
    io_bytes.resize(raw.size());
    std::memcpy(io_bytes.data(), raw.data(), raw.size());
  }
  const h5::File io = h5::File::open_memory(io_bytes, "inputs_and_outputs.h5");
  const auto input_names =
      nlohmann::json::parse(io.root().string_attribute("inputs").front())["inputs"];
  const auto output_names =
      nlohmann::json::parse(io.root().string_attribute("outputs").front())["outputs"];
  std::vector<Tensor> inputs;
  ASSERT_EQ(input_names.size(), model.inputs().size());
  for (const auto& name : input_names)
    inputs.push_back(to_tensor(io.root().dataset("inputs/" + name.get<std::string>())));
  const std::vector<Tensor> outputs = model.predict(inputs);
  ASSERT_EQ(outputs.size(), output_names.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor want =
        to_tensor(io.root().dataset("predictions/" + output_names[i].get<std::string>()));
    // Computed by TensorFlow or Theano in float32: 1e-5 relative plus a small absolute floor
    // for values near zero.
    EXPECT_TRUE(all_close(outputs[i], want, 1e-5, 1e-6)) << "output " << output_names[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Real, WithOutputs, ::testing::ValuesIn(cases("with-outputs")),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kerasrt::test

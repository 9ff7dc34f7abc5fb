#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt::test {

std::filesystem::path source_dir();
std::filesystem::path shared_dir();    // ../shared beside the project
std::filesystem::path fixtures_dir();  // tests/fixtures

// Element-wise |got - want| <= atol + rtol * |want|; NaN matches NaN. Reports the worst element.
::testing::AssertionResult all_close(const Tensor& got, const Tensor& want, double rtol,
                                     double atol);
// Bit-for-bit equality.
bool identical(const Tensor& a, const Tensor& b);

// Runs a shell command, returns exit status and combined output.
int run_command(const std::string& command, std::string* output);

// The bundled example models that exist (examples/models: mnist_cnn.h5, mlp.keras): convolution
// and dense layers, both file formats.
std::vector<std::string> example_models();

// An input for `info` with batch `batch` (other free dimensions 4), uniform in [-1, 1), seeded.
Tensor random_input(const TensorInfo& info, int64_t batch, uint32_t seed);

}  // namespace kerasrt::test

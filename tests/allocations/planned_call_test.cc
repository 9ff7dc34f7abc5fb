// A planned call of a layer on kerasrt's own kernels allocates nothing: its shapes, strides,
// axis moves and per-shape geometry are worked out when the plan prepares it, and its buffers
// come from the plan's workspace (issue 5: no allocation inside the layer loop). Layers whose run
// may go through oneDNN's execute (Dense, EinsumDense, Dot's matrix product and attention on
// AVX-512, convolutions) are not listed: oneDNN allocates inside every execution.
//
// Its own executable, because it counts allocations by replacing the global operator new.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "layer_test_util.h"

// GCC takes the replacement pair below for a mismatched new and free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
thread_local bool counting = false;
thread_local int64_t allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace kerasrt::test {
namespace {

// Runs `layer` planned for `shapes` twice (the first call may fill per-state pools) and returns
// the heap allocations of the second.
int64_t allocations_of_a_planned_call(const Layer& layer, const std::vector<Dims>& shapes) {
  const std::shared_ptr<const Prepared> prepared = layer.prepare(shapes);
  const std::vector<Dims> out_shapes = layer.output_shapes(shapes);
  std::vector<std::vector<float>> in_data, out_data;
  std::vector<ConstTensor> inputs;
  std::vector<MutTensor> outputs;
  for (const Dims& shape : shapes) in_data.emplace_back(num_elements(shape), 0.5f);
  for (const Dims& shape : out_shapes) out_data.emplace_back(num_elements(shape), 0.0f);
  for (size_t i = 0; i < shapes.size(); ++i) inputs.push_back({in_data[i].data(), shapes[i]});
  for (size_t i = 0; i < out_shapes.size(); ++i)
    outputs.push_back({out_data[i].data(), out_shapes[i]});
  const int64_t own = aligned_floats(static_cast<int64_t>(layer.scratch_floats(shapes)));
  const size_t prepared_floats = prepared ? prepared->scratch_floats : 0;  // null: no state
  std::vector<float> scratch(static_cast<size_t>(own) + prepared_floats + 16);
  const size_t misalignment = reinterpret_cast<uintptr_t>(scratch.data()) % 64 / sizeof(float);
  const RunContext ctx{inputs, outputs, scratch.data() + (misalignment ? 16 - misalignment : 0),
                       prepared.get()};
  layer.run(ctx);
  allocations = 0;
  counting = true;
  layer.run(ctx);
  counting = false;
  return allocations;
}

TEST(PlannedCall, ResidualAddAllocatesNothing) {
  const Dims shape{2, 5, 24};
  const auto add = build_layer("Add", {{"name", "add"}}, {shape, shape});
  EXPECT_EQ(allocations_of_a_planned_call(*add, {shape, shape}), 0);
}

TEST(PlannedCall, LayerNormalizationAndSoftmaxAllocateNothing) {
  const Dims shape{3, 7, 40};
  const auto norm = build_layer("LayerNormalization", {{"name", "ln"}, {"axis", -1}}, {shape},
                                {filled({40}, 1.5f), filled({40}, 0.25f)});
  EXPECT_EQ(allocations_of_a_planned_call(*norm, {shape}), 0);
  const auto softmax = build_layer("Softmax", {{"name", "softmax"}, {"axis", -1}}, {shape});
  EXPECT_EQ(allocations_of_a_planned_call(*softmax, {shape}), 0);
}

TEST(PlannedCall, AxisPermutationsAllocateNothing) {
  const Dims shape{2, 6, 5, 40};
  const auto permute = build_layer("Permute", {{"name", "permute"}, {"dims", {3, 1, 2}}}, {shape});
  EXPECT_EQ(allocations_of_a_planned_call(*permute, {shape}), 0);
  const auto flatten =
      build_layer("Flatten", {{"name", "flatten"}, {"data_format", "channels_first"}}, {shape});
  EXPECT_EQ(allocations_of_a_planned_call(*flatten, {shape}), 0);
  const auto norm = build_layer("LayerNormalization", {{"name", "ln"}, {"axis", 1}}, {shape},
                                {filled({6}, 1.5f), filled({6}, 0.25f)});
  EXPECT_EQ(allocations_of_a_planned_call(*norm, {shape}), 0);
}

TEST(PlannedCall, BroadcastMergeAllocatesNothing) {
  const Dims big{2, 5, 24}, row{2, 1, 24};
  const auto multiply = build_layer("Multiply", {{"name", "multiply"}}, {big, row});
  EXPECT_EQ(allocations_of_a_planned_call(*multiply, {big, row}), 0);
}

// Cosine similarity: both inputs copied and normalised before a dot product per sample.
TEST(PlannedCall, NormalizedDotAllocatesNothing) {
  const Dims shape{4, 12};
  const auto dot =
      build_layer("Dot", {{"name", "dot"}, {"axes", 1}, {"normalize", true}}, {shape, shape});
  EXPECT_EQ(allocations_of_a_planned_call(*dot, {shape, shape}), 0);
}

}  // namespace
}  // namespace kerasrt::test

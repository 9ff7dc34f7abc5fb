// The arena that holds a model's packed weights (core/weight_arena.h).
#include "core/weight_arena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

namespace kerasrt::test {
namespace {

bool all_zero(const float* values, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (values[i] != 0.0f) return false;
  return true;
}

TEST(WeightArena, HandsOutZeroAlignedDisjointFloats) {
  WeightArena arena;
  // Sizes from 1 float to past the first block (4 MiB), so that several blocks are made and the
  // first-fit search goes back to earlier ones.
  const std::vector<size_t> counts = {1, 3, 1000, 300'000, 17, 1'500'000, 5, 40'000, 2'000'000, 2};
  std::vector<std::shared_ptr<float>> parts;
  for (size_t count : counts) {
    parts.push_back(arena.allocate(count));
    float* values = parts.back().get();
    ASSERT_NE(values, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(values) % 64, 0u) << count;
    EXPECT_TRUE(all_zero(values, count)) << count;
    // Written whole: a part overlapping an earlier one would change that one's values.
    std::iota(values, values + count, static_cast<float>(parts.size()));
  }
  for (size_t p = 0; p < parts.size(); ++p)
    for (size_t i = 0; i < counts[p]; i += 997)
      ASSERT_EQ(parts[p].get()[i], static_cast<float>(p + 1 + i))
          << "part " << p << ", value " << i;
}

// A load packs several layers at once (graph/optimize.cc): parts taken from several threads
// are as disjoint and zero as from one (and ThreadSanitizer sees the blocks handed out safely).
TEST(WeightArena, ThreadsTakeDisjointParts) {
  WeightArena arena;
  constexpr int kThreads = 4, kParts = 60;
  std::vector<std::vector<std::pair<std::shared_ptr<float>, size_t>>> taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int p = 0; p < kParts; ++p) {
        const size_t count = 1 + static_cast<size_t>((t * 7919 + p * 104729) % 90'000);
        std::shared_ptr<float> part = arena.allocate(count);
        const bool zero = all_zero(part.get(), count);
        std::fill_n(part.get(), count, static_cast<float>(t * kParts + p));
        if (!zero) part.reset();  // reported below
        taken[static_cast<size_t>(t)].emplace_back(std::move(part), count);
      }
    });
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t)
    for (int p = 0; p < kParts; ++p) {
      const auto& [part, count] = taken[static_cast<size_t>(t)][static_cast<size_t>(p)];
      ASSERT_NE(part, nullptr) << "thread " << t << " part " << p << " was not zero";
      const float expected = static_cast<float>(t * kParts + p);
      EXPECT_EQ(part.get()[0], expected) << "thread " << t << " part " << p;
      EXPECT_EQ(part.get()[count - 1], expected) << "thread " << t << " part " << p;
    }
}

TEST(WeightArena, ValuesOutliveTheArena) {
  // A packed layer keeps its weights after the load's arena is gone.
  SharedFloats copy;
  {
    WeightArena arena;
    const std::vector<float> values = {1.5f, -2.0f, 3.25f};
    copy = arena.copy(values);
    arena.allocate(4'000'000);  // another block besides
  }
  ASSERT_EQ(copy.size, 3u);
  EXPECT_FALSE(copy.in_file);
  EXPECT_EQ(std::vector<float>(copy.span().begin(), copy.span().end()),
            (std::vector<float>{1.5f, -2.0f, 3.25f}));
}

TEST(WeightArena, WithoutAnArenaTheHeapServes) {
  const std::shared_ptr<float> zeros = zero_floats(1000, nullptr);
  EXPECT_TRUE(all_zero(zeros.get(), 1000));
  const std::vector<float> values = {4.0f, 5.0f};
  const SharedFloats copy = owned_copy(values, nullptr);
  EXPECT_NE(copy.data.get(), values.data());
  EXPECT_EQ(std::vector<float>(copy.span().begin(), copy.span().end()), values);
}

TEST(WeightArena, RefusesAnImpossibleSize) {
  WeightArena arena;
  EXPECT_THROW(arena.allocate(SIZE_MAX / 2), std::bad_alloc);
}

}  // namespace
}  // namespace kerasrt::test

#include "graph/plan.h"

#include <algorithm>

namespace kerasrt {
namespace {

constexpr int64_t kAlignFloats = 16;  // 64 bytes

int64_t aligned(int64_t floats) { return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

// A block of arena memory needed from step `first` to step `last` (node indices).
struct Block {
  int64_t size = 0;
  int first = 0, last = 0;
  int64_t offset = 0;
};

// Greedy by size: place big blocks first, each at the lowest offset that does not collide
// with an already placed block alive at the same time.
int64_t place(std::vector<Block>& blocks) {
  std::vector<size_t> order(blocks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return blocks[a].size > blocks[b].size; });
  std::vector<size_t> placed;
  int64_t arena = 0;
  for (size_t index : order) {
    Block& block = blocks[index];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping live blocks
    for (size_t other : placed) {
      const Block& b = blocks[other];
      if (b.first <= block.last && block.first <= b.last) busy.push_back({b.offset, b.offset + b.size});
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + block.size <= begin) break;
      offset = std::max(offset, end);
    }
    block.offset = offset;
    arena = std::max(arena, offset + block.size);
    placed.push_back(index);
  }
  return arena;
}

}  // namespace

Plan make_plan(const Graph& graph, const std::vector<Dims>& input_shapes) {
  const size_t tensor_count = graph.static_shapes.size();
  const int steps = static_cast<int>(graph.nodes.size());
  Plan plan;
  plan.shapes.resize(tensor_count);
  plan.storage.resize(tensor_count);
  plan.scratch.assign(graph.nodes.size(), -1);

  // root[t]: the tensor whose buffer t uses (itself, or what an aliasing layer passed on).
  std::vector<int> root(tensor_count, -1);
  std::vector<int> first_use(tensor_count, 0), last_use(tensor_count, -1);
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const int t = graph.inputs[i];
    plan.shapes[static_cast<size_t>(t)] = input_shapes[i];
    plan.storage[static_cast<size_t>(t)].model_input = static_cast<int>(i);
    root[static_cast<size_t>(t)] = t;
  }

  std::vector<Block> blocks;
  std::vector<int> block_of(tensor_count, -1);  // for root tensors in the arena
  std::vector<int> scratch_block(graph.nodes.size(), -1);
  for (int step = 0; step < steps; ++step) {
    const Node& node = graph.nodes[static_cast<size_t>(step)];
    std::vector<Dims> in_shapes;
    for (int t : node.inputs) {
      in_shapes.push_back(plan.shapes[static_cast<size_t>(t)]);
      last_use[static_cast<size_t>(root[static_cast<size_t>(t)])] = step;
    }
    std::vector<Dims> out_shapes;
    size_t scratch = 0;
    try {
      out_shapes = node.layer->output_shapes(in_shapes);
      if (out_shapes.size() != node.outputs.size()) throw Error("produced an unexpected number of outputs");
      for (const Dims& shape : out_shapes)
        if (!is_known(shape)) throw Error("could not infer a concrete output shape, got " + to_string(shape));
      scratch = node.layer->scratch_floats(in_shapes);
      if (scratch > static_cast<size_t>(kMaxTensorElements))
        throw Error("needs " + std::to_string(scratch) + " floats of scratch memory, too many");
    } catch (const Error& e) {
      throw e.in_layer(node.name + " (" + node.class_name + ")");
    }
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const size_t t = static_cast<size_t>(node.outputs[o]);
      plan.shapes[t] = out_shapes[o];
      if (o == 0 && node.layer->aliases_input()) {
        root[t] = root[static_cast<size_t>(node.inputs[0])];
        continue;
      }
      root[t] = static_cast<int>(t);
      first_use[t] = step;
      last_use[t] = step;
      block_of[t] = static_cast<int>(blocks.size());
      blocks.push_back({aligned(num_elements(plan.shapes[t])), step, step, 0});
    }
    if (scratch > 0) {
      scratch_block[static_cast<size_t>(step)] = static_cast<int>(blocks.size());
      blocks.push_back({aligned(static_cast<int64_t>(scratch)), step, step, 0});
    }
  }
  // Model outputs are copied out after the last step.
  for (int t : graph.outputs) last_use[static_cast<size_t>(root[static_cast<size_t>(t)])] = steps;
  for (size_t t = 0; t < tensor_count; ++t)
    if (block_of[t] >= 0) blocks[static_cast<size_t>(block_of[t])].last = last_use[t];

  plan.arena_floats = place(blocks);
  for (size_t t = 0; t < tensor_count; ++t) {
    const int r = root[t];
    if (r < 0) continue;  // unused tensor of an unreachable node cannot happen; stay safe
    plan.storage[t] = plan.storage[static_cast<size_t>(r)];
    if (block_of[static_cast<size_t>(r)] >= 0) plan.storage[t].offset = blocks[static_cast<size_t>(block_of[static_cast<size_t>(r)])].offset;
  }
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (scratch_block[n] >= 0) plan.scratch[n] = blocks[static_cast<size_t>(scratch_block[n])].offset;
  return plan;
}

}  // namespace kerasrt

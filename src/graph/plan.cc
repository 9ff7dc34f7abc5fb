#include "graph/plan.h"

#include <algorithm>

namespace kerasrt {
namespace {

constexpr int64_t kAlignFloats = 16;  // 64 bytes

int64_t aligned(int64_t floats) {
  return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
}

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
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return blocks[a].size > blocks[b].size; });
  std::vector<size_t> placed;
  int64_t arena = 0;
  for (size_t index : order) {
    Block& block = blocks[index];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping live blocks
    for (size_t other : placed) {
      const Block& b = blocks[other];
      if (b.first <= block.last && block.first <= b.last)
        busy.push_back({b.offset, b.offset + b.size});
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

Plan make_plan(const Graph& graph, const std::vector<Dims>& input_shapes, bool prepare) {
  const size_t tensor_count = graph.static_shapes.size();
  const int steps = static_cast<int>(graph.nodes.size());
  Plan plan;
  plan.shapes.resize(tensor_count);
  plan.storage.resize(tensor_count);
  plan.scratch.assign(graph.nodes.size(), -1);
  plan.prepared.resize(graph.nodes.size());

  // Pass 1: concrete shapes, scratch needs, and data[t]: the tensor whose data t is (itself,
  // or what an aliasing layer passed on); last_read[d]: the last step reading data d (steps
  // for model outputs, which are copied out after the last step).
  std::vector<int> data(tensor_count, -1), last_read(tensor_count, -1);
  std::vector<int64_t> scratch_floats(graph.nodes.size(), 0);
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const int t = graph.inputs[i];
    plan.shapes[static_cast<size_t>(t)] = input_shapes[i];
    plan.storage[static_cast<size_t>(t)].model_input = static_cast<int>(i);
    data[static_cast<size_t>(t)] = t;
  }
  for (int step = 0; step < steps; ++step) {
    const Node& node = graph.nodes[static_cast<size_t>(step)];
    std::vector<Dims> in_shapes;
    for (int t : node.inputs) {
      in_shapes.push_back(plan.shapes[static_cast<size_t>(t)]);
      last_read[static_cast<size_t>(data[static_cast<size_t>(t)])] = step;
    }
    std::vector<Dims> out_shapes;
    size_t scratch = 0;
    try {
      out_shapes = node.layer->output_shapes(in_shapes);
      if (out_shapes.size() != node.outputs.size())
        throw Error("produced an unexpected number of outputs");
      for (const Dims& shape : out_shapes)
        if (!is_known(shape))
          throw Error("could not infer a concrete output shape, got " + to_string(shape));
      scratch = node.layer->scratch_floats(in_shapes);
      if (prepare && !node.layer->aliases_input()) {
        plan.prepared[static_cast<size_t>(step)] = node.layer->prepare(in_shapes);
        if (const Prepared* p = plan.prepared[static_cast<size_t>(step)].get();
            p && p->scratch_floats > 0)
          scratch = static_cast<size_t>(aligned(static_cast<int64_t>(scratch))) + p->scratch_floats;
      }
      if (scratch > static_cast<size_t>(kMaxTensorElements))
        throw Error("needs " + std::to_string(scratch) + " floats of scratch memory, too many");
    } catch (const Error& e) {
      throw e.in_layer(node.name + " (" + node.class_name + ")");
    }
    scratch_floats[static_cast<size_t>(step)] = static_cast<int64_t>(scratch);
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const size_t t = static_cast<size_t>(node.outputs[o]);
      plan.shapes[t] = out_shapes[o];
      data[t] = o == 0 && node.layer->aliases_input() ? data[static_cast<size_t>(node.inputs[0])]
                                                      : static_cast<int>(t);
    }
  }
  for (int t : graph.outputs) last_read[static_cast<size_t>(data[static_cast<size_t>(t)])] = steps;

  // Pass 2: buffers. root[t]: the tensor whose buffer t lives in. Besides aliasing, a layer's
  // output 0 takes over the buffer of its inplace_input() when that input's data is read by no
  // later step, lives in the arena, is not read by another input of the same step, and has
  // as many elements.
  std::vector<int> root(tensor_count, -1);
  std::vector<Block> blocks;
  std::vector<int> block_of(tensor_count, -1);  // for root tensors in the arena
  std::vector<int> scratch_block(graph.nodes.size(), -1);
  for (int t : graph.inputs) root[static_cast<size_t>(t)] = t;
  const auto extend = [&](int t) {  // the buffer of t must live until t's data is last read
    const int r = root[static_cast<size_t>(t)];
    if (block_of[static_cast<size_t>(r)] >= 0) {
      Block& block = blocks[static_cast<size_t>(block_of[static_cast<size_t>(r)])];
      block.last =
          std::max(block.last, last_read[static_cast<size_t>(data[static_cast<size_t>(t)])]);
    }
  };
  for (int step = 0; step < steps; ++step) {
    const Node& node = graph.nodes[static_cast<size_t>(step)];
    int reuse = -1;  // the input tensor whose buffer output 0 takes over
    const int k = node.layer->aliases_input() ? -1 : node.layer->inplace_input();
    if (k >= 0 && static_cast<size_t>(k) < node.inputs.size() && !node.outputs.empty()) {
      const int in = node.inputs[static_cast<size_t>(k)];
      const int r = root[static_cast<size_t>(in)];
      bool ok = block_of[static_cast<size_t>(r)] >= 0 &&
                last_read[static_cast<size_t>(data[static_cast<size_t>(in)])] == step &&
                num_elements(plan.shapes[static_cast<size_t>(in)]) ==
                    num_elements(plan.shapes[static_cast<size_t>(node.outputs[0])]);
      for (size_t i = 0; ok && i < node.inputs.size(); ++i)
        ok = i == static_cast<size_t>(k) || root[static_cast<size_t>(node.inputs[i])] != r;
      if (ok) reuse = in;
    }
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const int t = node.outputs[o];
      if (o == 0 && node.layer->aliases_input()) {
        root[static_cast<size_t>(t)] = root[static_cast<size_t>(node.inputs[0])];
      } else if (o == 0 && reuse >= 0) {
        root[static_cast<size_t>(t)] = root[static_cast<size_t>(reuse)];
      } else {
        root[static_cast<size_t>(t)] = t;
        block_of[static_cast<size_t>(t)] = static_cast<int>(blocks.size());
        blocks.push_back(
            {aligned(num_elements(plan.shapes[static_cast<size_t>(t)])), step, step, 0});
      }
      extend(t);
    }
    if (scratch_floats[static_cast<size_t>(step)] > 0) {
      scratch_block[static_cast<size_t>(step)] = static_cast<int>(blocks.size());
      blocks.push_back({aligned(scratch_floats[static_cast<size_t>(step)]), step, step, 0});
    }
  }

  plan.arena_floats = place(blocks);
  for (size_t t = 0; t < tensor_count; ++t) {
    const int r = root[t];
    if (r < 0) continue;  // a tensor no node produces (e.g. left behind by fusion)
    plan.storage[t] = plan.storage[static_cast<size_t>(r)];
    if (block_of[static_cast<size_t>(r)] >= 0)
      plan.storage[t].offset = blocks[static_cast<size_t>(block_of[static_cast<size_t>(r)])].offset;
  }
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (scratch_block[n] >= 0)
      plan.scratch[n] = blocks[static_cast<size_t>(scratch_block[n])].offset;
  return plan;
}

}  // namespace kerasrt

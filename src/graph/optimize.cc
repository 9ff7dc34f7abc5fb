#include "graph/optimize.h"

#include <algorithm>
#include <map>

#include "core/helper_threads.h"

namespace kerasrt {
namespace {

struct Rewriter {
  Graph& graph;
  std::vector<int> producer;  // per tensor: the node making it, or -1
  std::vector<int> readers;   // per tensor: how many node inputs read it (+1 for a model output)
  std::map<const Layer*, int> uses;  // nodes per layer object
  std::vector<bool> dead;            // nodes fused away

  explicit Rewriter(Graph& g) : graph(g) {
    producer.assign(graph.static_shapes.size(), -1);
    readers.assign(graph.static_shapes.size(), 0);
    dead.assign(graph.nodes.size(), false);
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      const Node& node = graph.nodes[n];
      for (int t : node.outputs) producer[static_cast<size_t>(t)] = static_cast<int>(n);
      for (int t : node.inputs) ++readers[static_cast<size_t>(t)];
      ++uses[node.layer.get()];
    }
    for (int t : graph.outputs) ++readers[static_cast<size_t>(t)];
  }

  // The node that made `tensor` as its only output, when this tensor has exactly one reader and
  // the node's layer is not shared: a node that may take over what its reader does.
  int fusible_producer(int tensor) const {
    const int p = producer[static_cast<size_t>(tensor)];
    if (p < 0 || readers[static_cast<size_t>(tensor)] != 1) return -1;
    const Node& node = graph.nodes[static_cast<size_t>(p)];
    if (dead[static_cast<size_t>(p)] || node.outputs.size() != 1 || node.outputs[0] != tensor)
      return -1;
    if (uses.at(node.layer.get()) != 1 || node.layer->aliases_input()) return -1;
    return p;
  }

  // Node p now computes what node n did (n reads p's output and is removed): p writes n's output.
  void absorb(int p, int n, std::shared_ptr<const Layer> layer) {
    Node& target = graph.nodes[static_cast<size_t>(p)];
    Node& gone = graph.nodes[static_cast<size_t>(n)];
    --uses[target.layer.get()];
    target.layer = std::move(layer);
    ++uses[target.layer.get()];
    --readers[static_cast<size_t>(target.outputs[0])];
    target.outputs[0] = gone.outputs[0];
    producer[static_cast<size_t>(gone.outputs[0])] = p;
    --uses[gone.layer.get()];
    dead[static_cast<size_t>(n)] = true;
  }

  // A pointwise activation, a one-axis BatchNormalization or a LayerScale after a layer that takes
  // it.
  bool fuse_unary(int n) {
    const Node& node = graph.nodes[static_cast<size_t>(n)];
    if (node.inputs.size() != 1 || node.outputs.size() != 1) return false;
    const FusibleOp op = node.layer->fusible();
    if (op.kind == FusibleOp::Kind::kNone) return false;
    const int p = fusible_producer(node.inputs[0]);
    if (p < 0) return false;
    std::shared_ptr<const Layer> fused = graph.nodes[static_cast<size_t>(p)].layer->fuse(op);
    if (!fused) return false;
    absorb(p, n, std::move(fused));
    return true;
  }

  // A zero padding read only by a convolution becomes the convolution's own padding.
  bool fuse_input(int n) {
    Node& node = graph.nodes[static_cast<size_t>(n)];
    if (node.inputs.empty() || uses.at(node.layer.get()) != 1) return false;
    const int t = node.inputs[0];
    const int z = producer[static_cast<size_t>(t)];
    if (z < 0 || readers[static_cast<size_t>(t)] != 1 || dead[static_cast<size_t>(z)]) return false;
    const Node& padding = graph.nodes[static_cast<size_t>(z)];
    if (padding.inputs.size() != 1 || padding.outputs.size() != 1 || padding.outputs[0] != t)
      return false;
    const FusibleOp op = padding.layer->fusible();
    if (op.kind != FusibleOp::Kind::kZeroPadding) return false;
    std::shared_ptr<const Layer> fused = node.layer->fuse_input(op);
    if (!fused) return false;
    --uses[node.layer.get()];
    node.layer = std::move(fused);
    ++uses[node.layer.get()];
    --readers[static_cast<size_t>(t)];
    node.inputs[0] = padding.inputs[0];
    // padding.inputs[0] keeps one reader: the convolution instead of the padding.
    --uses[padding.layer.get()];
    dead[static_cast<size_t>(z)] = true;
    return true;
  }

  // Add(a, b): the later-computed operand's producer adds the other operand onto its result.
  bool fuse_add(int n) {
    const Node& node = graph.nodes[static_cast<size_t>(n)];
    if (node.class_name != "Add" || node.inputs.size() != 2 || node.outputs.size() != 1)
      return false;
    const Dims& a = graph.static_shapes[static_cast<size_t>(node.inputs[0])];
    const Dims& b = graph.static_shapes[static_cast<size_t>(node.inputs[1])];
    // Same shapes, known except the batch: no broadcasting at run time.
    if (a != b || a.empty() || a != graph.static_shapes[static_cast<size_t>(node.outputs[0])])
      return false;
    for (size_t d = 1; d < a.size(); ++d)
      if (a[d] == kAnyDim) return false;
    const int p0 = fusible_producer(node.inputs[0]), p1 = fusible_producer(node.inputs[1]);
    const int order0 = producer[static_cast<size_t>(node.inputs[0])],
              order1 = producer[static_cast<size_t>(node.inputs[1])];
    // The fused node must come after the other operand's producer (or the other is a model input).
    for (const auto& [p, other, other_at] :
         {std::tuple{p1, node.inputs[0], order0}, std::tuple{p0, node.inputs[1], order1}}) {
      if (p < 0 || other_at >= p) continue;
      Node& target = graph.nodes[static_cast<size_t>(p)];
      std::shared_ptr<const Layer> fused = target.layer->fuse_add();
      if (!fused) continue;
      target.inputs.push_back(other);
      absorb(p, n, std::move(fused));
      return true;
    }
    return false;
  }
};

}  // namespace

Graph optimize_graph(Graph graph) {
  Rewriter rewriter(graph);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const int i = static_cast<int>(n);
    rewriter.fuse_input(i);
    if (!rewriter.fuse_unary(i)) rewriter.fuse_add(i);
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (!rewriter.dead[n]) kept.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(kept);

  // Weights into their kernels' layout, once per layer object (shared layers stay shared), all
  // in one arena. Layers pack on the helper threads too: most of a large model's load is writing
  // its weights into memory faulted in for them (ResNet50: 78% of the load).
  std::map<const Layer*, std::vector<size_t>> nodes_of;
  for (size_t n = 0; n < graph.nodes.size(); ++n) nodes_of[graph.nodes[n].layer.get()].push_back(n);
  std::vector<const std::vector<size_t>*> users;  // each layer object's nodes
  for (const auto& [layer, nodes] : nodes_of) users.push_back(&nodes);
  // Largest first: threads take the next layer as they come free, so a large layer taken last
  // would keep one thread busy while the others wait (the MLP's packing, median of 30 fresh
  // loads: 1.08 -> 0.95 ms).
  const auto floats = [&](const std::vector<size_t>* u) {
    return graph.nodes[u->front()].layer->packed_floats();
  };
  std::sort(users.begin(), users.end(), [&](auto* a, auto* b) {
    return floats(a) != floats(b) ? floats(a) > floats(b) : a->front() < b->front();
  });
  std::vector<std::shared_ptr<const Layer>> packed(users.size());
  WeightArena arena;
  const HelperThreads::Busy busy;
  HelperThreads::instance().run(static_cast<int>(users.size()), [&](int i) {
    const size_t u = static_cast<size_t>(i);
    packed[u] = graph.nodes[users[u]->front()].layer->packed(arena);
  });
  // An unpacked layer is freed as soon as its nodes hold the packed one.
  for (size_t u = 0; u < users.size(); ++u)
    if (packed[u])
      for (size_t n : *users[u]) graph.nodes[n].layer = packed[u];
  return graph;
}

}  // namespace kerasrt

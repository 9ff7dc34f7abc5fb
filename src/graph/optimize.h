// Load-time rewrites of the executable graph, run once when a model is loaded (by the Runtime):
// - a ZeroPadding read only by a Conv / DepthwiseConv becomes that layer's own padding;
// - a BatchNormalization (one axis) folds into the Conv / DepthwiseConv / SeparableConv / Dense
//   before it (scaled weights, shifted bias);
// - a pointwise activation layer (Activation, ReLU, LeakyReLU, ELU, ...) becomes that layer's
//   post-operation (inside oneDNN for the ReLU family, a vectorised pass otherwise);
// - an Add of two tensors folds into the layer producing one of them, which then adds the
//   other onto its result (oneDNN's sum post-op; the planner lets it write over that tensor when
//   nothing else reads it), and an activation after the Add follows;
// - then every layer packs its weights once into the layout its kernels run on.
// Only a tensor read by that one next layer (and not a model output) is fused away, and only a
// layer used by a single node (not a shared layer) is replaced. The summary and the model's
// inputs and outputs are untouched.
#pragma once

#include "graph/graph.h"

namespace kerasrt {

Graph optimize_graph(Graph graph);

}  // namespace kerasrt

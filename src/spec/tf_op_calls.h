// tf.keras 2 records a TensorFlow function applied to symbolic tensors (`x + 1`, `tf.concat`,
// `x[:, 0]`) as a TFOpLambda or SlicingOpLambda layer whose config names the function
// ("math.add", "concat", "__operators__.getitem"). Node.serialize writes each call as the
// structure of the function's first argument, every leaf a tensor reference [layer, node,
// tensor, kwargs] or a constant ["_CONSTANT_VALUE", -1, value, kwargs]; kwargs holds the other
// arguments by name, tensors among them as [layer, node, tensor]. This collects the tensors of
// a call in order as the layer's inputs and stores the arguments in the layer config under
// "kerasrt_call": {"args": first argument, "kwargs": {...}}, each tensor replaced by
// {"kerasrt_input": i} and each first-argument constant by {"kerasrt_constant": value}.
#pragma once

#include "spec/model_spec.h"

namespace kerasrt {

bool is_tf_op_class(const std::string& class_name);

// Reads the inbound nodes of a TFOpLambda / SlicingOpLambda layer into layer.calls and
// layer.config["kerasrt_call"]. Every call must pass the same non-tensor arguments (the layer
// is built once for all calls). Throws Error naming the layer otherwise.
void read_tf_op_calls(const Json& inbound_nodes, LayerSpec& layer);

}  // namespace kerasrt

// The calls of Keras's attention layers name their tensors: MultiHeadAttention(query, value,
// key=..., attention_mask=...), Attention([query, value, key]). Keras 2 records the named ones
// as references inside the node's kwargs, Keras 3 as positional args or tensor kwargs, and both
// record options (use_causal_mask, return_attention_scores) per call. This puts every call in
// one positional order and moves the options into the layer config under "kerasrt_call", so
// the layer factory, which sees only the config and input shapes, knows what each input is.
#pragma once

#include "spec/model_spec.h"

namespace kerasrt {

// True for the classes normalise_attention_calls() handles.
bool is_attention_class(const std::string& class_name);

// Rewrites layer.calls and layer.config of an attention layer (see above). Every call must use
// the same inputs and options: the layer is built once for all of them. Throws Error otherwise.
void normalise_attention_calls(LayerSpec& layer);

}  // namespace kerasrt

// Built-in attention layers: KERASRT_LAYER(Keras class name, factory); see layer_list.h.

KERASRT_LAYER(EinsumDense, make_einsum_dense)
KERASRT_LAYER(MultiHeadAttention, make_multi_head_attention)
KERASRT_LAYER(Attention, make_attention)
KERASRT_LAYER(AdditiveAttention, make_additive_attention)

// Built-in normalization, reshaping and merge layers: KERASRT_LAYER(Keras class name, factory); see
// layer_list.h.

// normalization
KERASRT_LAYER(BatchNormalization, make_batch_normalization)
KERASRT_LAYER(LayerNormalization, make_layer_normalization)
// reshaping
KERASRT_LAYER(Flatten, make_flatten)
KERASRT_LAYER(Reshape, make_reshape)
KERASRT_LAYER(Permute, make_permute)
KERASRT_LAYER(RepeatVector, make_repeat_vector)
// merging
KERASRT_LAYER(Add, make_add)
KERASRT_LAYER(Subtract, make_subtract)
KERASRT_LAYER(Multiply, make_multiply)
KERASRT_LAYER(Average, make_average)
KERASRT_LAYER(Maximum, make_maximum)
KERASRT_LAYER(Minimum, make_minimum)
KERASRT_LAYER(Concatenate, make_concatenate)
KERASRT_LAYER(Dot, make_dot)

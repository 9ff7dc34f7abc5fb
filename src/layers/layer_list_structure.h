// Built-in normalization, reshaping and merge layers: KERASRT_LAYER(Keras class name, factory); see layer_list.h.

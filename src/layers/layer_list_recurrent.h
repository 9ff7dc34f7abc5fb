// Built-in recurrent layers and wrappers: KERASRT_LAYER(Keras class name, factory); see layer_list.h.

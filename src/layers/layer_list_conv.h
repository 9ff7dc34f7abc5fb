// Built-in convolution, pooling, padding, cropping, upsampling: KERASRT_LAYER(Keras class name, factory); see layer_list.h.

// Built-in normalization layers beyond BatchNormalization and LayerNormalization
// (layer_list_structure.h): KERASRT_LAYER(Keras class name, factory); see layer_list.h.
KERASRT_LAYER(GroupNormalization, make_group_normalization)
// keras.applications.convnext's per-channel scale (layer_scale.cc)
KERASRT_LAYER(LayerScale, make_layer_scale)
KERASRT_LAYER(SpectralNormalization, make_spectral_normalization)
KERASRT_LAYER(UnitNormalization, make_unit_normalization)

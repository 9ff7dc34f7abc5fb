// Built-in core and activation layers: KERASRT_LAYER(Keras class name, factory). Old names are
// aliases to the same factory. Other families have their own list files (layer_list_*.h),
// all included by registry.cc. InputLayer, Sequential and Functional belong to the graph builder.

// core
KERASRT_LAYER(Dense, make_dense)
KERASRT_LAYER(Activation, make_activation)
KERASRT_LAYER(Embedding, make_embedding)
KERASRT_LAYER(Masking, make_masking)
// TensorFlow functions recorded by tf.keras 2 (tf_op_lambda.cc)
KERASRT_LAYER(TFOpLambda, make_tf_op_lambda)
KERASRT_LAYER(SlicingOpLambda, make_slicing_op_lambda)
// identity at inference
KERASRT_LAYER(Dropout, make_identity)
KERASRT_LAYER(SpatialDropout1D, make_identity)
KERASRT_LAYER(SpatialDropout2D, make_identity)
KERASRT_LAYER(SpatialDropout3D, make_identity)
KERASRT_LAYER(GaussianNoise, make_identity)
KERASRT_LAYER(GaussianDropout, make_identity)
KERASRT_LAYER(AlphaDropout, make_identity)
KERASRT_LAYER(ActivityRegularization, make_identity)
KERASRT_LAYER(Identity, make_identity)
// activation layers
KERASRT_LAYER(ReLU, make_relu)
KERASRT_LAYER(LeakyReLU, make_leaky_relu)
KERASRT_LAYER(PReLU, make_prelu)
KERASRT_LAYER(ELU, make_elu)
KERASRT_LAYER(Softmax, make_softmax)
KERASRT_LAYER(ThresholdedReLU, make_thresholded_relu)

'use strict';
// Fixture cases built with TensorFlow.js layers.
//
// Each case: {name, description, batch, build(L, tf) -> LayersModel,
//   inputs?: [{lo, hi} | {int: K} | {shape}],
//   k2?: tf.keras version string for the Keras-2 formats (null: skip them),
//   k3?: Keras 3 version string for the Keras-3 formats (null: skip them),
//   skipK2?/skipK3?: reason (required when k2/k3 is null),
//   numpyReference?: reason tfjs cannot compute it; the model is built with a
//     tfjs stand-in and `patch` (applied by write_fixtures.py to the Keras
//     config) turns it into the real layer; numpy_ref.py computes outputs,
//   weightShapes?: {layerName: [[varName, shape], ...]} weights to generate
//     instead of the stand-in layer's own,
//   patch?: {layerName: {config keys to set}, '@class': {layerName: NewClass}},
//   compiled?: also write training config and optimizer state (ignored by
//     loaders, present in real files).}
// Layer names follow Keras's default naming unless a case tests custom names.

const CASES = [];
let batchCycle = 0;

function add(c) {
  if (c.batch == null) c.batch = (batchCycle++ % 4) + 1;
  if (c.k2 === null && !c.skipK2) throw new Error(c.name + ': k2 skipped without reason');
  if (c.k3 === null && !c.skipK3) throw new Error(c.name + ': k3 skipped without reason');
  CASES.push(c);
}

// Sequential model from an input shape and a list of layers. The first
// layer gets the input shape (as Keras users write it).
function seq(tf, name, inputShape, layers) {
  const m = tf.sequential({name});
  layers.forEach((l, i) => {
    if (i === 0) {
      // tfjs has no way to pass inputShape after construction; rebuild via
      // an InputLayer-free sequential by setting batchInputShape.
      l.batchInputShape = [null].concat(inputShape);
    }
    m.add(l);
  });
  return m;
}

// Functional model with one input.
function fn1(tf, L, name, inputShape, body, inputName = 'input_1') {
  const x = L.input({shape: inputShape, name: inputName});
  const y = body(x);
  return tf.model({inputs: x, outputs: y, name});
}

// Functional model with one input and one output per layer (branches).
function branches(tf, L, name, inputShape, layers) {
  const x = L.input({shape: inputShape, name: 'input_1'});
  return tf.model({inputs: x, outputs: layers.map((l) => l.apply(x)), name});
}

const REC = {recurrentActivation: 'sigmoid'};  // Keras default (tfjs: hard_sigmoid)

// ---------------------------------------------------------------- InputLayer, Dense
add({name: 'input_layer_flatten', description: 'Functional InputLayer (rank-3 input) feeding Flatten only.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3], (x) => L.flatten({name: 'flatten'}).apply(x))});
add({name: 'dense_relu', description: 'Sequential Dense with relu.', batch: 3,
  build: (L, tf) => seq(tf, 'sequential', [5], [L.dense({units: 4, activation: 'relu', name: 'dense'})])});
add({name: 'dense_no_bias', description: 'Dense use_bias=False, linear, custom layer name.',
  build: (L, tf) => fn1(tf, L, 'model', [6], (x) => L.dense({units: 3, useBias: false, name: 'projection'}).apply(x))});
add({name: 'dense_rank3_tanh', description: 'Dense with tanh applied to a rank-3 input (acts on the last axis).',
  build: (L, tf) => fn1(tf, L, 'model', [4, 5], (x) => L.dense({units: 3, activation: 'tanh', name: 'dense'}).apply(x))});
add({name: 'dense_rank4_sigmoid', description: 'Dense with sigmoid on a rank-4 input.', k2: '2.4.0',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 4], (x) => L.dense({units: 2, activation: 'sigmoid', name: 'dense'}).apply(x))});
add({name: 'dense_softmax', description: 'Dense with softmax, tf.keras 2.2.4-tf flavour.', k2: '2.2.4-tf', k3: '3.3.3',
  build: (L, tf) => seq(tf, 'sequential', [7], [L.dense({units: 5, activation: 'softmax', name: 'dense'})])});
const DENSE_ACTS = ['elu', 'selu', 'softplus', 'softsign', 'swish', 'gelu', 'mish', 'relu6', 'log_softmax'];
add({name: 'dense_activations', description: `Dense layers with activation=${DENSE_ACTS.join(', ')} (one output each, named dense_<activation>).`,
  weightRanges: {kernel: [-1.5, 1.5]},
  build: (L, tf) => branches(tf, L, 'model', [6], DENSE_ACTS.map((a) => L.dense({units: 4,
    activation: a === 'log_softmax' ? 'logSoftmax' : a, name: `dense_${a}`})))});

// ---------------------------------------------------------------- Activation layer
// One output per activation, named act_<name>, on a rank-3 input in [-5, 5].
const ACTS_TFJS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'softplus',
  'softsign', 'elu', 'selu', 'gelu', 'swish', 'mish'];
const tfjsAct = (a) => ({log_softmax: 'logSoftmax', hard_sigmoid: 'hardSigmoid'}[a] || a);
add({name: 'activations', description: `Activation layers: ${ACTS_TFJS.join(', ')} (outputs act_<name>).`,
  inputs: [{lo: -5, hi: 5}],
  build: (L, tf) => branches(tf, L, 'model', [3, 4], ACTS_TFJS.map((a) => L.activation({activation: tfjsAct(a), name: `act_${a}`})))});
add({name: 'activation_hard_sigmoid_k2', description: "Activation('hard_sigmoid') with the Keras 2 meaning clip(0.2x+0.5, 0, 1).",
  inputs: [{lo: -5, hi: 5}], k3: null, skipK3: 'hard_sigmoid means relu6(x+3)/6 in Keras 3: see activations_keras3_only',
  build: (L, tf) => fn1(tf, L, 'model', [3, 4], (x) => L.activation({activation: 'hardSigmoid', name: 'activation'}).apply(x))});
// Activations tfjs lacks (or defines differently): stand-in Activation('linear') patched.
const NUMPY_ACTS_BOTH = ['exponential', 'silu', 'leaky_relu'];
add({name: 'activations_numpy', description: `Activation layers: ${NUMPY_ACTS_BOTH.join(', ')} (outputs act_<name>; leaky_relu slope 0.2) (numpy: tfjs has none of these names).`,
  inputs: [{lo: -5, hi: 5}], numpyReference: "tfjs has no 'exponential', 'silu' or 'leaky_relu' activation",
  patch: Object.fromEntries(NUMPY_ACTS_BOTH.map((a) => [`act_${a}`, {activation: a}])),
  build: (L, tf) => branches(tf, L, 'model', [3, 4], NUMPY_ACTS_BOTH.map((a) => L.activation({activation: 'linear', name: `act_${a}`})))});
const NUMPY_ACTS_K3 = ['hard_sigmoid', 'hard_silu', 'hard_swish'];
add({name: 'activations_keras3_only', description: `Activation layers with Keras 3 meanings: hard_sigmoid = relu6(x+3)/6, hard_silu and hard_swish = x*hard_sigmoid(x) (outputs act_<name>).`,
  inputs: [{lo: -5, hi: 5}], numpyReference: 'tfjs implements the Keras 2 hard_sigmoid and has no hard_silu',
  k2: null, skipK2: 'hard_sigmoid has the Keras 2 meaning in Keras 2 files and hard_silu/hard_swish do not exist there',
  patch: Object.fromEntries(NUMPY_ACTS_K3.map((a) => [`act_${a}`, {activation: a}])),
  build: (L, tf) => branches(tf, L, 'model', [3, 4], NUMPY_ACTS_K3.map((a) => L.activation({activation: 'linear', name: `act_${a}`})))});

// ---------------------------------------------------------------- advanced activations
add({name: 'relu_max_value', description: 'ReLU(max_value=6) layer.', inputs: [{lo: -8, hi: 8}],
  build: (L, tf) => fn1(tf, L, 'model', [10], (x) => L.reLU({maxValue: 6, name: 're_lu'}).apply(x))});
add({name: 'relu_slope_threshold', description: 'ReLU(max_value=4, negative_slope=0.1, threshold=0.5) (numpy: tfjs ReLU lacks negative_slope/threshold).',
  inputs: [{lo: -6, hi: 6}], numpyReference: 'tfjs ReLU has no negative_slope/threshold',
  patch: {re_lu: {max_value: 4.0, negative_slope: 0.1, threshold: 0.5}},
  build: (L, tf) => fn1(tf, L, 'model', [12], (x) => L.reLU({name: 're_lu'}).apply(x))});
add({name: 'leaky_relu', description: 'LeakyReLU(alpha=0.1); Keras 3 writes negative_slope.', inputs: [{lo: -4, hi: 4}],
  build: (L, tf) => fn1(tf, L, 'model', [3, 4], (x) => L.leakyReLU({alpha: 0.1, name: 'leaky_re_lu'}).apply(x))});
add({name: 'leaky_relu_default', description: 'LeakyReLU with default alpha 0.3 and a custom name.', inputs: [{lo: -4, hi: 4}], k3: '3.3.3',
  build: (L, tf) => seq(tf, 'sequential', [8], [L.leakyReLU({name: 'lrelu'})])});
add({name: 'prelu_shared_axes', description: 'PReLU with shared_axes=[1, 2] on an image.', inputs: [{lo: -3, hi: 3}],
  build: (L, tf) => fn1(tf, L, 'model', [4, 4, 3], (x) => L.prelu({sharedAxes: [1, 2], name: 'p_re_lu'}).apply(x))});
add({name: 'prelu', description: 'PReLU without shared axes.', inputs: [{lo: -3, hi: 3}],
  build: (L, tf) => fn1(tf, L, 'model', [2, 5], (x) => L.prelu({name: 'p_re_lu'}).apply(x))});
add({name: 'elu_layer', description: 'ELU layer, alpha=1.', inputs: [{lo: -4, hi: 4}],
  build: (L, tf) => fn1(tf, L, 'model', [9], (x) => L.elu({name: 'elu'}).apply(x))});
add({name: 'elu_alpha', description: 'ELU(alpha=0.5) (numpy: tfjs ELU supports alpha=1 only).', inputs: [{lo: -4, hi: 4}],
  numpyReference: 'tfjs ELU rejects alpha != 1', patch: {elu: {alpha: 0.5}},
  build: (L, tf) => fn1(tf, L, 'model', [9], (x) => L.elu({name: 'elu'}).apply(x))});
add({name: 'softmax_layer', description: 'Softmax layer, axis=-1.', inputs: [{lo: -4, hi: 4}],
  build: (L, tf) => fn1(tf, L, 'model', [3, 5], (x) => L.softmax({axis: -1, name: 'softmax'}).apply(x))});
add({name: 'softmax_axis1', description: 'Softmax layer, axis=1 on a rank-3 input (numpy: tfjs softmax supports the last axis only).', inputs: [{lo: -4, hi: 4}],
  numpyReference: 'tfjs softmax supports only the last axis', patch: {softmax: {axis: 1}},
  build: (L, tf) => fn1(tf, L, 'model', [3, 5], (x) => L.softmax({axis: -1, name: 'softmax'}).apply(x))});
add({name: 'thresholded_relu', description: 'ThresholdedReLU(theta=0.5).', inputs: [{lo: -2, hi: 2}],
  k3: null, skipK3: 'ThresholdedReLU was removed in Keras 3',
  build: (L, tf) => fn1(tf, L, 'model', [10], (x) => L.thresholdedReLU({theta: 0.5, name: 'thresholded_re_lu'}).apply(x))});

// ---------------------------------------------------------------- convolutions
const conv1d = (name, opts, desc, extra = {}) => add(Object.assign({name, description: desc,
  build: (L, tf) => fn1(tf, L, 'model', opts.inShape || [9, 3], (x) => L.conv1d(Object.assign({name: 'conv1d'}, opts.layer)).apply(x))}, extra));
conv1d('conv1d_channels_first', {layer: {filters: 3, kernelSize: 2, dataFormat: 'channelsFirst'}, inShape: [4, 7]}, 'Conv1D channels_first (input is (channels, steps)) (numpy: tfjs Conv1D drops data_format from its config and returns channels-last output).',
  {numpyReference: 'tfjs Conv1D channels_first returns channels-last output', patch: {conv1d: {data_format: 'channels_first'}}});
conv1d('conv1d_causal', {layer: {filters: 3, kernelSize: 3, dilationRate: 2}, inShape: [8, 2]}, 'Conv1D causal padding, dilation 2 (numpy: tfjs lacks causal).',
  {numpyReference: 'tfjs Conv1D does not implement causal padding', patch: {conv1d: {padding: 'causal'}}});
conv1d('conv1d_causal_stride2', {layer: {filters: 2, kernelSize: 2, strides: 2}, inShape: [9, 3]}, 'Conv1D causal padding, stride 2 (numpy: tfjs lacks causal).',
  {numpyReference: 'tfjs Conv1D does not implement causal padding', patch: {conv1d: {padding: 'causal'}}});
conv1d('conv1d_groups', {layer: {filters: 4, kernelSize: 3}, inShape: [7, 6]}, 'Conv1D groups=2 (numpy: tfjs lacks groups).',
  {numpyReference: 'tfjs Conv1D has no groups', patch: {conv1d: {groups: 2}},
    weightShapes: {conv1d: [['kernel', [3, 3, 4]], ['bias', [4]]]}});

add({name: 'conv1d', description: 'Conv1D: valid (conv1d); same padding, stride 2, even kernel, relu (conv1d_same_stride2); dilation 2 same (conv1d_dilation).',
  build: (L, tf) => branches(tf, L, 'model', [10, 2], [
    L.conv1d({filters: 4, kernelSize: 3, name: 'conv1d'}),
    L.conv1d({filters: 3, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', name: 'conv1d_same_stride2'}),
    L.conv1d({filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'conv1d_dilation'})])});

const conv2d = (name, opts, desc, extra = {}) => add(Object.assign({name, description: desc,
  build: (L, tf) => fn1(tf, L, 'model', opts.inShape || [6, 6, 3], (x) => L.conv2d(Object.assign({name: 'conv2d'}, opts.layer)).apply(x))}, extra));
conv2d('conv2d_channels_first', {layer: {filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', padding: 'same'}, inShape: [2, 5, 5]}, 'Conv2D channels_first, same.');
conv2d('conv2d_no_bias', {layer: {filters: 5, kernelSize: 1, useBias: false}, inShape: [4, 4, 3]}, 'Conv2D 1x1 without bias.', {k2: '2.4.0', k3: '3.3.3'});
conv2d('conv2d_groups', {layer: {filters: 6, kernelSize: 3, padding: 'same'}, inShape: [5, 5, 4]}, 'Conv2D groups=2 (numpy: tfjs lacks groups).',
  {numpyReference: 'tfjs Conv2D has no groups', patch: {conv2d: {groups: 2}},
    weightShapes: {conv2d: [['kernel', [3, 3, 2, 6]], ['bias', [6]]]}});
add({name: 'conv2d', description: 'Conv2D: 3x3 valid (conv2d); (3,2) kernel, stride 2, same, relu on odd sizes (conv2d_same_stride2); dilation 2 valid (conv2d_dilation).',
  build: (L, tf) => branches(tf, L, 'model', [7, 6, 2], [
    L.conv2d({filters: 4, kernelSize: 3, name: 'conv2d'}),
    L.conv2d({filters: 3, kernelSize: [3, 2], strides: [2, 2], padding: 'same', activation: 'relu', name: 'conv2d_same_stride2'}),
    L.conv2d({filters: 2, kernelSize: 3, dilationRate: 2, name: 'conv2d_dilation'})])});
add({name: 'depthwise_conv2d', description: 'DepthwiseConv2D: depth_multiplier 2 valid (depthwise_conv2d); strides 2 same relu (depthwise_conv2d_1).',
  build: (L, tf) => branches(tf, L, 'model', [7, 6, 2], [
    L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, name: 'depthwise_conv2d'}),
    L.depthwiseConv2d({kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'depthwise_conv2d_1'})])});
add({name: 'depthwise_conv2d_dilation', description: 'DepthwiseConv2D dilation 2, no bias (numpy: tfjs DepthwiseConv2D ignores dilation_rate).',
  numpyReference: 'tfjs DepthwiseConv2D writes dilation_rate but ignores it',
  build: (L, tf) => fn1(tf, L, 'model', [7, 7, 2], (x) => L.depthwiseConv2d({kernelSize: 2, dilationRate: 2, useBias: false, name: 'depthwise_conv2d'}).apply(x))});
add({name: 'separable_conv2d', description: 'SeparableConv2D same padding.',
  build: (L, tf) => fn1(tf, L, 'model', [5, 5, 3], (x) => L.separableConv2d({filters: 4, kernelSize: 3, padding: 'same', name: 'separable_conv2d'}).apply(x))});
add({name: 'separable_conv2d_mult2_stride2', description: 'SeparableConv2D depth_multiplier 2, strides 2, valid, relu.',
  build: (L, tf) => fn1(tf, L, 'model', [7, 7, 2], (x) => L.separableConv2d({filters: 3, kernelSize: 3, depthMultiplier: 2, strides: 2, activation: 'relu', name: 'separable_conv2d'}).apply(x))});

// ---------------------------------------------------------------- pooling
add({name: 'pooling1d', description: 'MaxPooling1D / AveragePooling1D: pool 2 valid; pool 3 stride 2 same (average divides by the real elements at the edges).',
  build: (L, tf) => branches(tf, L, 'model', [8, 2], [
    L.maxPooling1d({poolSize: 2, name: 'max_pooling1d'}),
    L.maxPooling1d({poolSize: 3, strides: 2, padding: 'same', name: 'max_pooling1d_same'}),
    L.averagePooling1d({poolSize: 2, name: 'average_pooling1d'}),
    L.averagePooling1d({poolSize: 3, strides: 2, padding: 'same', name: 'average_pooling1d_same'})])});
add({name: 'pooling2d', description: 'MaxPooling2D / AveragePooling2D: 2x2 valid; 3x3 strides (2,1) same; pool (2,3) strides (1,2) valid; 3x3 stride 2 same (average divides by the real elements).',
  build: (L, tf) => branches(tf, L, 'model', [5, 7, 2], [
    L.maxPooling2d({poolSize: 2, name: 'max_pooling2d'}),
    L.maxPooling2d({poolSize: 3, strides: [2, 1], padding: 'same', name: 'max_pooling2d_same'}),
    L.averagePooling2d({poolSize: [2, 3], strides: [1, 2], name: 'average_pooling2d'}),
    L.averagePooling2d({poolSize: 3, strides: 2, padding: 'same', name: 'average_pooling2d_same'})])});
add({name: 'pooling2d_channels_first', description: 'MaxPooling2D 2x2 valid and AveragePooling2D 2x2 same on channels_first input.',
  build: (L, tf) => branches(tf, L, 'model', [2, 5, 5], [
    L.maxPooling2d({poolSize: 2, dataFormat: 'channelsFirst', name: 'max_pooling2d'}),
    L.averagePooling2d({poolSize: 2, padding: 'same', dataFormat: 'channelsFirst', name: 'average_pooling2d'})])});
add({name: 'global_pooling1d', description: 'GlobalAveragePooling1D and GlobalMaxPooling1D.',
  build: (L, tf) => branches(tf, L, 'model', [5, 3], [
    L.globalAveragePooling1d({name: 'global_average_pooling1d'}), L.globalMaxPooling1d({name: 'global_max_pooling1d'})])});
add({name: 'global_pooling2d', description: 'GlobalAveragePooling2D and GlobalMaxPooling2D, channels_last and channels_first.',
  build: (L, tf) => branches(tf, L, 'model', [4, 3, 5], [
    L.globalAveragePooling2d({name: 'global_average_pooling2d'}), L.globalMaxPooling2d({name: 'global_max_pooling2d'}),
    L.globalAveragePooling2d({dataFormat: 'channelsFirst', name: 'global_average_pooling2d_cf'}),
    L.globalMaxPooling2d({dataFormat: 'channelsFirst', name: 'global_max_pooling2d_cf'})])});
add({name: 'global_pooling_keepdims_channels_first', description: 'GlobalMaxPooling1D channels_first, GlobalAveragePooling1D keepdims=True, GlobalMaxPooling1D keepdims=True channels_first (numpy: tfjs global pooling has no keepdims and its 1D layers ignore data_format).',
  numpyReference: 'tfjs global pooling has no keepdims and GlobalPooling1D ignores data_format',
  patch: {gmp_cf: {data_format: 'channels_first'}, gap_keepdims: {keepdims: true},
    gmp_cf_keepdims: {data_format: 'channels_first', keepdims: true}},
  build: (L, tf) => branches(tf, L, 'model', [4, 6], [
    L.globalMaxPooling1d({name: 'gmp_cf'}), L.globalAveragePooling1d({name: 'gap_keepdims'}),
    L.globalMaxPooling1d({name: 'gmp_cf_keepdims'})])});
add({name: 'global_pooling2d_keepdims', description: 'GlobalAveragePooling2D keepdims=True (channels_last) and GlobalMaxPooling2D keepdims=True channels_first (numpy: tfjs lacks keepdims).',
  numpyReference: 'tfjs global pooling has no keepdims',
  patch: {gap_keepdims: {keepdims: true}, gmp_cf_keepdims: {keepdims: true}},
  build: (L, tf) => branches(tf, L, 'model', [3, 4, 5], [
    L.globalAveragePooling2d({name: 'gap_keepdims'}),
    L.globalMaxPooling2d({dataFormat: 'channelsFirst', name: 'gmp_cf_keepdims'})])});

// ---------------------------------------------------------------- normalization
add({name: 'batch_normalization', description: 'Dense then BatchNormalization (axis=-1) with random moving statistics.',
  build: (L, tf) => seq(tf, 'sequential', [6], [L.dense({units: 5, name: 'dense'}), L.batchNormalization({name: 'batch_normalization'})])});
add({name: 'batch_normalization_axis1', description: 'BatchNormalization axis=1 on a channels_first image, epsilon 0.01 (numpy: the tfjs cpu batchNorm kernel broadcasts parameters along the last axis only).',
  numpyReference: 'the tfjs cpu batchNorm kernel applies per-channel parameters cyclically over the last axis (wrong for axis=1)',
  build: (L, tf) => fn1(tf, L, 'model', [3, 4, 4], (x) => L.batchNormalization({axis: 1, epsilon: 0.01, name: 'batch_normalization'}).apply(x))});
add({name: 'batch_normalization_center_scale_off', description: 'BatchNormalization center=False (weights gamma, mean, variance) and scale=False with epsilon 0.1 (weights beta, mean, variance).',
  build: (L, tf) => branches(tf, L, 'model', [4, 3], [
    L.batchNormalization({center: false, name: 'batch_normalization'}),
    L.batchNormalization({scale: false, epsilon: 0.1, name: 'batch_normalization_1'})])});
add({name: 'layer_normalization_center_scale', description: 'LayerNormalization center=False and scale=False (no weights), and center=False (gamma only) over axis 1.',
  build: (L, tf) => branches(tf, L, 'model', [4, 3], [
    L.layerNormalization({center: false, scale: false, name: 'layer_normalization'}),
    L.layerNormalization({axis: 1, center: false, name: 'layer_normalization_1'})])});
add({name: 'layer_normalization', description: 'LayerNormalization over the last axis.',
  build: (L, tf) => fn1(tf, L, 'model', [3, 6], (x) => L.layerNormalization({name: 'layer_normalization'}).apply(x))});
add({name: 'layer_normalization_axes', description: 'LayerNormalization axis=[1, 2], epsilon 1e-5.',
  build: (L, tf) => fn1(tf, L, 'model', [3, 4], (x) => L.layerNormalization({axis: [1, 2], epsilon: 1e-5, name: 'layer_normalization'}).apply(x))});

// ---------------------------------------------------------------- reshaping
add({name: 'flatten_channels_first', description: 'Flatten(data_format=channels_first) of a (C,H,W) tensor: transposes to channels-last first.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 4], (x) => L.flatten({dataFormat: 'channelsFirst', name: 'flatten'}).apply(x))});
add({name: 'flatten_dense', description: 'Flatten then Dense (channels_last).',
  build: (L, tf) => seq(tf, 'sequential', [3, 2, 2], [L.flatten({name: 'flatten'}), L.dense({units: 3, name: 'dense'})])});
add({name: 'reshape', description: 'Reshape with -1.',
  build: (L, tf) => fn1(tf, L, 'model', [12], (x) => L.reshape({targetShape: [3, -1], name: 'reshape'}).apply(x))});
add({name: 'permute', description: 'Permute((2, 3, 1)).',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 4], (x) => L.permute({dims: [2, 3, 1], name: 'permute'}).apply(x))});
add({name: 'repeat_vector', description: 'RepeatVector(3).',
  build: (L, tf) => fn1(tf, L, 'model', [4], (x) => L.repeatVector({n: 3, name: 'repeat_vector'}).apply(x))});
add({name: 'zero_padding2d', description: 'ZeroPadding2D symmetric (1, 2) and asymmetric ((1, 0), (2, 1)).',
  build: (L, tf) => branches(tf, L, 'model', [3, 3, 2], [
    L.zeroPadding2d({padding: [1, 2], name: 'zero_padding2d'}),
    L.zeroPadding2d({padding: [[1, 0], [2, 1]], name: 'zero_padding2d_1'})])});
add({name: 'zero_padding2d_channels_first', description: 'ZeroPadding2D channels_first ((0, 1), (1, 1)).',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 3], (x) => L.zeroPadding2d({padding: [[0, 1], [1, 1]], dataFormat: 'channelsFirst', name: 'zero_padding2d'}).apply(x))});
add({name: 'up_sampling2d', description: 'UpSampling2D nearest, size (2, 3).',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 2], (x) => L.upSampling2d({size: [2, 3], name: 'up_sampling2d'}).apply(x))});
add({name: 'up_sampling2d_bilinear', description: 'UpSampling2D bilinear, size (2, 2) (numpy: Keras resizes with half-pixel centers, tfjs resizeBilinear does not).',
  numpyReference: 'tfjs resizeBilinear uses align_corners=False without half-pixel centers, unlike tf.image.resize',
  build: (L, tf) => fn1(tf, L, 'model', [3, 4, 2], (x) => L.upSampling2d({size: [2, 2], interpolation: 'bilinear', name: 'up_sampling2d'}).apply(x))});
add({name: 'up_sampling2d_channels_first', description: 'UpSampling2D nearest channels_first size 2.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 2, 3], (x) => L.upSampling2d({size: [2, 2], dataFormat: 'channelsFirst', name: 'up_sampling2d'}).apply(x))});
add({name: 'cropping2d', description: 'Cropping2D ((1, 0), (1, 2)).',
  build: (L, tf) => fn1(tf, L, 'model', [5, 6, 2], (x) => L.cropping2D({cropping: [[1, 0], [1, 2]], name: 'cropping2d'}).apply(x))});
add({name: 'cropping2d_channels_first', description: 'Cropping2D channels_first symmetric 1.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 5, 4], (x) => L.cropping2D({cropping: 1, dataFormat: 'channelsFirst', name: 'cropping2d'}).apply(x))});

// ---------------------------------------------------------------- inference-time identities
add({name: 'dropout_noise_identity', description: 'Dropout, SpatialDropout1D, GaussianNoise, GaussianDropout, AlphaDropout are identities at inference.',
  build: (L, tf) => fn1(tf, L, 'model', [4, 3], (x) => {
    let y = L.dense({units: 4, name: 'dense'}).apply(x);
    y = L.dropout({rate: 0.5, name: 'dropout'}).apply(y);
    y = L.spatialDropout1d({rate: 0.3, name: 'spatial_dropout1d'}).apply(y);
    y = L.gaussianNoise({stddev: 0.7, name: 'gaussian_noise'}).apply(y);
    y = L.gaussianDropout({rate: 0.4, name: 'gaussian_dropout'}).apply(y);
    y = L.alphaDropout({rate: 0.2, name: 'alpha_dropout'}).apply(y);
    return L.dense({units: 2, name: 'dense_1'}).apply(y);
  })});
add({name: 'spatial_dropout2d_activity_regularization', description: 'SpatialDropout2D and ActivityRegularization are identities at inference (numpy: tfjs has neither layer).',
  numpyReference: 'tfjs has no SpatialDropout2D / ActivityRegularization',
  patch: {'@class': {spatial_dropout2d: 'SpatialDropout2D', activity_regularization: 'ActivityRegularization'},
    spatial_dropout2d: {rate: 0.5, '@drop': ['noise_shape', 'seed']},
    activity_regularization: {l1: 0.01, l2: 0.001, '@drop': ['rate', 'noise_shape', 'seed']}},
  build: (L, tf) => fn1(tf, L, 'model', [3, 3, 2], (x) => {
    let y = L.conv2d({filters: 2, kernelSize: 2, name: 'conv2d'}).apply(x);
    y = L.dropout({rate: 0.5, name: 'spatial_dropout2d'}).apply(y);
    return L.dropout({rate: 0.5, name: 'activity_regularization'}).apply(y);
  })});

// ---------------------------------------------------------------- merging
function merge2(tf, L, layer, shapeA, shapeB) {
  const a = L.input({shape: shapeA, name: 'input_1'});
  const b = L.input({shape: shapeB || shapeA, name: 'input_2'});
  return tf.model({inputs: [a, b], outputs: layer.apply([a, b]), name: 'model'});
}
add({name: 'merge_elementwise', description: 'Add, Multiply, Average, Maximum, Minimum of the same two inputs (one output each).',
  build: (L, tf) => {
    const a = L.input({shape: [3, 4], name: 'input_1'});
    const b = L.input({shape: [3, 4], name: 'input_2'});
    const outs = ['add', 'multiply', 'average', 'maximum', 'minimum'].map((nm) => L[nm]({name: nm}).apply([a, b]));
    return tf.model({inputs: [a, b], outputs: outs, name: 'model'});
  }});
add({name: 'merge_add_three', description: 'Add of three inputs.',
  build: (L, tf) => {
    const ins = [1, 2, 3].map((i) => L.input({shape: [5], name: `input_${i}`}));
    return tf.model({inputs: ins, outputs: L.add({name: 'add'}).apply(ins), name: 'model'});
  }});
add({name: 'merge_subtract', description: 'Subtract (numpy: tfjs has no Subtract layer).',
  numpyReference: 'tfjs has no Subtract layer', patch: {'@class': {subtract: 'Subtract'}},
  build: (L, tf) => merge2(tf, L, L.add({name: 'subtract'}), [3, 4])});
add({name: 'merge_concatenate', description: 'Concatenate axis=-1 of inputs with different widths.',
  build: (L, tf) => merge2(tf, L, L.concatenate({name: 'concatenate'}), [3, 2], [3, 4])});
add({name: 'merge_concatenate_axis1', description: 'Concatenate axis=1.',
  build: (L, tf) => merge2(tf, L, L.concatenate({axis: 1, name: 'concatenate'}), [2, 4], [3, 4])});
add({name: 'merge_dot', description: 'Dot(axes=1) of two vectors.',
  build: (L, tf) => merge2(tf, L, L.dot({axes: 1, name: 'dot'}), [5])});
add({name: 'merge_dot_normalize', description: 'Dot(axes=(2, 2), normalize=True) of two sequences (cosine similarity matrix).',
  build: (L, tf) => merge2(tf, L, L.dot({axes: [2, 2], normalize: true, name: 'dot'}), [3, 4], [2, 4])});
add({name: 'merge_dot_axes_1_1', description: 'Dot(axes=(1, 1)) of (3,4) and (3,2) sequences.',
  build: (L, tf) => merge2(tf, L, L.dot({axes: [1, 1], name: 'dot'}), [3, 4], [3, 2])});

// ---------------------------------------------------------------- embedding
add({name: 'embedding', description: 'Embedding on float32 indices with fractional parts (Keras casts them to int32, truncating), then Flatten and Dense.',
  inputs: [{int: 10, frac: true}],
  build: (L, tf) => seq(tf, 'sequential', [4], [L.embedding({inputDim: 10, outputDim: 3, inputLength: 4, name: 'embedding'}),
    L.flatten({name: 'flatten'}), L.dense({units: 2, name: 'dense'})])});

// ---------------------------------------------------------------- recurrent
const rnn = (name, ctor, opts, desc, extra = {}) => add(Object.assign({name, description: desc,
  build: (L, tf) => fn1(tf, L, 'model', opts.inShape || [5, 3], (x) => {
    const lname = {simpleRNN: 'simple_rnn', lstm: 'lstm', gru: 'gru'}[ctor];
    return L[ctor](Object.assign({name: lname}, ctor === 'simpleRNN' ? {} : REC, opts.layer)).apply(x);
  })}, extra));
rnn('simple_rnn_no_bias', 'simpleRNN', {layer: {units: 3, useBias: false}}, 'SimpleRNN use_bias=False.', {k2: '2.2.4-tf'});
rnn('lstm_sequences', 'lstm', {layer: {units: 3, returnSequences: true}}, 'LSTM return_sequences.', {k2: '2.4.0', k3: '3.3.3'});
rnn('lstm_state', 'lstm', {layer: {units: 3, returnSequences: true, returnState: true}}, 'LSTM return_sequences + return_state: outputs lstm, lstm_1 (h), lstm_2 (c).');
rnn('lstm_hard_sigmoid_unroll', 'lstm', {layer: {units: 2, recurrentActivation: 'hardSigmoid', unroll: true}}, 'LSTM recurrent_activation=hard_sigmoid (Keras 2 meaning), unroll=True.',
  {k3: null, skipK3: 'hard_sigmoid differs in Keras 3'});
rnn('gru', 'gru', {layer: {units: 4}}, 'GRU reset_after=False, last output.', {k2: '2.2.4-tf'});
rnn('gru_sequences_backwards', 'gru', {layer: {units: 3, returnSequences: true, goBackwards: true}}, 'GRU reset_after=False, return_sequences, go_backwards.');
rnn('gru_state', 'gru', {layer: {units: 3, returnState: true}}, 'GRU reset_after=False, return_state: outputs gru, gru_1.');
add({name: 'simple_rnn', description: 'SimpleRNN: last output (simple_rnn); relu, return_sequences, go_backwards (simple_rnn_1).',
  build: (L, tf) => branches(tf, L, 'model', [5, 3], [
    L.simpleRNN({units: 4, name: 'simple_rnn'}),
    L.simpleRNN({units: 3, returnSequences: true, goBackwards: true, activation: 'relu', name: 'simple_rnn_1'})])});
add({name: 'lstm', description: 'LSTM: last output (lstm); go_backwards, use_bias=False (lstm_1); relu activation, unit_forget_bias=False (lstm_2).',
  build: (L, tf) => branches(tf, L, 'model', [5, 3], [
    L.lstm(Object.assign({units: 4, name: 'lstm'}, REC)),
    L.lstm(Object.assign({units: 3, goBackwards: true, useBias: false, name: 'lstm_1'}, REC)),
    L.lstm(Object.assign({units: 3, activation: 'relu', unitForgetBias: false, name: 'lstm_2'}, REC))])});
add({name: 'gru_reset_after', description: 'GRU reset_after=True (Keras default since TF 2; bias shape (2, 3*units)): last output (gru); return_sequences, go_backwards (gru_1); use_bias=False (gru_2) (numpy: tfjs lacks reset_after=True).',
  numpyReference: 'tfjs GRU does not support reset_after=True',
  patch: {gru: {reset_after: true}, gru_1: {reset_after: true}, gru_2: {reset_after: true}},
  weightShapes: {gru: [['kernel', [3, 12]], ['recurrent_kernel', [4, 12]], ['bias', [2, 12]]],
    gru_1: [['kernel', [3, 9]], ['recurrent_kernel', [3, 9]], ['bias', [2, 9]]],
    gru_2: [['kernel', [3, 6]], ['recurrent_kernel', [2, 6]]]},
  build: (L, tf) => branches(tf, L, 'model', [5, 3], [
    L.gru(Object.assign({units: 4, name: 'gru'}, REC)),
    L.gru(Object.assign({units: 3, returnSequences: true, goBackwards: true, name: 'gru_1'}, REC)),
    L.gru(Object.assign({units: 2, useBias: false, name: 'gru_2'}, REC))])});
add({name: 'lstm_variable_length', description: 'LSTM with input shape (None, 3) (any number of steps); fixture uses 6 steps.',
  inputs: [{shape: [6, 3]}],
  build: (L, tf) => fn1(tf, L, 'model', [null, 3], (x) => L.lstm(Object.assign({units: 3, name: 'lstm'}, REC)).apply(x))});

const bidi = (name, inner, mode, desc, extra = {}) => add(Object.assign({name, description: desc,
  build: (L, tf) => fn1(tf, L, 'model', [4, 3], (x) => L.bidirectional({layer: inner(L), mergeMode: mode, name: 'bidirectional'}).apply(x))}, extra));
bidi('bidirectional_lstm_concat', (L) => L.lstm(Object.assign({units: 3, returnSequences: true, name: 'lstm'}, REC)), 'concat', 'Bidirectional(LSTM, return_sequences) merge concat.');
bidi('bidirectional_lstm_last', (L) => L.lstm(Object.assign({units: 2, name: 'lstm'}, REC)), 'concat', 'Bidirectional(LSTM) last output, concat.', {k2: '2.2.4-tf'});
bidi('bidirectional_lstm_none', (L) => L.lstm(Object.assign({units: 2, returnSequences: true, name: 'lstm'}, REC)), null, 'Bidirectional(LSTM) merge_mode None: two outputs bidirectional, bidirectional_1.');
bidi('bidirectional_gru_reset_after', (L) => L.gru(Object.assign({units: 2, returnSequences: true, name: 'gru'}, REC)), 'concat', 'Bidirectional(GRU reset_after=True) concat (numpy).',
  {numpyReference: 'tfjs GRU does not support reset_after=True', patch: {bidirectional: {'layer.config.reset_after': true}},
    weightShapes: {bidirectional: [['kernel', [3, 6]], ['recurrent_kernel', [2, 6]], ['bias', [2, 6]],
      ['kernel', [3, 6]], ['recurrent_kernel', [2, 6]], ['bias', [2, 6]]]}});

add({name: 'bidirectional_merge_modes', description: 'Bidirectional merge modes: GRU return_sequences sum (bidirectional); GRU mul (bidirectional_1); SimpleRNN return_sequences ave (bidirectional_2).',
  build: (L, tf) => branches(tf, L, 'model', [4, 3], [
    L.bidirectional({layer: L.gru(Object.assign({units: 3, returnSequences: true, name: 'gru'}, REC)), mergeMode: 'sum', name: 'bidirectional'}),
    L.bidirectional({layer: L.gru(Object.assign({units: 2, name: 'gru_1'}, REC)), mergeMode: 'mul', name: 'bidirectional_1'}),
    L.bidirectional({layer: L.simpleRNN({units: 3, returnSequences: true, name: 'simple_rnn'}), mergeMode: 'ave', name: 'bidirectional_2'})])});

add({name: 'time_distributed_dense', description: 'TimeDistributed(Dense).',
  build: (L, tf) => fn1(tf, L, 'model', [4, 3], (x) => L.timeDistributed({layer: L.dense({units: 2, activation: 'relu', name: 'dense'}), name: 'time_distributed'}).apply(x))});
add({name: 'time_distributed_conv2d', description: 'TimeDistributed(Conv2D) on a (T, H, W, C) input.',
  build: (L, tf) => fn1(tf, L, 'model', [3, 4, 4, 2], (x) => L.timeDistributed({layer: L.conv2d({filters: 3, kernelSize: 2, name: 'conv2d'}), name: 'time_distributed'}).apply(x))});

// ---------------------------------------------------------------- graphs
add({name: 'graph_multi_io', description: 'Functional model with 2 inputs and 2 outputs (main and auxiliary head), custom names.',
  build: (L, tf) => {
    const a = L.input({shape: [4], name: 'input_a'});
    const b = L.input({shape: [3, 2], name: 'input_b'});
    const ha = L.dense({units: 5, activation: 'relu', name: 'dense_a'}).apply(a);
    const hb = L.dense({units: 3, activation: 'tanh', name: 'dense_b'}).apply(L.flatten({name: 'flatten'}).apply(b));
    const h = L.concatenate({name: 'concatenate'}).apply([ha, hb]);
    const main = L.dense({units: 2, activation: 'softmax', name: 'out_main'}).apply(h);
    const aux = L.dense({units: 1, name: 'out_aux'}).apply(ha);
    return tf.model({inputs: [a, b], outputs: [main, aux], name: 'multi_io'});
  }});
add({name: 'graph_shared_layer', description: 'One Dense layer called on two inputs (two inbound nodes), results concatenated.',
  build: (L, tf) => {
    const a = L.input({shape: [4], name: 'input_1'});
    const b = L.input({shape: [4], name: 'input_2'});
    const shared = L.dense({units: 3, activation: 'relu', name: 'shared_dense'});
    const h = L.concatenate({name: 'concatenate'}).apply([shared.apply(a), shared.apply(b)]);
    return tf.model({inputs: [a, b], outputs: L.dense({units: 2, name: 'dense'}).apply(h), name: 'model'});
  }});
add({name: 'graph_shared_layer_twice_chain', description: 'A Dense layer applied twice in a chain (node index 1 feeds the output).',
  build: (L, tf) => {
    const x = L.input({shape: [3], name: 'input_1'});
    const d = L.dense({units: 3, activation: 'tanh', name: 'dense'});
    return tf.model({inputs: x, outputs: d.apply(d.apply(x)), name: 'model'});
  }});
add({name: 'graph_nested_sequential_in_functional', description: 'Functional model containing two nested Sequential models with BatchNormalization; the second is frozen (trainable=False) so its legacy-h5 weight order is all weights in layer order.',
  build: (L, tf) => {
    const inner = tf.sequential({name: 'sequential'});
    inner.add(L.dense({units: 4, inputShape: [5], name: 'dense'}));
    inner.add(L.batchNormalization({name: 'batch_normalization'}));
    inner.add(L.dense({units: 3, activation: 'relu', name: 'dense_1'}));
    const frozen = tf.sequential({name: 'sequential_1'});
    frozen.add(L.dense({units: 3, inputShape: [3], name: 'dense_2'}));
    frozen.add(L.batchNormalization({name: 'batch_normalization_1'}));
    frozen.add(L.dense({units: 2, name: 'dense_3'}));
    frozen.trainable = false;
    const x = L.input({shape: [5], name: 'input_1'});
    const y = L.dense({units: 2, activation: 'softmax', name: 'dense_4'}).apply(frozen.apply(inner.apply(x)));
    return tf.model({inputs: x, outputs: y, name: 'model'});
  }});
add({name: 'graph_nested_functional_in_sequential', description: 'Sequential model containing a frozen nested Functional model (Dense, BatchNormalization, ReLU) followed by Dense.',
  build: (L, tf) => {
    const x = L.input({shape: [6], name: 'input_1'});
    let h = L.dense({units: 4, name: 'dense'}).apply(x);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.reLU({name: 're_lu'}).apply(h);
    const inner = tf.model({inputs: x, outputs: h, name: 'model'});
    inner.trainable = false;
    const m = tf.sequential({name: 'sequential'});
    m.add(inner);
    m.add(L.dense({units: 3, name: 'dense_1'}));
    return m;
  }});
add({name: 'graph_small_cnn', description: 'Small CNN: Conv2D+BN+ReLU+MaxPooling2D, Conv2D+BN+ReLU, GlobalAveragePooling2D, Dense softmax; custom layer names (Keras 3 keys differ from names); compiled (training config and optimizer state present).',
  compiled: true,
  build: (L, tf) => seq(tf, 'small_cnn', [8, 8, 1], [
    L.conv2d({filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'block1_conv'}),
    L.batchNormalization({name: 'block1_bn'}),
    L.reLU({name: 'block1_relu'}),
    L.maxPooling2d({poolSize: 2, name: 'block1_pool'}),
    L.conv2d({filters: 6, kernelSize: 3, name: 'block2_conv'}),
    L.batchNormalization({name: 'block2_bn'}),
    L.activation({activation: 'relu', name: 'block2_relu'}),
    L.globalAveragePooling2d({name: 'gap'}),
    L.dense({units: 3, activation: 'softmax', name: 'predictions'})])});
add({name: 'graph_mlp', description: 'MLP: Dense relu, Dropout, Dense relu, Dense softmax; compiled.',
  compiled: true, k2: '2.4.0',
  build: (L, tf) => seq(tf, 'sequential', [12], [
    L.dense({units: 16, activation: 'relu', name: 'dense'}),
    L.dropout({rate: 0.2, name: 'dropout'}),
    L.dense({units: 8, activation: 'relu', name: 'dense_1'}),
    L.dense({units: 4, activation: 'softmax', name: 'dense_2'})])});
add({name: 'graph_lstm_text_classifier', description: 'Text classifier: Embedding, LSTM, Dense sigmoid; compiled; integer token inputs as float32.',
  compiled: true, inputs: [{int: 30}],
  build: (L, tf) => seq(tf, 'sequential', [7], [
    L.embedding({inputDim: 30, outputDim: 6, name: 'embedding'}),
    L.lstm(Object.assign({units: 5, name: 'lstm'}, REC)),
    L.dense({units: 1, activation: 'sigmoid', name: 'dense'})])});
add({name: 'graph_residual_cnn', description: 'Functional residual block: Conv2D, BN, Add skip connection, ReLU, GlobalMaxPooling2D, Dense.',
  build: (L, tf) => fn1(tf, L, 'model', [6, 6, 3], (x) => {
    let h = L.conv2d({filters: 3, kernelSize: 3, padding: 'same', name: 'conv2d'}).apply(x);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.add({name: 'add'}).apply([h, x]);
    h = L.reLU({name: 're_lu'}).apply(h);
    h = L.globalMaxPooling2d({name: 'global_max_pooling2d'}).apply(h);
    return L.dense({units: 2, name: 'dense'}).apply(h);
  })});
add({name: 'graph_stacked_rnn', description: 'Stacked LSTM(return_sequences) -> GRU -> Dense, Sequential.', k3: '3.3.3',
  build: (L, tf) => seq(tf, 'sequential', [5, 3], [
    L.lstm(Object.assign({units: 4, returnSequences: true, name: 'lstm'}, REC)),
    L.gru(Object.assign({units: 3, name: 'gru'}, REC)),
    L.dense({units: 2, name: 'dense'})])});

// ---------------------------------------------------------------- masking
// Masks from Embedding(mask_zero=True) and Masking into the layers that pass, read or combine
// them. Inputs carry real padding (pad: the listed timesteps of each sample, cycling over the
// batch, are the padding value): trailing padding, padding in the middle and at the end, none,
// a fully masked sample, leading padding. Token ids are otherwise nonzero.
const PAD7 = {steps: [[5, 6], [2, 6], [], [0, 1, 2, 3, 4, 5, 6], [0, 1]]};
const PAD7_PARTIAL = {steps: [[5, 6], [2, 6], [], [0, 1]]};  // no fully masked sample (a masked mean would be 0/0)
const PAD6 = {steps: [[4, 5], [1, 5], [], [0, 1, 2, 3, 4, 5], [0]]};
const tokens = (k, pad = PAD7) => ({int: k, nonzero: true, pad});

// Functional model: `steps` token ids -> Embedding(vocab, dim, mask_zero) -> body(embedded).
function embedded(tf, L, steps, vocab, dim, body) {
  const x = L.input({shape: [steps], name: 'input_1'});
  const e = L.embedding({inputDim: vocab, outputDim: dim, maskZero: true, name: 'embedding'}).apply(x);
  return tf.model({inputs: x, outputs: body(e), name: 'model'});
}
const rec = (ctor, opts) => (L) => L[ctor](Object.assign(ctor === 'simpleRNN' ? {} : Object.assign({}, REC), opts));

add({name: 'mask_embedding_lstm', description: 'Embedding(mask_zero=True) into LSTM: last output (lstm); return_sequences + return_state (lstm_1: masked steps repeat the last unmasked output, states carried).',
  batch: 4, inputs: [tokens(12)],
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [rec('lstm', {units: 5, name: 'lstm'})(L).apply(e)]
    .concat(rec('lstm', {units: 3, returnSequences: true, returnState: true, name: 'lstm_1'})(L).apply(e)))});
add({name: 'mask_embedding_gru', description: 'Embedding(mask_zero=True) into GRU reset_after=False: last output (gru); return_sequences, go_backwards (gru_1, the mask reversed with the steps).',
  batch: 4, inputs: [tokens(12)],
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [rec('gru', {units: 4, name: 'gru'})(L).apply(e),
    rec('gru', {units: 3, returnSequences: true, goBackwards: true, name: 'gru_1'})(L).apply(e)])});
add({name: 'mask_embedding_gru_reset_after', description: 'Embedding(mask_zero=True) into GRU reset_after=True: last output (gru); return_sequences, go_backwards (gru_1).',
  batch: 4, inputs: [tokens(12)], numpyReference: 'tfjs GRU does not support reset_after=True',
  patch: {gru: {reset_after: true}, gru_1: {reset_after: true}},
  weightShapes: {gru: [['kernel', [4, 12]], ['recurrent_kernel', [4, 12]], ['bias', [2, 12]]],
    gru_1: [['kernel', [4, 9]], ['recurrent_kernel', [3, 9]], ['bias', [2, 9]]]},
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [rec('gru', {units: 4, name: 'gru'})(L).apply(e),
    rec('gru', {units: 3, returnSequences: true, goBackwards: true, name: 'gru_1'})(L).apply(e)])});
add({name: 'mask_embedding_simple_rnn', description: 'Embedding(mask_zero=True) into SimpleRNN: last output (simple_rnn); relu, return_sequences, go_backwards (simple_rnn_1).',
  batch: 4, inputs: [tokens(12)],
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [rec('simpleRNN', {units: 4, name: 'simple_rnn'})(L).apply(e),
    rec('simpleRNN', {units: 3, returnSequences: true, goBackwards: true, activation: 'relu', name: 'simple_rnn_1'})(L).apply(e)])});
add({name: 'mask_masking_lstm', description: 'Masking(0) on a padded float sequence into LSTM: last output (lstm); return_sequences, go_backwards (lstm_1).',
  batch: 4, inputs: [{pad: PAD6}],
  build: (L, tf) => fn1(tf, L, 'model', [6, 3], (x) => {
    const m = L.masking({maskValue: 0, name: 'masking'}).apply(x);
    return [rec('lstm', {units: 4, name: 'lstm'})(L).apply(m),
      rec('lstm', {units: 3, returnSequences: true, goBackwards: true, name: 'lstm_1'})(L).apply(m)];
  })});
add({name: 'mask_masking_value', description: 'Masking(mask_value=-1) output (masking: masked steps zeroed) into SimpleRNN (simple_rnn).',
  batch: 4, inputs: [{pad: {steps: PAD6.steps, value: -1}}],
  build: (L, tf) => fn1(tf, L, 'model', [6, 2], (x) => {
    const m = L.masking({maskValue: -1, name: 'masking'}).apply(x);
    return [m, rec('simpleRNN', {units: 3, name: 'simple_rnn'})(L).apply(m)];
  })});
add({name: 'mask_stacked_lstm', description: 'Sequential Embedding(mask_zero=True), LSTM(return_sequences) passing the mask on to LSTM, Dense.',
  batch: 4, inputs: [tokens(15)],
  build: (L, tf) => seq(tf, 'sequential', [7], [L.embedding({inputDim: 15, outputDim: 4, maskZero: true, name: 'embedding'}),
    rec('lstm', {units: 4, returnSequences: true, name: 'lstm'})(L), rec('lstm', {units: 3, name: 'lstm_1'})(L),
    L.dense({units: 2, name: 'dense'})])});
add({name: 'mask_pass_through', description: 'Masking, then Dense, BatchNormalization, Activation and Dropout pass the mask on to LSTM.',
  batch: 4, inputs: [{pad: PAD6}],
  build: (L, tf) => seq(tf, 'sequential', [6, 3], [L.masking({maskValue: 0, name: 'masking'}),
    L.dense({units: 4, activation: 'relu', name: 'dense'}), L.batchNormalization({name: 'batch_normalization'}),
    L.activation({activation: 'tanh', name: 'activation'}), L.dropout({rate: 0.3, name: 'dropout'}),
    rec('lstm', {units: 3, name: 'lstm'})(L)])});
add({name: 'mask_time_distributed_dense', description: 'Masking, TimeDistributed(Dense) passing the mask on to LSTM.',
  batch: 4, inputs: [{pad: PAD6}],
  build: (L, tf) => seq(tf, 'sequential', [6, 3], [L.masking({maskValue: 0, name: 'masking'}),
    L.timeDistributed({layer: L.dense({units: 4, name: 'dense'}), name: 'time_distributed'}),
    rec('lstm', {units: 3, name: 'lstm'})(L)])});
add({name: 'mask_bidirectional_last', description: 'Embedding(mask_zero=True) into Bidirectional without return_sequences: LSTM concat (bidirectional); GRU sum with return_state (bidirectional_1 and the forward then backward states).',
  batch: 4, inputs: [tokens(12)],
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [
    L.bidirectional({layer: rec('lstm', {units: 3, name: 'lstm'})(L), name: 'bidirectional'}).apply(e)].concat(
    L.bidirectional({layer: rec('gru', {units: 2, returnState: true, name: 'gru'})(L), mergeMode: 'sum', name: 'bidirectional_1'}).apply(e)))});
add({name: 'mask_bidirectional_sequences', description: 'Embedding(mask_zero=True) into Bidirectional with return_sequences, every merge mode: LSTM concat (bidirectional), GRU sum (bidirectional_1), LSTM mul (bidirectional_2), SimpleRNN ave (bidirectional_3), LSTM None (bidirectional_4, two outputs), LSTM concat with return_state (bidirectional_5 and states). Keras forces zero_output_for_mask on the wrapped layers, so masked steps are 0 (numpy: tfjs Bidirectional carries the last output instead).',
  batch: 4, inputs: [tokens(12)], numpyReference: 'tfjs RNNs have no zero_output_for_mask, which Keras forces on the layers Bidirectional wraps',
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [
    L.bidirectional({layer: rec('lstm', {units: 3, returnSequences: true, name: 'lstm'})(L), name: 'bidirectional'}).apply(e),
    L.bidirectional({layer: rec('gru', {units: 2, returnSequences: true, name: 'gru'})(L), mergeMode: 'sum', name: 'bidirectional_1'}).apply(e),
    L.bidirectional({layer: rec('lstm', {units: 2, returnSequences: true, name: 'lstm_1'})(L), mergeMode: 'mul', name: 'bidirectional_2'}).apply(e),
    L.bidirectional({layer: rec('simpleRNN', {units: 2, returnSequences: true, name: 'simple_rnn'})(L), mergeMode: 'ave', name: 'bidirectional_3'}).apply(e)]
    .concat(L.bidirectional({layer: rec('lstm', {units: 2, returnSequences: true, name: 'lstm_2'})(L), mergeMode: null, name: 'bidirectional_4'}).apply(e))
    .concat(L.bidirectional({layer: rec('lstm', {units: 2, returnSequences: true, returnState: true, name: 'lstm_3'})(L), name: 'bidirectional_5'}).apply(e)))});
add({name: 'mask_lstm_zero_output', description: 'Masking into LSTM with zero_output_for_mask=True: return_sequences (lstm: masked steps 0); last output (lstm_1: 0 where the last step is masked).',
  batch: 4, inputs: [{pad: PAD6}], numpyReference: 'tfjs RNNs have no zero_output_for_mask',
  patch: {lstm: {zero_output_for_mask: true}, lstm_1: {zero_output_for_mask: true}},
  build: (L, tf) => fn1(tf, L, 'model', [6, 3], (x) => {
    const m = L.masking({maskValue: 0, name: 'masking'}).apply(x);
    return [rec('lstm', {units: 3, returnSequences: true, name: 'lstm'})(L).apply(m), rec('lstm', {units: 3, name: 'lstm_1'})(L).apply(m)];
  })});
add({name: 'mask_global_average_pooling1d', description: 'Embedding(mask_zero=True) into GlobalAveragePooling1D, the mean of the unmasked steps (then Dense: dense); keepdims=True (gap_keepdims).',
  batch: 4, inputs: [tokens(12, PAD7_PARTIAL)], numpyReference: 'tfjs GlobalAveragePooling1D ignores masks and has no keepdims',
  patch: {gap_keepdims: {keepdims: true}},
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [
    L.dense({units: 2, name: 'dense'}).apply(L.globalAveragePooling1d({name: 'global_average_pooling1d'}).apply(e)),
    L.globalAveragePooling1d({name: 'gap_keepdims'}).apply(e)])});
add({name: 'mask_softmax', description: 'Masking into a Softmax layer, which adds -1e9 where the mask is 0; Keras broadcasts the (batch, steps) mask against the last axes, so with batch 1 and 3 steps of 3 features a masked step masks that feature column.',
  batch: 1, inputs: [{pad: {steps: [[1]]}}],
  build: (L, tf) => fn1(tf, L, 'model', [3, 3], (x) => L.softmax({axis: -1, name: 'softmax'}).apply(L.masking({maskValue: 0, name: 'masking'}).apply(x)))});
add({name: 'mask_dropped', description: 'A mask reaching layers that do not support masking is dropped (Keras 3): Embedding(mask_zero=True), Conv1D, then LSTM sees every step (lstm); Embedding, Flatten, Dense (dense).',
  batch: 4, inputs: [tokens(12)], k2: null, skipK2: 'Keras 2 refuses to build a model where a mask reaches Conv1D or Flatten',
  numpyReference: 'the tfjs executor keeps the last mask it passed in kwargs for every later layer, so its LSTM after Conv1D is still masked',
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => [
    rec('lstm', {units: 2, name: 'lstm'})(L).apply(L.conv1d({filters: 3, kernelSize: 2, padding: 'same', name: 'conv1d'}).apply(e)),
    L.dense({units: 2, name: 'dense'}).apply(L.flatten({name: 'flatten'}).apply(e))])});

// Merging masked tensors: the masks combine differently in Keras 2 and 3.
const MERGE_PAD_B = {steps: [[0], [3, 4], [1, 2, 3, 4], []]};
function maskedMerges(tf, L) {
  const a = L.input({shape: [5], name: 'input_1'});
  const b = L.input({shape: [5], name: 'input_2'});
  const ea = L.embedding({inputDim: 10, outputDim: 3, maskZero: true, name: 'embedding'}).apply(a);
  const eb = L.embedding({inputDim: 10, outputDim: 3, maskZero: true, name: 'embedding_1'}).apply(b);
  const ec = L.embedding({inputDim: 10, outputDim: 3, name: 'unmasked'}).apply(b);  // no mask
  const seqOf = (t, name) => rec('simpleRNN', {units: 2, returnSequences: true, name})(L).apply(t);
  const add_ = L.add({name: 'add'}).apply([ea, eb]);
  const max_ = L.maximum({name: 'maximum'}).apply([ea, ec]);
  const mul_ = L.multiply({name: 'multiply'}).apply([ea, eb]);
  const cat_ = L.concatenate({name: 'concatenate'}).apply([ea, ec]);
  const cat1 = L.concatenate({axis: 1, name: 'concatenate_1'}).apply([ea, eb]);
  return tf.model({inputs: [a, b], name: 'model', outputs: [
    seqOf(add_, 'rnn_add'), max_, seqOf(max_, 'rnn_maximum'), mul_, seqOf(mul_, 'rnn_multiply'),
    seqOf(cat_, 'rnn_concatenate'), seqOf(cat1, 'rnn_concatenate_1')]});
}
const MERGE_DESC = 'Two masked embeddings and an unmasked one merged by Add (then a SimpleRNN with return_sequences shows the mask: rnn_add), Maximum of a masked and an unmasked input (maximum, rnn_maximum), Multiply (multiply, rnn_multiply), Concatenate on the last axis of a masked and an unmasked input (rnn_concatenate) and on the time axis (rnn_concatenate_1).';
add({name: 'mask_merge_k2', description: MERGE_DESC + ' Keras 2: the AND of the masks present, Concatenate on the last axis ANDs them; values ignore masks.',
  batch: 4, inputs: [tokens(10, PAD7_PARTIAL), tokens(10, MERGE_PAD_B)], numpyReference: 'tfjs merge layers combine masks wrongly (they skip the last mask)',
  k3: null, skipK3: 'Keras 3 merges masks differently: see mask_merge_k3',
  build: (L, tf) => maskedMerges(tf, L)});
add({name: 'mask_merge_k3', description: MERGE_DESC + ' Keras 3 (3.4+): the OR of the masks when every input has one, else none, and Concatenate on the last axis ORs them (all ones when an input has none); Maximum leaves masked values out, Multiply counts them as 1 and zeroes what every input masks.',
  batch: 4, inputs: [tokens(10, PAD7_PARTIAL), tokens(10, MERGE_PAD_B)], numpyReference: 'tfjs merge layers follow neither Keras 2 nor Keras 3 masking',
  k2: null, skipK2: 'Keras 2 merges masks differently: see mask_merge_k2',
  build: (L, tf) => maskedMerges(tf, L)});

// TimeDistributed over (samples, sentences, words) token ids.
const SENTENCES = {int: 4, pad: {steps: [[2], [], [0, 1, 2], [1]]}};  // whole sentences padded; id 0 also at random inside
add({name: 'mask_time_distributed_k2', description: 'Keras 2 TimeDistributed with masks over (sentences, words): Embedding(mask_zero=True) then TimeDistributed(LSTM) reads each sentence\'s word mask and returns the mask reduced to sentences, which the next LSTM reads (lstm_1); TimeDistributed(Embedding(mask_zero=True)) makes the word mask itself (lstm_3).',
  batch: 4, inputs: [SENTENCES, SENTENCES], numpyReference: 'tfjs TimeDistributed ignores masks',
  k3: null, skipK3: 'Keras 3 TimeDistributed passes the input mask unchanged (a word mask the next LSTM cannot read) and drops masks made inside: see mask_time_distributed_k3',
  build: (L, tf) => {
    const a = L.input({shape: [3, 4], name: 'input_1'});
    const b = L.input({shape: [3, 4], name: 'input_2'});
    const ea = L.embedding({inputDim: 4, outputDim: 3, maskZero: true, name: 'embedding'}).apply(a);
    const sa = L.timeDistributed({layer: rec('lstm', {units: 3, name: 'lstm'})(L), name: 'time_distributed'}).apply(ea);
    const eb = L.timeDistributed({layer: L.embedding({inputDim: 4, outputDim: 3, maskZero: true, name: 'embedding_1'}), name: 'time_distributed_1'}).apply(b);
    const sb = L.timeDistributed({layer: rec('lstm', {units: 3, name: 'lstm_2'})(L), name: 'time_distributed_2'}).apply(eb);
    return tf.model({inputs: [a, b], name: 'model', outputs: [
      rec('lstm', {units: 2, name: 'lstm_1'})(L).apply(sa), rec('lstm', {units: 2, name: 'lstm_3'})(L).apply(sb)]});
  }});
add({name: 'mask_time_distributed_k3', description: 'Keras 3 TimeDistributed(Embedding(mask_zero=True)) calls the embedding without its mask, so TimeDistributed(LSTM) and the LSTM after it see every word and sentence.',
  batch: 4, inputs: [SENTENCES],
  k2: null, skipK2: 'Keras 2 TimeDistributed keeps the mask the embedding makes: see mask_time_distributed_k2',
  build: (L, tf) => {
    const b = L.input({shape: [3, 4], name: 'input_1'});
    const eb = L.timeDistributed({layer: L.embedding({inputDim: 4, outputDim: 3, maskZero: true, name: 'embedding'}), name: 'time_distributed'}).apply(b);
    const sb = L.timeDistributed({layer: rec('lstm', {units: 3, name: 'lstm'})(L), name: 'time_distributed_1'}).apply(eb);
    return tf.model({inputs: b, name: 'model', outputs: rec('lstm', {units: 2, name: 'lstm_1'})(L).apply(sb)});
  }});

// Issue 4 item 5: LSTM text classifiers with masking.
add({name: 'mask_text_classifier', description: 'Text classifier with masking: Embedding(mask_zero=True), LSTM, Dense sigmoid; compiled; padded token ids.',
  compiled: true, batch: 4, inputs: [tokens(40, {steps: [[9, 10, 11], [4, 11], [], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]})],
  build: (L, tf) => seq(tf, 'sequential', [12], [L.embedding({inputDim: 40, outputDim: 8, maskZero: true, name: 'embedding'}),
    rec('lstm', {units: 6, name: 'lstm'})(L), L.dense({units: 1, activation: 'sigmoid', name: 'dense'})])});
add({name: 'mask_text_classifier_bidirectional', description: 'Text classifier with masking: Embedding(mask_zero=True), SpatialDropout1D, Bidirectional(LSTM, return_sequences), GlobalAveragePooling1D over the unmasked steps, Dense relu, Dropout, Dense softmax; compiled.',
  compiled: true, batch: 4, inputs: [tokens(40, {steps: [[9, 10, 11], [4, 11], [], [0, 1, 2]]})],
  numpyReference: 'tfjs has neither zero_output_for_mask in Bidirectional nor a masked GlobalAveragePooling1D',
  build: (L, tf) => seq(tf, 'sequential', [12], [L.embedding({inputDim: 40, outputDim: 8, maskZero: true, name: 'embedding'}),
    L.spatialDropout1d({rate: 0.2, name: 'spatial_dropout1d'}),
    L.bidirectional({layer: rec('lstm', {units: 5, returnSequences: true, name: 'lstm'})(L), name: 'bidirectional'}),
    L.globalAveragePooling1d({name: 'global_average_pooling1d'}), L.dense({units: 4, activation: 'relu', name: 'dense'}),
    L.dropout({rate: 0.5, name: 'dropout'}), L.dense({units: 3, activation: 'softmax', name: 'dense_1'})])});

// ---------------------------------------------------------------- bundled examples (examples/models)
add({name: 'example_mnist_cnn', description: 'MNIST-like CNN for the README demo.', batch: 1, example: {file: 'mnist_cnn.h5', format: 'h5'},
  compiled: true, inputs: [{lo: 0, hi: 1}],
  build: (L, tf) => seq(tf, 'mnist_cnn', [28, 28, 1], [
    L.conv2d({filters: 16, kernelSize: 3, activation: 'relu', name: 'conv2d'}),
    L.maxPooling2d({poolSize: 2, name: 'max_pooling2d'}),
    L.conv2d({filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2d_1'}),
    L.maxPooling2d({poolSize: 2, name: 'max_pooling2d_1'}),
    L.flatten({name: 'flatten'}),
    L.dropout({rate: 0.25, name: 'dropout'}),
    L.dense({units: 128, activation: 'relu', name: 'dense'}),
    L.dense({units: 10, activation: 'softmax', name: 'dense_1'})])});
add({name: 'example_mlp', description: 'MLP classifier (784-128-64-10) for the README demo.', batch: 1, example: {file: 'mlp.keras', format: 'keras'},
  compiled: true, inputs: [{lo: 0, hi: 1}],
  build: (L, tf) => seq(tf, 'mlp', [784], [
    L.dense({units: 128, activation: 'relu', name: 'dense'}),
    L.dense({units: 64, activation: 'relu', name: 'dense_1'}),
    L.dense({units: 10, activation: 'softmax', name: 'dense_2'})])});

module.exports = {CASES};

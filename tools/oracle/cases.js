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
//     loaders, present in real files),
//   policy?/policyOverrides?/weightDtype?: dtype policies and 16-bit weights (see README),
//   k2Formats?/k2FormatsReason?: write only these Keras-2 formats ('h5', 'json', 'savedmodel').}
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
add({name: 'dense_one_row', description: 'Batch 1 through Dense layers wide enough for packed weights, which a one-row product reads on the packed GEMM (kernels/gemm.h) instead of the oneDNN primitive: 40 inputs (rows padded to 48 in the packed layout) to 72 relu (a last panel of 8 columns); 72 to 48 tanh without bias.', batch: 1,
  build: (L, tf) => seq(tf, 'sequential', [40], [
    L.dense({units: 72, activation: 'relu', name: 'dense'}),
    L.dense({units: 48, activation: 'tanh', useBias: false, name: 'dense_1'})])});
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

// ---------------------------------------------------------------- 3D, transposed and 1D depthwise/separable convolutions
add({name: 'conv3d', batch: 2, description: 'Conv3D: 3x3x3 valid (conv3d); (3,2,2) kernel, strides 2, same, relu (conv3d_same_stride2); dilation 2 valid, no bias (conv3d_dilation).',
  build: (L, tf) => branches(tf, L, 'model', [5, 6, 5, 2], [
    L.conv3d({filters: 3, kernelSize: 3, name: 'conv3d'}),
    L.conv3d({filters: 2, kernelSize: [3, 2, 2], strides: 2, padding: 'same', activation: 'relu', name: 'conv3d_same_stride2'}),
    L.conv3d({filters: 2, kernelSize: 2, dilationRate: 2, useBias: false, name: 'conv3d_dilation'})])});
add({name: 'conv3d_channels_first', batch: 1, description: 'Conv3D channels_first (input (channels, d1, d2, d3)), kernel 2, same, tanh.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 4, 5, 3], (x) => L.conv3d({filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh', dataFormat: 'channelsFirst', name: 'conv3d'}).apply(x))});
add({name: 'conv2d_transpose', batch: 3, description: 'Conv2DTranspose: 3x3 valid (conv2d_transpose); 3x3 strides 2 same relu (conv2d_transpose_same_stride2); (2,3) kernel strides (2,1) valid, no bias (conv2d_transpose_valid_stride2).',
  build: (L, tf) => branches(tf, L, 'model', [4, 5, 2], [
    L.conv2dTranspose({filters: 3, kernelSize: 3, name: 'conv2d_transpose'}),
    L.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv2d_transpose_same_stride2'}),
    L.conv2dTranspose({filters: 2, kernelSize: [2, 3], strides: [2, 1], useBias: false, name: 'conv2d_transpose_valid_stride2'})])});
add({name: 'conv2d_transpose_channels_first', batch: 2, description: 'Conv2DTranspose channels_first, kernel 3, strides 2, same.',
  build: (L, tf) => fn1(tf, L, 'model', [2, 3, 4], (x) => L.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsFirst', name: 'conv2d_transpose'}).apply(x))});
add({name: 'conv3d_transpose', batch: 2, description: 'Conv3DTranspose: kernel 3, strides 2, same (conv3d_transpose); kernel (2,3,2) valid relu (conv3d_transpose_1).',
  build: (L, tf) => branches(tf, L, 'model', [3, 4, 3, 2], [
    L.conv3dTranspose({filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'conv3d_transpose'}),
    L.conv3dTranspose({filters: 3, kernelSize: [2, 3, 2], activation: 'relu', name: 'conv3d_transpose_1'})])});

// Layers tfjs lacks (or options it lacks): each branch is a linear Activation stand-in named as the
// real layer, patched into it: [name, Keras class, config, weights].
const npBranches = (name, batch, inShape, specs, description, extra = {}) => add(Object.assign({name, batch, description,
  patch: Object.assign({'@class': Object.fromEntries(specs.map(([n, cls]) => [n, cls]))},
    Object.fromEntries(specs.map(([n, , cfg]) => [n, cfg]))),
  weightShapes: Object.fromEntries(specs.filter((sp) => sp[3]).map(([n, , , w]) => [n, w])),
  build: (L, tf) => branches(tf, L, 'model', inShape, specs.map(([n]) => L.activation({activation: 'linear', name: n})))}, extra));
const NO_OP_K3 = {k3: null, skipK3: 'Keras 3.12 BaseConvTranspose.get_config does not save output_padding (keras-team/keras#23014), so no Keras 3 file can carry it'};
npBranches('conv1d_transpose', 3, [6, 3], [
  ['conv1d_transpose', 'Conv1DTranspose', {filters: 2, kernel_size: [3], strides: [1], padding: 'valid'}, [['kernel', [3, 2, 3]], ['bias', [2]]]],
  ['conv1d_transpose_1', 'Conv1DTranspose', {filters: 3, kernel_size: [4], strides: [2], padding: 'same', activation: 'relu'}, [['kernel', [4, 3, 3]], ['bias', [3]]]],
  ['conv1d_transpose_2', 'Conv1DTranspose', {filters: 2, kernel_size: [3], strides: [2], padding: 'valid', use_bias: false}, [['kernel', [3, 2, 3]]]],
  ['conv1d_transpose_3', 'Conv1DTranspose', {filters: 2, kernel_size: [3], dilation_rate: [2], padding: 'same'}, [['kernel', [3, 2, 3]], ['bias', [2]]]]],
'Conv1DTranspose: kernel 3 valid (conv1d_transpose); kernel 4 strides 2 same relu (conv1d_transpose_1); kernel 3 strides 2 valid no bias (conv1d_transpose_2); dilation 2 same (conv1d_transpose_3) (numpy: tfjs has no Conv1DTranspose).',
{numpyReference: 'tfjs has no Conv1DTranspose'});
npBranches('conv_transpose_output_padding', 2, [4, 3, 2], [
  ['conv2d_transpose', 'Conv2DTranspose', {filters: 2, kernel_size: [3, 3], strides: [2, 2], padding: 'same', output_padding: [0, 1]}, [['kernel', [3, 3, 2, 2]], ['bias', [2]]]],
  ['conv2d_transpose_1', 'Conv2DTranspose', {filters: 3, kernel_size: [3, 2], strides: [3, 2], padding: 'valid', output_padding: [2, 1], activation: 'relu'}, [['kernel', [3, 2, 3, 2]], ['bias', [3]]]],
  ['conv2d_transpose_2', 'Conv2DTranspose', {filters: 2, kernel_size: [3, 3], strides: [2, 2], padding: 'same', output_padding: [0, 0], use_bias: false}, [['kernel', [3, 3, 2, 2]]]],
  ['conv2d_transpose_3', 'Conv2DTranspose', {filters: 2, kernel_size: [3, 3], dilation_rate: [2, 2], padding: 'valid'}, [['kernel', [3, 3, 2, 2]], ['bias', [2]]]]],
'Conv2DTranspose output_padding: same strides 2 output_padding (0, 1) (conv2d_transpose); valid strides (3, 2) output_padding (2, 1) relu (conv2d_transpose_1); same kernel 3 strides 2 output_padding (0, 0) (odd sizes, unlike None), no bias (conv2d_transpose_2); dilation 2 valid (conv2d_transpose_3) (numpy: tfjs Conv2DTranspose has neither output_padding nor dilation).',
Object.assign({numpyReference: 'tfjs Conv2DTranspose has no output_padding and no dilation'}, NO_OP_K3));
npBranches('conv_transpose_output_padding_1d_3d', 1, [3, 4, 3, 2], [
  ['conv3d_transpose', 'Conv3DTranspose', {filters: 2, kernel_size: [3, 3, 2], strides: [2, 2, 2], padding: 'same', output_padding: [0, 0, 1]}, [['kernel', [3, 3, 2, 2, 2]], ['bias', [2]]]],
  ['conv3d_transpose_1', 'Conv3DTranspose', {filters: 2, kernel_size: [2, 2, 2], strides: [2, 1, 2], padding: 'same', data_format: 'channels_first', activation: 'tanh'}, [['kernel', [2, 2, 2, 2, 3]], ['bias', [2]]]]],
'Conv3DTranspose kernel (3, 3, 2) same strides 2 output_padding (0, 0, 1) (conv3d_transpose); channels_first (input (3, 4, 3, 2)), strides (2, 1, 2), same, tanh (conv3d_transpose_1) (numpy: tfjs Conv3DTranspose has no output_padding and no channels_first on cpu).',
Object.assign({numpyReference: 'tfjs Conv3DTranspose has no output_padding'}, NO_OP_K3));
npBranches('conv1d_transpose_output_padding', 4, [5, 2], [
  ['conv1d_transpose', 'Conv1DTranspose', {filters: 3, kernel_size: [3], strides: [3], padding: 'valid', output_padding: [2]}, [['kernel', [3, 3, 2]], ['bias', [3]]]],
  ['conv1d_transpose_1', 'Conv1DTranspose', {filters: 2, kernel_size: [3], strides: [2], padding: 'same', output_padding: [0]}, [['kernel', [3, 2, 2]], ['bias', [2]]]],
  ['conv1d_transpose_2', 'Conv1DTranspose', {filters: 2, kernel_size: [3], strides: [2], padding: 'same', data_format: 'channels_first'}, [['kernel', [3, 2, 5]], ['bias', [2]]]]],
'Conv1DTranspose valid strides 3 output_padding 2 (conv1d_transpose); same kernel 3 strides 2 output_padding 0 (conv1d_transpose_1); channels_first (input (5, 2)) same strides 2 (conv1d_transpose_2) (numpy: tfjs has no Conv1DTranspose).',
Object.assign({numpyReference: 'tfjs has no Conv1DTranspose'}, NO_OP_K3));
npBranches('depthwise_conv1d', 3, [9, 3], [
  ['depthwise_conv1d', 'DepthwiseConv1D', {kernel_size: [3], depth_multiplier: 2}, [['depthwise_kernel', [3, 3, 2]], ['bias', [6]]]],
  ['depthwise_conv1d_1', 'DepthwiseConv1D', {kernel_size: [3], strides: [2], padding: 'same', activation: 'relu', use_bias: false}, [['depthwise_kernel', [3, 3, 1]]]],
  ['depthwise_conv1d_2', 'DepthwiseConv1D', {kernel_size: [2], dilation_rate: [2], padding: 'same', depth_multiplier: 3}, [['depthwise_kernel', [2, 3, 3]], ['bias', [9]]]]],
'DepthwiseConv1D: kernel 3 depth_multiplier 2 valid (depthwise_conv1d); strides 2 same relu no bias (depthwise_conv1d_1); kernel 2 dilation 2 same depth_multiplier 3 (depthwise_conv1d_2) (numpy: tfjs has no DepthwiseConv1D).',
{numpyReference: 'tfjs has no DepthwiseConv1D'});
npBranches('separable_conv1d', 2, [9, 3], [
  ['separable_conv1d', 'SeparableConv1D', {filters: 4, kernel_size: [3], padding: 'same'}, [['depthwise_kernel', [3, 3, 1]], ['pointwise_kernel', [1, 3, 4]], ['bias', [4]]]],
  ['separable_conv1d_1', 'SeparableConv1D', {filters: 2, kernel_size: [3], depth_multiplier: 2, strides: [2], activation: 'relu', use_bias: false}, [['depthwise_kernel', [3, 3, 2]], ['pointwise_kernel', [1, 6, 2]]]],
  ['separable_conv1d_2', 'SeparableConv1D', {filters: 3, kernel_size: [2], dilation_rate: [2], depth_multiplier: 2}, [['depthwise_kernel', [2, 3, 2]], ['pointwise_kernel', [1, 6, 3]], ['bias', [3]]]]],
'SeparableConv1D: kernel 3 same (separable_conv1d); depth_multiplier 2 strides 2 valid relu no bias (separable_conv1d_1); kernel 2 dilation 2 depth_multiplier 2 (separable_conv1d_2) (numpy: tfjs has no SeparableConv1D).',
{numpyReference: 'tfjs has no SeparableConv1D'});

// ---------------------------------------------------------------- LocallyConnected1D/2D (tf.keras 2 only)
// Stand-ins: convolutions with the same window; the weights are the locally connected layer's, in
// the layout of each `implementation` (1: (positions, patch, filters), 2: dense (input, output) with
// the spatial axes split, 3: the window entries only).
const LC = {numpyReference: 'tfjs has no LocallyConnected1D/2D', k3: null, skipK3: 'Keras 3 removed LocallyConnected1D/2D'};
const lcCase = (name, nd, inShape, specs, description, batch) => add(Object.assign({name, batch, description,
  patch: Object.assign({'@class': Object.fromEntries(specs.map((sp) => [sp.name, `LocallyConnected${nd}D`]))},
    Object.fromEntries(specs.map((sp) => [sp.name, sp.patch]))),
  weightShapes: Object.fromEntries(specs.map((sp) => [sp.name, sp.weights])),
  build: (L, tf) => branches(tf, L, 'model', inShape, specs.map((sp) =>
    (nd === 1 ? L.conv1d : L.conv2d)(Object.assign({name: sp.name}, sp.layer))))}, LC));
lcCase('locally_connected1d', 1, [7, 3], [
  {name: 'locally_connected1d', layer: {filters: 4, kernelSize: 3, activation: 'relu'}, patch: {},
    weights: [['kernel', [5, 9, 4]], ['bias', [5, 4]]]},
  {name: 'locally_connected1d_1', layer: {filters: 2, kernelSize: 2, strides: 2}, patch: {implementation: 2},
    weights: [['kernel', [7, 3, 3, 2]], ['bias', [3, 2]]]},
  {name: 'locally_connected1d_2', layer: {filters: 3, kernelSize: 3, strides: 2, useBias: false, activation: 'tanh'},
    patch: {implementation: 3}, weights: [['kernel', [81]]]}],
'LocallyConnected1D: kernel 3, relu, implementation 1 (locally_connected1d); kernel 2, stride 2, implementation 2 (locally_connected1d_1); kernel 3, stride 2, no bias, tanh, implementation 3 (locally_connected1d_2).', 3);
lcCase('locally_connected1d_channels_first', 1, [3, 7], [
  {name: 'locally_connected1d', layer: {filters: 2, kernelSize: 3}, patch: {data_format: 'channels_first'},
    weights: [['kernel', [5, 9, 2]], ['bias', [5, 2]]]},
  {name: 'locally_connected1d_1', layer: {filters: 2, kernelSize: 2, strides: 2},
    patch: {data_format: 'channels_first', implementation: 2}, weights: [['kernel', [3, 7, 2, 3]], ['bias', [3, 2]]]},
  {name: 'locally_connected1d_2', layer: {filters: 3, kernelSize: 3, strides: 2},
    patch: {data_format: 'channels_first', implementation: 3}, weights: [['kernel', [81]], ['bias', [3, 3]]]}],
'LocallyConnected1D channels_first (input (channels, steps)), implementations 1, 2, 3; the (steps, filters) bias is reshaped, not transposed, onto the (filters, steps) output as tf.keras backend.bias_add does.', 2);
lcCase('locally_connected2d', 2, [5, 6, 2], [
  {name: 'locally_connected2d', layer: {filters: 3, kernelSize: [2, 3], strides: [1, 2], activation: 'relu'}, patch: {},
    weights: [['kernel', [8, 12, 3]], ['bias', [4, 2, 3]]]},
  {name: 'locally_connected2d_1', layer: {filters: 2, kernelSize: 2, strides: 2}, patch: {implementation: 2},
    weights: [['kernel', [5, 6, 2, 2, 3, 2]], ['bias', [2, 3, 2]]]},
  {name: 'locally_connected2d_2', layer: {filters: 2, kernelSize: 3, activation: 'tanh'}, patch: {implementation: 3},
    weights: [['kernel', [432]], ['bias', [3, 4, 2]]]}],
'LocallyConnected2D: (2,3) kernel, strides (1,2), relu, implementation 1 (locally_connected2d); 2x2 stride 2, implementation 2 (locally_connected2d_1); 3x3, tanh, implementation 3 (locally_connected2d_2).', 2);
lcCase('locally_connected2d_channels_first', 2, [2, 5, 4], [
  {name: 'locally_connected2d', layer: {dataFormat: 'channelsFirst', filters: 3, kernelSize: 2}, patch: {data_format: 'channels_first'},
    weights: [['kernel', [12, 8, 3]], ['bias', [4, 3, 3]]]},
  {name: 'locally_connected2d_1', layer: {dataFormat: 'channelsFirst', filters: 2, kernelSize: [3, 2], strides: [2, 1]},
    patch: {data_format: 'channels_first', implementation: 2}, weights: [['kernel', [2, 5, 4, 2, 2, 3]], ['bias', [2, 3, 2]]]},
  {name: 'locally_connected2d_2', layer: {dataFormat: 'channelsFirst', filters: 2, kernelSize: 2, strides: 2, useBias: false},
    patch: {data_format: 'channels_first', implementation: 3}, weights: [['kernel', [64]]]}],
'LocallyConnected2D channels_first (input (channels, rows, cols)), implementations 1, 2, 3; the bias is reshaped, not transposed, as tf.keras backend.bias_add does.', 3);

// ---------------------------------------------------------------- SpectralNormalization (Keras 3 only)
// Stand-in: the wrapped layer, named as the wrapper; `@wrap` moves it inside the wrapper.
const SN = {numpyReference: 'tfjs has no SpectralNormalization', k2: null,
  skipK2: 'SpectralNormalization is a Keras 3 layer (tf.keras 2 has it only in tensorflow_addons)'};
add(Object.assign({name: 'spectral_normalization_dense', batch: 2,
  description: 'SpectralNormalization(Dense(4, relu)) then Dense(3): at inference the wrapped layer runs on its stored kernel and vector_u is not read; in .keras the wrapper\'s own vars hold the kernel again and vector_u, the following Dense is key dense, name dense_1.',
  patch: {'@wrap': {spectral_normalization: {class_name: 'SpectralNormalization', inner: 'dense', config: {power_iterations: 1}}}},
  weightShapes: {spectral_normalization: [['kernel', [6, 4]], ['bias', [4]], ['vector_u', [1, 4]]]},
  build: (L, tf) => seq(tf, 'sequential', [6], [
    L.dense({units: 4, activation: 'relu', name: 'spectral_normalization'}),
    L.dense({units: 3, name: 'dense_1'})])}, SN));
add(Object.assign({name: 'spectral_normalization_conv2d', batch: 3,
  description: 'SpectralNormalization(Conv2D(3, 3x3, same), power_iterations=2) in a functional model.',
  patch: {'@wrap': {spectral_normalization: {class_name: 'SpectralNormalization', inner: 'conv2d', config: {power_iterations: 2}}}},
  weightShapes: {spectral_normalization: [['kernel', [3, 3, 2, 3]], ['bias', [3]], ['vector_u', [1, 3]]]},
  build: (L, tf) => fn1(tf, L, 'model', [5, 5, 2], (x) =>
    L.conv2d({filters: 3, kernelSize: 3, padding: 'same', name: 'spectral_normalization'}).apply(x))}, SN));
add(Object.assign({name: 'spectral_normalization_frozen', batch: 2,
  description: 'A frozen SpectralNormalization(Dense(3)) (trainable=False): the legacy .h5 lists the wrapper\'s weights as Keras\'s `weights` orders them (kernel, vector_u, bias) instead of kernel, bias, vector_u.',
  patch: {'@wrap': {spectral_normalization: {class_name: 'SpectralNormalization', inner: 'dense', config: {power_iterations: 1}}}},
  weightShapes: {spectral_normalization: [['kernel', [4, 3]], ['bias', [3]], ['vector_u', [1, 3]]]},
  build: (L, tf) => seq(tf, 'sequential', [4], [
    L.dense({units: 3, name: 'spectral_normalization', trainable: false}),
    L.dense({units: 2, name: 'dense_1'})])}, SN));

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

add({name: 'pooling3d', batch: 2, description: 'MaxPooling3D / AveragePooling3D: 2x2x2 valid; pool 3 strides (2,1,2) same; pool (2,3,2) strides (1,2,1) valid; pool 3 stride 2 same (average divides by the real elements).',
  build: (L, tf) => branches(tf, L, 'model', [5, 6, 4, 2], [
    L.maxPooling3d({poolSize: 2, name: 'max_pooling3d'}),
    L.maxPooling3d({poolSize: 3, strides: [2, 1, 2], padding: 'same', name: 'max_pooling3d_same'}),
    L.averagePooling3d({poolSize: [2, 3, 2], strides: [1, 2, 1], name: 'average_pooling3d'}),
    L.averagePooling3d({poolSize: 3, strides: 2, padding: 'same', name: 'average_pooling3d_same'})])});
add({name: 'pooling3d_channels_first', batch: 1, description: 'MaxPooling3D 2x2x2 valid and AveragePooling3D 2x2x2 same on channels_first input.',
  build: (L, tf) => branches(tf, L, 'model', [2, 4, 5, 3], [
    L.maxPooling3d({poolSize: 2, dataFormat: 'channelsFirst', name: 'max_pooling3d'}),
    L.averagePooling3d({poolSize: 2, padding: 'same', dataFormat: 'channelsFirst', name: 'average_pooling3d'})])});
npBranches('global_pooling3d', 3, [3, 4, 2, 5], [
  ['global_average_pooling3d', 'GlobalAveragePooling3D', {}],
  ['global_max_pooling3d', 'GlobalMaxPooling3D', {}],
  ['global_average_pooling3d_cf', 'GlobalAveragePooling3D', {data_format: 'channels_first'}],
  ['global_max_pooling3d_cf_keepdims', 'GlobalMaxPooling3D', {data_format: 'channels_first', keepdims: true}]],
'GlobalAveragePooling3D and GlobalMaxPooling3D, channels_last and channels_first, keepdims (numpy: tfjs has no GlobalPooling3D).',
{numpyReference: 'tfjs has no GlobalAveragePooling3D/GlobalMaxPooling3D'});

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

npBranches('padding_cropping_upsampling1d', 2, [7, 3], [
  ['zero_padding1d', 'ZeroPadding1D', {padding: [1, 1]}],
  ['zero_padding1d_1', 'ZeroPadding1D', {padding: [2, 0]}],
  ['cropping1d', 'Cropping1D', {cropping: [1, 2]}],
  ['cropping1d_1', 'Cropping1D', {cropping: [0, 3]}],
  ['up_sampling1d', 'UpSampling1D', {size: 2}],
  ['up_sampling1d_1', 'UpSampling1D', {size: 3}]],
'ZeroPadding1D 1 and (2, 0); Cropping1D (1, 2) and (0, 3); UpSampling1D 2 and 3 (numpy: tfjs has none of these layers).',
{numpyReference: 'tfjs has no ZeroPadding1D, Cropping1D or UpSampling1D'});
npBranches('padding_cropping_upsampling3d', 1, [4, 5, 3, 2], [
  ['zero_padding3d', 'ZeroPadding3D', {padding: [[1, 1], [2, 2], [1, 1]]}],
  ['zero_padding3d_1', 'ZeroPadding3D', {padding: [[0, 1], [1, 0], [2, 1]], data_format: 'channels_first'}],
  ['cropping3d', 'Cropping3D', {cropping: [[1, 0], [2, 1], [0, 1]]}],
  ['cropping3d_1', 'Cropping3D', {cropping: [[1, 1], [0, 2], [1, 0]], data_format: 'channels_first'}],
  ['up_sampling3d', 'UpSampling3D', {size: [2, 1, 3]}],
  ['up_sampling3d_1', 'UpSampling3D', {size: [2, 2, 2], data_format: 'channels_first'}]],
'ZeroPadding3D symmetric (1, 2, 1) and channels_first ((0, 1), (1, 0), (2, 1)); Cropping3D ((1, 0), (2, 1), (0, 1)) and channels_first ((1, 1), (0, 2), (1, 0)); UpSampling3D (2, 1, 3) and channels_first 2 (numpy: tfjs has none of these layers).',
{numpyReference: 'tfjs has no ZeroPadding3D, Cropping3D or UpSampling3D'});

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

// ---------------------------------------------------------------- RNN(cell), StackedRNNCells, initial states
const lstmCell = (L, o) => L.lstmCell(Object.assign({recurrentActivation: 'sigmoid'}, o));
const gruCell = (L, o) => L.gruCell(Object.assign({recurrentActivation: 'sigmoid'}, o));
add({name: 'rnn_cells', batch: 2, description: 'RNN(LSTMCell) last output (rnn); RNN(GRUCell reset_after=False) return_sequences, go_backwards (rnn_1); RNN(SimpleRNNCell) unroll=True (rnn_2).',
  build: (L, tf) => branches(tf, L, 'model', [5, 3], [
    L.rnn({cell: lstmCell(L, {units: 3, name: 'lstm_cell'}), name: 'rnn'}),
    L.rnn({cell: gruCell(L, {units: 2, name: 'gru_cell'}), returnSequences: true, goBackwards: true, name: 'rnn_1'}),
    L.rnn({cell: L.simpleRNNCell({units: 4, name: 'simple_rnn_cell'}), unroll: true, name: 'rnn_2'})])});
const STACKED_STATES = 'tfjs StackedRNNCells orders the states last cell first (as Keras 2.1 did); Keras 2.2+ and 3 keep cell order';
add({name: 'rnn_stacked_cells', batch: 3, description: 'RNN([LSTMCell, GRUCell, SimpleRNNCell]) (StackedRNNCells) with return_sequences and return_state: outputs rnn (sequence), rnn_1, rnn_2 (LSTM h, c), rnn_3 (GRU h), rnn_4 (SimpleRNN h) (numpy: state order).',
  numpyReference: STACKED_STATES,
  build: (L, tf) => {
    const x = L.input({shape: [4, 3], name: 'input_1'});
    const ys = L.rnn({cell: [lstmCell(L, {units: 3, name: 'lstm_cell'}), gruCell(L, {units: 2, name: 'gru_cell'}),
      L.simpleRNNCell({units: 3, name: 'simple_rnn_cell'})], returnSequences: true, returnState: true, name: 'rnn'}).apply(x);
    return tf.model({inputs: x, outputs: ys, name: 'model'});
  }});
add({name: 'rnn_stacked_cells_masked_backwards', description: 'Masking, then RNN(StackedRNNCells([LSTMCell, SimpleRNNCell])) go_backwards, return_sequences on padded sequences.',
  batch: 3, inputs: [{pad: {steps: [[4, 5], [0], []]}}],
  build: (L, tf) => fn1(tf, L, 'model', [6, 3], (x) => L.rnn({cell: [lstmCell(L, {units: 3, name: 'lstm_cell'}),
    L.simpleRNNCell({units: 2, name: 'simple_rnn_cell'})], returnSequences: true, goBackwards: true, name: 'rnn'}).apply(
    L.masking({maskValue: 0, name: 'masking'}).apply(x)))});
add({name: 'rnn_initial_state', batch: 2, description: 'Initial states as model inputs: LSTM(initial_state=[h, c]) return_sequences (lstm); GRU(initial_state=[h]) (gru); RNN(SimpleRNNCell, initial_state=[h]) (rnn). Keras 2 files list the states as extra inputs of the call, Keras 3 files as the initial_state keyword.',
  build: (L, tf) => {
    const x = L.input({shape: [4, 3], name: 'input_1'});
    const h = L.input({shape: [3], name: 'state_h'});
    const c = L.input({shape: [3], name: 'state_c'});
    const a = L.lstm(Object.assign({units: 3, returnSequences: true, name: 'lstm'}, REC)).apply(x, {initialState: [h, c]});
    const b = L.gru(Object.assign({units: 3, name: 'gru'}, REC)).apply(x, {initialState: [h]});
    const r = L.rnn({cell: L.simpleRNNCell({units: 3, name: 'simple_rnn_cell'}), name: 'rnn'}).apply(x, {initialState: [c]});
    return tf.model({inputs: [x, h, c], outputs: [a, b, r], name: 'model'});
  }});
add({name: 'rnn_stacked_initial_state', batch: 3, description: 'RNN(StackedRNNCells([LSTMCell, GRUCell]), initial_state=[h, c, h2]) with return_state: the LSTM cell starts from (h, c), the GRU cell from h2 (numpy: state order).',
  numpyReference: STACKED_STATES,
  build: (L, tf) => {
    const x = L.input({shape: [4, 3], name: 'input_1'});
    const s = ['state_h', 'state_c', 'state_h2'].map((n) => L.input({shape: [3], name: n}));
    const ys = L.rnn({cell: [lstmCell(L, {units: 3, name: 'lstm_cell'}), gruCell(L, {units: 3, name: 'gru_cell'})], returnState: true,
      name: 'rnn'}).apply(x, {initialState: s});
    return tf.model({inputs: [x, ...s], outputs: ys, name: 'model'});
  }});
add({name: 'bidirectional_initial_state', batch: 2, description: 'Bidirectional(LSTM, return_sequences) with initial_state=[h_fw, c_fw, h_bw, c_bw] as model inputs: the first half goes to the forward layer.',
  build: (L, tf) => {
    const x = L.input({shape: [4, 3], name: 'input_1'});
    const s = ['h_fw', 'c_fw', 'h_bw', 'c_bw'].map((n) => L.input({shape: [2], name: n}));
    const y = L.bidirectional({layer: L.lstm(Object.assign({units: 2, returnSequences: true, name: 'lstm'}, REC)), name: 'bidirectional'})
        .apply(x, {initialState: s});
    return tf.model({inputs: [x, ...s], outputs: y, name: 'model'});
  }});

add({name: 'cudnn_rnn_k2', batch: 3, description: 'CuDNNLSTM return_sequences (cu_dnnlstm); CuDNNGRU go_backwards, return_state (cu_dnngru, cu_dnngru_1) in Keras 2 files: weights in the cuDNN layout (numpy: tfjs has no CuDNN layers).',
  k2: '2.2.4-tf', k3: null, skipK3: 'CuDNNLSTM and CuDNNGRU do not exist in Keras 3',
  numpyReference: 'tfjs has no CuDNN layers',
  patch: {'@class': {cu_dnnlstm: 'CuDNNLSTM', cu_dnngru: 'CuDNNGRU'}},
  weightShapes: {cu_dnnlstm: [['kernel', [5, 12]], ['recurrent_kernel', [3, 12]], ['bias', [24]]],
    cu_dnngru: [['kernel', [5, 6]], ['recurrent_kernel', [2, 6]], ['bias', [12]]]},
  build: (L, tf) => {
    const x = L.input({shape: [4, 5], name: 'input_1'});
    const a = L.lstm(Object.assign({units: 3, returnSequences: true, name: 'cu_dnnlstm'}, REC)).apply(x);
    const b = L.gru(Object.assign({units: 2, goBackwards: true, returnState: true, name: 'cu_dnngru'}, REC)).apply(x);
    return tf.model({inputs: x, outputs: [a, ...b], name: 'model'});
  }});

// ---------------------------------------------------------------- convolutional LSTMs
// Keras config of a ConvLSTM the numpy reference computes (tfjs has ConvLSTM2D only); the tfjs
// stand-in is a linear Activation with the same name, patched into the real class.
const convLstmPatch = (cls, nd, opts) => Object.assign({
  filters: 2, kernel_size: Array(nd).fill(3), strides: Array(nd).fill(1), padding: 'valid',
  data_format: 'channels_last', dilation_rate: Array(nd).fill(1), activation: 'tanh',
  recurrent_activation: 'sigmoid', use_bias: true, return_sequences: false, return_state: false,
  go_backwards: false}, opts);
add({name: 'conv_lstm2d', batch: 2, description: 'ConvLSTM2D: padding same, last output (conv_lstm2d); padding valid, strides 2, return_sequences, return_state, go_backwards (outputs conv_lstm2d_1, conv_lstm2d_1_1 (h), conv_lstm2d_1_2 (c)).',
  build: (L, tf) => {
    const x = L.input({shape: [3, 5, 6, 2], name: 'input_1'});
    const a = L.convLstm2d(Object.assign({filters: 3, kernelSize: 3, padding: 'same', name: 'conv_lstm2d'}, REC)).apply(x);
    const b = L.convLstm2d(Object.assign({filters: 2, kernelSize: [2, 3], strides: 2, returnSequences: true, returnState: true,
      goBackwards: true, name: 'conv_lstm2d_1'}, REC)).apply(x);
    return tf.model({inputs: x, outputs: [a, ...b], name: 'model'});
  }});
add({name: 'conv_lstm2d_dilation_no_bias', batch: 1, description: 'ConvLSTM2D dilation_rate 2, use_bias=False, relu activation, return_sequences, then a ConvLSTM2D with the tf.keras 2 default recurrent_activation hard_sigmoid (Keras 2 meaning).',
  k3: null, skipK3: 'hard_sigmoid means relu6(x+3)/6 in Keras 3',
  build: (L, tf) => seq(tf, 'sequential', [4, 7, 6, 2], [
    L.convLstm2d(Object.assign({filters: 2, kernelSize: 3, dilationRate: 2, useBias: false, activation: 'relu', returnSequences: true,
      name: 'conv_lstm2d'}, REC)),
    L.convLstm2d({filters: 3, kernelSize: 2, padding: 'same', recurrentActivation: 'hardSigmoid', name: 'conv_lstm2d_1'})])});
add({name: 'conv_lstm2d_channels_first', batch: 2, description: 'ConvLSTM2D data_format channels_first (input (time, channels, rows, cols)), padding same, even kernel, return_sequences and return_state (outputs conv_lstm2d, conv_lstm2d_1 (h), conv_lstm2d_2 (c)) (numpy: tfjs conv2d has no NCHW on cpu).',
  numpyReference: 'the tfjs cpu conv2d has no NCHW data format',
  patch: {'@class': {conv_lstm2d: 'ConvLSTM2D'}, conv_lstm2d: convLstmPatch('ConvLSTM2D', 2, {filters: 3, kernel_size: [2, 2], padding: 'same',
    data_format: 'channels_first', return_sequences: true, return_state: true})},
  weightShapes: {conv_lstm2d: [['kernel', [2, 2, 2, 12]], ['recurrent_kernel', [2, 2, 3, 12]], ['bias', [12]]]},
  // stand-in: a channels_last tfjs ConvLSTM2D with the same outputs (h and c as extra outputs)
  build: (L, tf) => {
    const x = L.input({shape: [3, 2, 4, 5], name: 'input_1'});
    const ys = L.convLstm2d({filters: 3, kernelSize: 1, returnSequences: true, returnState: true, name: 'conv_lstm2d'}).apply(x);
    return tf.model({inputs: x, outputs: ys, name: 'model'});
  }});
add({name: 'conv_lstm1d', batch: 3, description: 'ConvLSTM1D: padding same, strides 2, return_sequences, go_backwards (numpy: tfjs has no ConvLSTM1D).',
  numpyReference: 'tfjs has no ConvLSTM1D',
  patch: {'@class': {conv_lstm1d: 'ConvLSTM1D'}, conv_lstm1d: convLstmPatch('ConvLSTM1D', 1, {filters: 3, padding: 'same', strides: [2],
    return_sequences: true, go_backwards: true})},
  weightShapes: {conv_lstm1d: [['kernel', [3, 2, 12]], ['recurrent_kernel', [3, 3, 12]], ['bias', [12]]]},
  build: (L, tf) => fn1(tf, L, 'model', [4, 7, 2], (x) => L.activation({activation: 'linear', name: 'conv_lstm1d'}).apply(x))});
add({name: 'conv_lstm1d_channels_first_dilation', batch: 2, description: 'ConvLSTM1D channels_first, dilation 2, last output (numpy: tfjs has no ConvLSTM1D).',
  numpyReference: 'tfjs has no ConvLSTM1D',
  patch: {'@class': {conv_lstm1d: 'ConvLSTM1D'}, conv_lstm1d: convLstmPatch('ConvLSTM1D', 1, {filters: 2, kernel_size: [2],
    dilation_rate: [2], data_format: 'channels_first'})},
  weightShapes: {conv_lstm1d: [['kernel', [2, 3, 8]], ['recurrent_kernel', [2, 2, 8]], ['bias', [8]]]},
  build: (L, tf) => fn1(tf, L, 'model', [3, 3, 6], (x) => L.activation({activation: 'linear', name: 'conv_lstm1d'}).apply(x))});
add({name: 'conv_lstm3d', batch: 1, description: 'ConvLSTM3D: padding same, kernel (2, 3, 2), return_sequences (numpy: tfjs has no ConvLSTM3D).',
  numpyReference: 'tfjs has no ConvLSTM3D',
  patch: {'@class': {conv_lstm3d: 'ConvLSTM3D'}, conv_lstm3d: convLstmPatch('ConvLSTM3D', 3, {filters: 2, kernel_size: [2, 3, 2],
    padding: 'same', return_sequences: true})},
  weightShapes: {conv_lstm3d: [['kernel', [2, 3, 2, 2, 8]], ['recurrent_kernel', [2, 3, 2, 2, 8]], ['bias', [8]]]},
  build: (L, tf) => fn1(tf, L, 'model', [3, 3, 4, 3, 2], (x) => L.activation({activation: 'linear', name: 'conv_lstm3d'}).apply(x))});
add({name: 'bidirectional_conv_lstm2d', batch: 2, description: 'Bidirectional(ConvLSTM2D, return_sequences) merge concat, as in the real tf.keras files.',
  build: (L, tf) => fn1(tf, L, 'model', [3, 5, 5, 2], (x) => L.bidirectional({layer: L.convLstm2d(Object.assign({filters: 2, kernelSize: 3,
    padding: 'same', returnSequences: true, name: 'conv_lstm2d'}, REC)), mergeMode: 'concat', name: 'bidirectional'}).apply(x))});

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
add({name: 'graph_conv_bn_any_size', description: 'Conv2D and DepthwiseConv2D (multiplier 2), each followed by BatchNormalization, on images of any height and width: with no size known at load, the folded BatchNormalization scale reaches the weights when they are laid out for the call\'s shape.',
  batch: 2, inputs: [{shape: [7, 6, 3]}],
  build: (L, tf) => fn1(tf, L, 'model', [null, null, 3], (x) => {
    let h = L.conv2d({filters: 4, kernelSize: 3, padding: 'same', name: 'conv2d'}).apply(x);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.reLU({name: 're_lu'}).apply(h);
    h = L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, useBias: false, name: 'depthwise_conv2d'}).apply(h);
    h = L.batchNormalization({name: 'batch_normalization_1'}).apply(h);
    return L.globalAveragePooling2d({name: 'global_average_pooling2d'}).apply(h);
  })});
add({name: 'graph_conv_transpose_generator', description: 'DCGAN-like generator: Dense, Reshape, Conv2DTranspose (no bias) + BatchNormalization + ReLU; Conv2DTranspose + two BatchNormalizations + LeakyReLU; a residual Conv2DTranspose (stride 1) + Add; channels_first Conv2DTranspose + ReLU + Add (not fused: the result is transposed out of scratch); Conv2DTranspose tanh. Each BatchNormalization, activation and channels_last Add following a transposed convolution is fused into it at load.',
  batch: 2,
  build: (L, tf) => fn1(tf, L, 'model', [5], (x) => {
    let h = L.dense({units: 3 * 3 * 8, name: 'dense'}).apply(x);
    h = L.reshape({targetShape: [3, 3, 8], name: 'reshape'}).apply(h);
    h = L.conv2dTranspose({filters: 6, kernelSize: 4, strides: 2, padding: 'same', useBias: false, name: 'conv2d_transpose'}).apply(h);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.reLU({name: 're_lu'}).apply(h);
    h = L.conv2dTranspose({filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv2d_transpose_1'}).apply(h);
    h = L.batchNormalization({name: 'batch_normalization_1'}).apply(h);
    h = L.batchNormalization({name: 'batch_normalization_2'}).apply(h);
    h = L.leakyReLU({alpha: 0.2, name: 'leaky_re_lu'}).apply(h);
    const r = L.conv2dTranspose({filters: 4, kernelSize: 3, padding: 'same', name: 'conv2d_transpose_2'}).apply(h);
    h = L.add({name: 'add'}).apply([r, h]);
    const p = L.permute({dims: [3, 1, 2], name: 'permute'}).apply(h);
    let c = L.conv2dTranspose({filters: 4, kernelSize: 3, padding: 'same', dataFormat: 'channelsFirst', name: 'conv2d_transpose_3'}).apply(p);
    c = L.reLU({name: 're_lu_1'}).apply(c);
    c = L.add({name: 'add_1'}).apply([c, p]);
    return L.conv2dTranspose({filters: 3, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh', dataFormat: 'channelsFirst', name: 'conv2d_transpose_4'}).apply(c);
  })});
add({name: 'graph_conv_transpose_bn_any_size', description: 'Conv1DTranspose (stride 2) and Conv2DTranspose (no bias) each followed by BatchNormalization, on inputs of any size: with no size known at load, the folded scale reaches the weights when they are laid out for the call\'s shape.',
  batch: 2, inputs: [{shape: [5, 4, 3]}],
  build: (L, tf) => fn1(tf, L, 'model', [null, null, 3], (x) => {
    let h = L.conv2dTranspose({filters: 4, kernelSize: 3, strides: 2, useBias: false, name: 'conv2d_transpose'}).apply(x);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.reLU({name: 're_lu'}).apply(h);
    h = L.conv2dTranspose({filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'same', name: 'conv2d_transpose_1'}).apply(h);
    return L.batchNormalization({name: 'batch_normalization_1'}).apply(h);
  })});
add({name: 'graph_conv_winograd', description: '3x3 stride-1 Conv2Ds large enough to run by Winograd F(2x2, 3x3) (kernels/winograd.h), on a 19x12 image (odd height: the last row of 2x2 tiles is half outside) with 33 channels (two 16-lane vectors and a rest): ZeroPadding2D + valid Conv2D without bias + BatchNormalization + ReLU, 100 filters (padding and scale folded; a last panel of 36 filters); valid Conv2D + tanh to 17x10 with 72 filters (activation applied after the transform; a last panel of 8); a residual Conv2D + Add + LeakyReLU (fused Add and activation). Keras 2 HDF5 only: the weights are large and the kernel does not depend on the format.',
  batch: 2, k2Formats: ['h5'], k2FormatsReason: 'its weights (0.56 MB) are large for a kernel test that no file format changes',
  k3: null, skipK3: 'the kernel does not depend on the file format (see k2Formats)',
  build: (L, tf) => fn1(tf, L, 'model', [19, 12, 33], (x) => {
    let h = L.zeroPadding2d({padding: 1, name: 'zero_padding2d'}).apply(x);
    h = L.conv2d({filters: 100, kernelSize: 3, useBias: false, name: 'conv2d'}).apply(h);
    h = L.batchNormalization({name: 'batch_normalization'}).apply(h);
    h = L.reLU({name: 're_lu'}).apply(h);
    h = L.conv2d({filters: 72, kernelSize: 3, activation: 'tanh', name: 'conv2d_1'}).apply(h);
    const r = L.conv2d({filters: 72, kernelSize: 3, padding: 'same', name: 'conv2d_2'}).apply(h);
    h = L.add({name: 'add'}).apply([r, h]);
    return L.leakyReLU({alpha: 0.1, name: 'leaky_re_lu'}).apply(h);
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
const NO_TFJS_MASKED = 'tfjs has no UnitNormalization, GroupNormalization or Rescaling';
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

add({name: 'mask_through_normalization', description: 'Embedding(mask_zero=True), then UnitNormalization, GroupNormalization(groups=2) and Rescaling(2, offset 0.5), each passing the mask on (supports_masking in Keras 3), into LSTM: masked steps repeat the last unmasked output.',
  batch: 4, inputs: [tokens(12)], numpyReference: NO_TFJS_MASKED,
  k2: null, skipK2: 'tf.keras 2 Rescaling does not support masking: Keras 2 refuses to build this model',
  patch: {'@class': {unit_normalization: 'UnitNormalization', group_normalization: 'GroupNormalization', rescaling: 'Rescaling'},
    unit_normalization: {axis: -1}, group_normalization: {groups: 2}, rescaling: {scale: 2.0, offset: 0.5}},
  weightShapes: {group_normalization: [['gamma', [4]], ['beta', [4]]]},
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => {
    let x = e;
    for (const name of ['unit_normalization', 'group_normalization', 'rescaling']) x = L.activation({activation: 'linear', name}).apply(x);
    return [rec('lstm', {units: 3, returnSequences: true, name: 'lstm'})(L).apply(x)];
  })});

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

// ---------------------------------------------------------------- normalization and preprocessing
// tfjs lacks these layers or computes them otherwise (its Resizing aligns corners, its CenterCrop
// shifts odd crops): numpy_ref_preprocessing.py is the reference, and the models are built from
// Activation('linear') stand-ins patched into the real classes. Integer inputs are float32.
const NO_TFJS = 'tfjs lacks these layers or computes them otherwise';
// One output per [layer name, Keras class, config] spec, each applied to the input.
function preCase(c, inShape, specs) {
  const patch = {'@class': {}};
  for (const [name, cls, cfg] of specs) {
    patch['@class'][name] = cls;
    patch[name] = cfg;
  }
  add(Object.assign({numpyReference: NO_TFJS, patch,
    build: (L, tf) => branches(tf, L, 'model', inShape, specs.map(([name]) => L.activation({activation: 'linear', name})))}, c));
}
preCase({name: 'group_normalization', description: 'GroupNormalization: groups=3 on the last axis (group_normalization); groups=-1, one group per channel, center=False (group_normalization_1); groups=2 on axis 1, epsilon=0.01, scale=False (group_normalization_2).',
  weightShapes: {group_normalization: [['gamma', [6]], ['beta', [6]]], group_normalization_1: [['gamma', [6]]],
    group_normalization_2: [['beta', [4]]]}}, [4, 3, 6], [
  ['group_normalization', 'GroupNormalization', {groups: 3}],
  ['group_normalization_1', 'GroupNormalization', {groups: -1, center: false}],
  ['group_normalization_2', 'GroupNormalization', {groups: 2, axis: 1, epsilon: 0.01, scale: false}]]);
preCase({name: 'unit_normalization', description: 'UnitNormalization over the last axis (unit_normalization) and over axes [1, 2] (unit_normalization_1).'},
  [3, 4], [
  ['unit_normalization', 'UnitNormalization', {axis: -1}],
  ['unit_normalization_1', 'UnitNormalization', {axis: [1, 2]}]]);
preCase({name: 'normalization', description: 'Normalization adapted (mean, variance, count weights): axis -1 (normalization); invert=True (normalization_1); axis None, one scalar mean (normalization_2); axes [1, 2] (normalization_3); mean/variance given in the config as numbers (normalization_4) and as a list over the last axis (normalization_5).',
  weightRanges: {mean: [-1, 1], variance: [0.2, 2.5], count: [7, 7]},
  weightShapes: {normalization: [['mean', [4]], ['variance', [4]], ['count', []]],
    normalization_1: [['mean', [4]], ['variance', [4]], ['count', []]],
    normalization_2: [['mean', []], ['variance', []], ['count', []]],
    normalization_3: [['mean', [3, 4]], ['variance', [3, 4]], ['count', []]]}}, [3, 4], [
  ['normalization', 'Normalization', {axis: [-1]}],
  ['normalization_1', 'Normalization', {axis: [-1], invert: true}],
  ['normalization_2', 'Normalization', {axis: null}],
  ['normalization_3', 'Normalization', {axis: [1, 2]}],
  ['normalization_4', 'Normalization', {axis: [-1], mean: 0.5, variance: 2.0}],
  ['normalization_5', 'Normalization', {axis: [-1], mean: [0.1, -0.2, 0.3, 0.0], variance: [1.0, 0.25, 4.0, 1e-16]}]]);
add({name: 'rescaling', description: 'Rescaling(scale=1/127.5, offset=-1) on pixel values.', inputs: [{lo: 0, hi: 255}],
  build: (L, tf) => fn1(tf, L, 'model', [3, 3, 2], (x) => L.rescaling({scale: 1 / 127.5, offset: -1, name: 'rescaling'}).apply(x))});
preCase({name: 'rescaling_per_channel', description: 'Rescaling with per-channel lists: scale [0.5, 2, -1] and offset [0.1, 0.2, 0.3] (rescaling); scale list, default offset (rescaling_1).'},
  [2, 2, 3], [
  ['rescaling', 'Rescaling', {scale: [0.5, 2.0, -1.0], offset: [0.1, 0.2, 0.3]}],
  ['rescaling_1', 'Rescaling', {scale: [0.25, 1.0, 4.0]}]]);
preCase({name: 'resizing', description: 'Resizing a 5x7 image: bilinear to 8x6 (resizing); nearest to 3x4 (resizing_1); bicubic to 9x10 (resizing_2) and 3x5 (resizing_3); area to 3x4 (resizing_4) and 7x9 (resizing_5); bilinear crop_to_aspect_ratio to 4x4 (resizing_6); nearest upscaling 10x14 (resizing_7).'},
  [5, 7, 2], [
  ['resizing', 'Resizing', {height: 8, width: 6, interpolation: 'bilinear'}],
  ['resizing_1', 'Resizing', {height: 3, width: 4, interpolation: 'nearest'}],
  ['resizing_2', 'Resizing', {height: 9, width: 10, interpolation: 'bicubic'}],
  ['resizing_3', 'Resizing', {height: 3, width: 5, interpolation: 'bicubic'}],
  ['resizing_4', 'Resizing', {height: 3, width: 4, interpolation: 'area'}],
  ['resizing_5', 'Resizing', {height: 7, width: 9, interpolation: 'area'}],
  ['resizing_6', 'Resizing', {height: 4, width: 4, interpolation: 'bilinear', crop_to_aspect_ratio: true}],
  ['resizing_7', 'Resizing', {height: 10, width: 14, interpolation: 'nearest'}]]);
preCase({name: 'resizing_scale_and_translate', batch: 2, description: 'Resizing a 5x7 image with the kernels tf.image.resize runs through ScaleAndTranslate: lanczos3 up to 9x10 (resizing) and down to 3x4 (resizing_1), lanczos5 to 8x5 (resizing_2), gaussian to 4x9 (resizing_3), mitchellcubic to 7x3 (resizing_4).'},
  [5, 7, 2], [
  ['resizing', 'Resizing', {height: 9, width: 10, interpolation: 'lanczos3'}],
  ['resizing_1', 'Resizing', {height: 3, width: 4, interpolation: 'lanczos3'}],
  ['resizing_2', 'Resizing', {height: 8, width: 5, interpolation: 'lanczos5'}],
  ['resizing_3', 'Resizing', {height: 4, width: 9, interpolation: 'gaussian'}],
  ['resizing_4', 'Resizing', {height: 7, width: 3, interpolation: 'mitchellcubic'}]]);
preCase({name: 'up_sampling2d_interpolations', batch: 3, description: 'UpSampling2D size (2, 3) of a 3x4 image with bicubic (up_sampling2d), lanczos3 (up_sampling2d_1) and lanczos5 (up_sampling2d_2) interpolation, and bicubic channels_first (up_sampling2d_3).'},
  [3, 4, 3], [
  ['up_sampling2d', 'UpSampling2D', {size: [2, 3], interpolation: 'bicubic'}],
  ['up_sampling2d_1', 'UpSampling2D', {size: [2, 3], interpolation: 'lanczos3'}],
  ['up_sampling2d_2', 'UpSampling2D', {size: [2, 2], interpolation: 'lanczos5'}],
  ['up_sampling2d_3', 'UpSampling2D', {size: [3, 2], interpolation: 'bicubic', data_format: 'channels_first'}]]);
preCase({name: 'up_sampling2d_tf_keras_interpolations', batch: 2, description: 'UpSampling2D with the interpolations only tf.keras 2 offers: area (up_sampling2d), gaussian (up_sampling2d_1), mitchellcubic (up_sampling2d_2).',
  k3: null, skipK3: 'Keras 3 UpSampling2D accepts only nearest, bilinear, bicubic, lanczos3 and lanczos5'},
  [3, 4, 3], [
  ['up_sampling2d', 'UpSampling2D', {size: [2, 3], interpolation: 'area'}],
  ['up_sampling2d_1', 'UpSampling2D', {size: [2, 2], interpolation: 'gaussian'}],
  ['up_sampling2d_2', 'UpSampling2D', {size: [3, 2], interpolation: 'mitchellcubic'}]]);
preCase({name: 'resizing_keras3', description: 'Keras 3 Resizing options: pad_to_aspect_ratio with fill_value 0.5 to 6x4 (resizing) and 4x12 (resizing_1); channels_first bicubic (resizing_2); channels_first crop_to_aspect_ratio nearest (resizing_3).',
  k2: null, skipK2: 'tf.keras 2 Resizing has neither pad_to_aspect_ratio nor data_format'},
  [4, 5, 6], [
  ['resizing', 'Resizing', {height: 6, width: 4, pad_to_aspect_ratio: true, fill_value: 0.5}],
  ['resizing_1', 'Resizing', {height: 4, width: 12, pad_to_aspect_ratio: true, fill_value: 0.5}],
  ['resizing_2', 'Resizing', {height: 3, width: 7, interpolation: 'bicubic', data_format: 'channels_first'}],
  ['resizing_3', 'Resizing', {height: 2, width: 4, interpolation: 'nearest', crop_to_aspect_ratio: true, data_format: 'channels_first'}]]);
preCase({name: 'center_crop', description: 'CenterCrop of a 6x5 image: 4x3 crops (center_crop), 5x2 crops with odd margins (center_crop_1); 8x4 is taller than the image, so Keras crops to the aspect ratio and resizes bilinearly (center_crop_2).'},
  [6, 5, 2], [
  ['center_crop', 'CenterCrop', {height: 4, width: 3}],
  ['center_crop_1', 'CenterCrop', {height: 5, width: 2}],
  ['center_crop_2', 'CenterCrop', {height: 8, width: 4}]]);
preCase({name: 'random_crop', description: 'RandomCrop at inference crops the largest centred box of the target aspect ratio and resizes it bilinearly: 4x4 of a 6x8 image (random_crop), 3x8 (random_crop_1).',
  k3: '3.3.3'}, [6, 8, 2], [
  ['random_crop', 'RandomCrop', {height: 4, width: 4}],
  ['random_crop_1', 'RandomCrop', {height: 3, width: 8}]]);
preCase({name: 'random_augmentation_identity', description: 'Augmentation layers return their input at inference: RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness.'},
  [4, 4, 3], [
  ['random_flip', 'RandomFlip', {mode: 'horizontal'}],
  ['random_rotation', 'RandomRotation', {factor: 0.2}],
  ['random_zoom', 'RandomZoom', {height_factor: 0.3, width_factor: 0.1}],
  ['random_translation', 'RandomTranslation', {height_factor: 0.2, width_factor: 0.2}],
  ['random_contrast', 'RandomContrast', {factor: 0.5}],
  ['random_brightness', 'RandomBrightness', {factor: 0.3}]]);
preCase({name: 'random_height_width', description: 'RandomHeight and RandomWidth return their input at inference.',
  k3: null, skipK3: 'Keras 3 has no RandomHeight or RandomWidth'}, [4, 4, 3], [
  ['random_height', 'RandomHeight', {factor: 0.2}],
  ['random_width', 'RandomWidth', {factor: 0.2}]]);
const BINS = [-1.0, 0.0, 0.5, 1.5];
preCase({name: 'discretization', description: 'Discretization with bin_boundaries [-1, 0, 0.5, 1.5]: output_mode int (discretization), multi_hot (discretization_1), count (discretization_2); bucket indices are float32.'},
  [5], [
  ['discretization', 'Discretization', {bin_boundaries: BINS}],
  ['discretization_1', 'Discretization', {bin_boundaries: BINS, output_mode: 'multi_hot'}],
  ['discretization_2', 'Discretization', {bin_boundaries: BINS, output_mode: 'count'}]]);
preCase({name: 'discretization_one_hot', description: 'Discretization one_hot of one value per sample (shape (batch, 1) becomes (batch, 5)).'},
  [1], [['discretization', 'Discretization', {bin_boundaries: BINS, output_mode: 'one_hot'}]]);
preCase({name: 'discretization_one_hot_k3', description: 'Keras 3 Discretization one_hot of several values per sample: (batch, 5) becomes (batch, 5, 5).',
  k2: null, skipK2: 'tf.keras 2 one_hot encodes one value per sample only'},
  [5], [['discretization', 'Discretization', {bin_boundaries: BINS, output_mode: 'one_hot'}]]);
preCase({name: 'category_encoding', description: 'CategoryEncoding(num_tokens=6) of integer ids (as float32): multi_hot (category_encoding), count (category_encoding_1).',
  inputs: [{int: 6}]}, [5], [
  ['category_encoding', 'CategoryEncoding', {num_tokens: 6, output_mode: 'multi_hot'}],
  ['category_encoding_1', 'CategoryEncoding', {num_tokens: 6, output_mode: 'count'}]]);
preCase({name: 'category_encoding_one_hot', description: 'CategoryEncoding(num_tokens=7, one_hot) of one id per sample.',
  inputs: [{int: 7}]}, [1], [['category_encoding', 'CategoryEncoding', {num_tokens: 7, output_mode: 'one_hot'}]]);

// ---------------------------------------------------------------- attention (numpy reference)
// tfjs has no EinsumDense, MultiHeadAttention, Attention or AdditiveAttention. A weightless
// stand-in with the real layer's inputs and output shapes takes their place in the tfjs graph;
// the patch gives it the real class, config and call (patch '@call': the names of its inputs
// in order and the call options), weightShapes its weights ('query.kernel' is the kernel of
// MultiHeadAttention's query projection), and numpy_ref.py computes the outputs.
function standIn(tf, name, outShapes) {
  class StandIn extends tf.layers.Layer {
    static get className() { return 'StandIn'; }
    computeOutputShape(inputShape) {
      const batch = Array.isArray(inputShape[0]) ? inputShape[0][0] : inputShape[0];
      const shapes = outShapes.map((s) => [batch].concat(s));
      return shapes.length === 1 ? shapes[0] : shapes;
    }
    call(inputs) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const ys = outShapes.map((s) => tf.zeros([x.shape[0]].concat(s)));
      return ys.length === 1 ? ys[0] : ys;
    }
  }
  return new StandIn({name});
}
const NUMPY_ATTENTION = 'tfjs has no EinsumDense or attention layers';
// MultiHeadAttention weights: query/key/value kernels (dim, heads, depth) and biases, then the
// output projection (heads, value_dim, *output_shape).
function mhaWeights(heads, keyDim, valueDim, dims, outShape, useBias = true) {
  const [dq, dv, dk] = dims;
  const parts = [['query', dq, keyDim], ['key', dk, keyDim], ['value', dv, valueDim]];
  const w = [];
  for (const [p, d, depth] of parts) {
    w.push([`${p}.kernel`, [d, heads, depth]]);
    if (useBias) w.push([`${p}.bias`, [heads, depth]]);
  }
  w.push(['attention_output.kernel', [heads, valueDim].concat(outShape)]);
  if (useBias) w.push(['attention_output.bias', outShape]);
  return w;
}
// The patch making stand-in `name` a MultiHeadAttention; `shapes`: the query, key and value
// input shapes tf.keras 2 records in the config (batch null).
function mhaPatch(name, cfg, shapes, call) {
  const [q, k, v] = shapes.map((s) => [null].concat(s));
  return {'@class': {[name]: 'MultiHeadAttention'}, '@call': {[name]: call},
    [name]: Object.assign({dropout: 0.0, use_bias: true, output_shape: null, attention_axes: [1]}, cfg,
      {query_shape: q, key_shape: k, value_shape: v})};
}
const SELF = {inputs: ['query', 'value'], kwargs: {}};

add({name: 'mha_self_attention', description: 'MultiHeadAttention(num_heads=2, key_dim=4) self-attention mha(x, x) on (5, 8) sequences; dropout 0.1 is identity at inference.',
  batch: 3, numpyReference: NUMPY_ATTENTION,
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 4, value_dim: 4, dropout: 0.1}, [[5, 8], [5, 8], [5, 8]], SELF),
  weightShapes: {multi_head_attention: mhaWeights(2, 4, 4, [8, 8, 8], [8])},
  build: (L, tf) => fn1(tf, L, 'model', [5, 8], (x) => standIn(tf, 'multi_head_attention', [[5, 8]]).apply([x, x]))});
add({name: 'mha_cross_attention_key', description: 'MultiHeadAttention(num_heads=3, key_dim=2, value_dim=5) cross-attention: query (4, 6), value (5, 8) and a separate key (5, 7).',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: mhaPatch('multi_head_attention', {num_heads: 3, key_dim: 2, value_dim: 5}, [[4, 6], [5, 7], [5, 8]],
    {inputs: ['query', 'value', 'key'], kwargs: {}}),
  weightShapes: {multi_head_attention: mhaWeights(3, 2, 5, [6, 8, 7], [6])},
  build: (L, tf) => {
    const q = L.input({shape: [4, 6], name: 'query'});
    const v = L.input({shape: [5, 8], name: 'value'});
    const k = L.input({shape: [5, 7], name: 'key'});
    return tf.model({inputs: [q, v, k], outputs: standIn(tf, 'multi_head_attention', [[4, 6]]).apply([q, v, k]), name: 'model'});
  }});
add({name: 'mha_attention_axes', description: 'MultiHeadAttention on (3, 4, 6) inputs with attention_axes=(1, 2) (multi_head_attention: softmax over both axes), and attention_axes=(1,) with return_attention_scores (multi_head_attention_1, its output and weights: axis 2 is a batch axis for attention).',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: Object.assign(mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3, attention_axes: [1, 2]}, [[3, 4, 6], [3, 4, 6], [3, 4, 6]], SELF),
    (() => { const p = mhaPatch('multi_head_attention_1', {num_heads: 2, key_dim: 3, value_dim: 2, attention_axes: [1]}, [[3, 4, 6], [3, 4, 6], [3, 4, 6]],
      {inputs: ['query', 'value'], kwargs: {return_attention_scores: true}});
    return {'@class': {multi_head_attention: 'MultiHeadAttention', multi_head_attention_1: 'MultiHeadAttention'},
      '@call': {multi_head_attention: SELF, multi_head_attention_1: p['@call'].multi_head_attention_1},
      multi_head_attention_1: p.multi_head_attention_1}; })()),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 3, [6, 6, 6], [6]), multi_head_attention_1: mhaWeights(2, 3, 2, [6, 6, 6], [6])},
  build: (L, tf) => fn1(tf, L, 'model', [3, 4, 6], (x) => [standIn(tf, 'multi_head_attention', [[3, 4, 6]]).apply([x, x])]
    .concat(standIn(tf, 'multi_head_attention_1', [[3, 4, 6], [4, 2, 3, 3]]).apply([x, x])))});
add({name: 'mha_causal', description: 'MultiHeadAttention(num_heads=2, key_dim=3) self-attention with use_causal_mask=True (a call argument: kwargs of the inbound node).',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3}, [[6, 4], [6, 4], [6, 4]],
    {inputs: ['query', 'value'], kwargs: {use_causal_mask: true}}),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 3, [4, 4, 4], [4])},
  build: (L, tf) => fn1(tf, L, 'model', [6, 4], (x) => standIn(tf, 'multi_head_attention', [[6, 4]]).apply([x, x]))});
add({name: 'mha_attention_mask', description: 'MultiHeadAttention(num_heads=2, key_dim=3) cross-attention with an attention_mask input (batch, 4, 5) of 0/1 (a query row masked everywhere gets uniform weights).',
  batch: 3, numpyReference: NUMPY_ATTENTION, inputs: [{}, {}, {int: 2}],
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3}, [[4, 6], [5, 6], [5, 6]],
    {inputs: ['query', 'value', 'attention_mask'], kwargs: {}}),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 3, [6, 6, 6], [6])},
  build: (L, tf) => {
    const q = L.input({shape: [4, 6], name: 'query'});
    const v = L.input({shape: [5, 6], name: 'value'});
    const m = L.input({shape: [4, 5], name: 'attention_mask'});
    return tf.model({inputs: [q, v, m], outputs: standIn(tf, 'multi_head_attention', [[4, 6]]).apply([q, v, m]), name: 'model'});
  }});
add({name: 'mha_return_scores', description: 'MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False) self-attention with return_attention_scores=True: output (multi_head_attention) and weights (batch, heads, T, S).',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3, use_bias: false}, [[5, 4], [5, 4], [5, 4]],
    {inputs: ['query', 'value'], kwargs: {return_attention_scores: true}}),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 3, [4, 4, 4], [4], false)},
  build: (L, tf) => fn1(tf, L, 'model', [5, 4], (x) => standIn(tf, 'multi_head_attention', [[5, 4], [2, 5, 5]]).apply([x, x]))});
add({name: 'mha_masked_query', description: 'Embedding(mask_zero=True) into MultiHeadAttention(num_heads=2, key_dim=3) self-attention: the query and value masks make the attention mask (padded keys get no weight, padded query rows uniform weights); the output keeps the mask, which the LSTM after it reads (lstm).',
  batch: 4, numpyReference: NUMPY_ATTENTION, inputs: [tokens(12)],
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3}, [[7, 4], [7, 4], [7, 4]], SELF),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 3, [4, 4, 4], [4])},
  build: (L, tf) => embedded(tf, L, 7, 12, 4, (e) => {
    const a = standIn(tf, 'multi_head_attention', [[7, 4]]).apply([e, e]);
    return [a, rec('lstm', {units: 3, name: 'lstm'})(L).apply(a)];
  })});
add({name: 'mha_output_shape', description: 'MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=(2, 3)) cross-attention: output (batch, T, 2, 3).',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 3, value_dim: 4, output_shape: [2, 3]}, [[4, 5], [6, 5], [6, 5]], SELF),
  weightShapes: {multi_head_attention: mhaWeights(2, 3, 4, [5, 5, 5], [2, 3])},
  build: (L, tf) => {
    const q = L.input({shape: [4, 5], name: 'query'});
    const v = L.input({shape: [6, 5], name: 'value'});
    return tf.model({inputs: [q, v], outputs: standIn(tf, 'multi_head_attention', [[4, 2, 3]]).apply([q, v]), name: 'model'});
  }});
add({name: 'transformer_encoder', description: 'A Transformer encoder block: token Embedding + position Embedding (Add), MultiHeadAttention(num_heads=2, key_dim=4) self-attention, Add, LayerNormalization, Dense(16, relu), Dense(8), Add, LayerNormalization, GlobalAveragePooling1D, Dense(3, softmax).',
  batch: 3, numpyReference: NUMPY_ATTENTION, inputs: [{int: 20}, {int: 10}],
  patch: mhaPatch('multi_head_attention', {num_heads: 2, key_dim: 4, dropout: 0.1}, [[10, 8], [10, 8], [10, 8]], SELF),
  weightShapes: {multi_head_attention: mhaWeights(2, 4, 4, [8, 8, 8], [8])},
  build: (L, tf) => {
    const tok = L.input({shape: [10], name: 'tokens'});
    const pos = L.input({shape: [10], name: 'positions'});
    const x = L.add({name: 'add'}).apply([L.embedding({inputDim: 20, outputDim: 8, name: 'embedding'}).apply(tok),
      L.embedding({inputDim: 10, outputDim: 8, name: 'embedding_1'}).apply(pos)]);
    const a = standIn(tf, 'multi_head_attention', [[10, 8]]).apply([x, x]);
    const h = L.layerNormalization({epsilon: 1e-6, name: 'layer_normalization'}).apply(L.add({name: 'add_1'}).apply([x, a]));
    const f = L.dense({units: 8, name: 'dense_1'}).apply(L.dense({units: 16, activation: 'relu', name: 'dense'}).apply(h));
    const o = L.layerNormalization({epsilon: 1e-6, name: 'layer_normalization_1'}).apply(L.add({name: 'add_2'}).apply([h, f]));
    const y = L.dense({units: 3, activation: 'softmax', name: 'dense_2'}).apply(L.globalAveragePooling1d({name: 'global_average_pooling1d'}).apply(o));
    return tf.model({inputs: [tok, pos], outputs: y, name: 'model'});
  }});

// EinsumDense: the equations Keras's own layers generate, and ones that need transposes.
const EINSUM = [
  ['einsum_dense', 'abc,cde->abde', [4, 2, 3], 'de', 'linear', [['kernel', [6, 2, 3]], ['bias', [2, 3]]]],
  ['einsum_dense_1', 'abc,cd->abd', [4, 5], 'd', 'relu', [['kernel', [6, 5]], ['bias', [5]]]],
  ['einsum_dense_2', '...b,bc->...c', [5], 'c', 'linear', [['kernel', [6, 5]], ['bias', [5]]]],
  ['einsum_dense_3', 'abc,cd->adb', [5, 4], 'd', 'linear', [['kernel', [6, 5]], ['bias', [5, 1]]]],
  ['einsum_dense_4', 'abc,bd->adc', [3, 6], 'dc', 'tanh', [['kernel', [4, 3]], ['bias', [3, 6]]]],
  ['einsum_dense_5', 'abc,cd->abd', [null, 2], null, 'linear', [['kernel', [6, 2]]]],
];
add({name: 'einsum_dense', description: 'EinsumDense on a (4, 6) input: ' + EINSUM.map((e) => `${e[0]} "${e[1]}" output_shape ${JSON.stringify(e[2])} bias_axes ${e[3]} ${e[4]}`).join('; ') + '.',
  batch: 3, numpyReference: NUMPY_ATTENTION,
  patch: Object.assign({'@class': Object.fromEntries(EINSUM.map((e) => [e[0], 'EinsumDense']))},
    Object.fromEntries(EINSUM.map((e) => [e[0], {equation: e[1], output_shape: e[2], bias_axes: e[3], activation: e[4]}]))),
  weightShapes: Object.fromEntries(EINSUM.map((e) => [e[0], e[5]])),
  build: (L, tf) => fn1(tf, L, 'model', [4, 6], (x) => EINSUM.map((e) => standIn(tf, e[0],
    [e[2].map((d, i) => (d === null ? [4, 6][i] : d))]).apply(x)))});
add({name: 'einsum_dense_2d', description: 'EinsumDense "ab,bc->ac" (output_shape 4, bias_axes c, tanh) on a (6,) input.',
  batch: 2, numpyReference: NUMPY_ATTENTION,
  patch: {'@class': {einsum_dense: 'EinsumDense'}, einsum_dense: {equation: 'ab,bc->ac', output_shape: 4, bias_axes: 'c', activation: 'tanh'}},
  weightShapes: {einsum_dense: [['kernel', [6, 4]], ['bias', [4]]]},
  build: (L, tf) => fn1(tf, L, 'model', [6], (x) => standIn(tf, 'einsum_dense', [[4]]).apply(x))});

// Attention and AdditiveAttention take a list [query, value(, key)].
function denseAttention(tf, L, name, outShapes, withKey) {
  const q = L.input({shape: [4, 5], name: 'query'});
  const v = L.input({shape: [6, 3], name: 'value'});
  const ins = [q, v];
  if (withKey) ins.push(L.input({shape: [6, 5], name: 'key'}));
  const y = standIn(tf, name, outShapes).apply(ins);
  return tf.model({inputs: ins, outputs: y, name: 'model'});
}
add({name: 'attention_dot_scale', description: 'Attention(use_scale=True) on query (4, 5), value (6, 3), key (6, 5), with return_attention_scores: output (attention) and weights.',
  batch: 2, numpyReference: NUMPY_ATTENTION, weightRanges: {scale: [0.5, 1.5]},
  patch: {'@class': {attention: 'Attention'}, '@call': {attention: {inputs: ['query', 'value', 'key'], kwargs: {return_attention_scores: true}}},
    attention: {use_scale: true, score_mode: 'dot', dropout: 0.0}},
  weightShapes: {attention: [['scale', []]]},
  build: (L, tf) => denseAttention(tf, L, 'attention', [[4, 3], [4, 6]], true)});
add({name: 'attention_concat_causal', description: 'Attention(score_mode="concat", use_scale=True) with use_causal_mask=True on query (4, 5), value (6, 3), key (6, 5).',
  batch: 2, numpyReference: NUMPY_ATTENTION, weightRanges: {scale: [0.5, 1.5], concat_score_weight: [0.5, 1.5]},
  patch: {'@class': {attention: 'Attention'}, '@call': {attention: {inputs: ['query', 'value', 'key'], kwargs: {use_causal_mask: true}}},
    attention: {use_scale: true, score_mode: 'concat', dropout: 0.0}},
  weightShapes: {attention: [['scale', []], ['concat_score_weight', []]]},
  build: (L, tf) => denseAttention(tf, L, 'attention', [[4, 3]], true)});
add({name: 'additive_attention', description: 'AdditiveAttention(use_scale=True) on query (4, 5), value (6, 3), key (6, 5).',
  batch: 3, numpyReference: NUMPY_ATTENTION,
  patch: {'@class': {additive_attention: 'AdditiveAttention'}, '@call': {additive_attention: {inputs: ['query', 'value', 'key'], kwargs: {}}},
    additive_attention: {use_scale: true, dropout: 0.0}},
  weightShapes: {additive_attention: [['scale', [5]]]},
  build: (L, tf) => denseAttention(tf, L, 'additive_attention', [[4, 3]], true)});
add({name: 'attention_masked', description: 'Embedding(mask_zero=True) query and value into Attention (attention: padded values get no weight, padded query rows are 0) and AdditiveAttention(use_scale=False) with use_causal_mask=True (additive_attention); both keep the query mask, which LSTMs read (lstm, lstm_1).',
  batch: 4, numpyReference: NUMPY_ATTENTION, inputs: [tokens(12), tokens(12, PAD6)],
  patch: {'@class': {attention: 'Attention', additive_attention: 'AdditiveAttention'},
    '@call': {attention: {inputs: ['query', 'value'], kwargs: {}}, additive_attention: {inputs: ['query', 'value'], kwargs: {use_causal_mask: true}}},
    attention: {use_scale: false, score_mode: 'dot', dropout: 0.0}, additive_attention: {use_scale: false, dropout: 0.0}},
  weightShapes: {attention: [], additive_attention: []},
  build: (L, tf) => {
    const a = L.input({shape: [7], name: 'input_1'});
    const b = L.input({shape: [6], name: 'input_2'});
    const q = L.embedding({inputDim: 12, outputDim: 4, maskZero: true, name: 'embedding'}).apply(a);
    const v = L.embedding({inputDim: 12, outputDim: 4, maskZero: true, name: 'embedding_1'}).apply(b);
    const x = standIn(tf, 'attention', [[7, 4]]).apply([q, v]);
    const y = standIn(tf, 'additive_attention', [[7, 4]]).apply([q, v]);
    return tf.model({inputs: [a, b], name: 'model', outputs: [x, rec('lstm', {units: 2, name: 'lstm'})(L).apply(x),
      y, rec('lstm', {units: 2, name: 'lstm_1'})(L).apply(y)]});
  }});

// ---------------------------------------------------------------- dtype policies, 16-bit weights
// `policy` is the dtype policy of every layer but the inputs (as set_global_policy before building),
// `policyOverrides` per layer; `weightDtype` rounds the seeded weights to that 16-bit type, so the
// float32 tfjs result is the float32 result of the stored weights, which kerasrt computes (Keras
// rounds activations to 16 bits between layers; write_fixtures.py measures how far that moves).
add({name: 'dtype_float16_cnn', description: 'Policy "float16" on every layer: Conv2D (relu), BatchNormalization, GlobalAveragePooling2D, Dense (softmax); float16 weights (tf.keras 2 keeps BatchNormalization parameters float32).',
  batch: 2, policy: 'float16', weightDtype: 'float16',
  build: (L, tf) => fn1(tf, L, 'model', [5, 5, 3], (x) => {
    let y = L.conv2d({filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2d'}).apply(x);
    y = L.batchNormalization({axis: -1, name: 'batch_normalization'}).apply(y);
    y = L.globalAveragePooling2d({name: 'global_average_pooling2d'}).apply(y);
    return L.dense({units: 3, activation: 'softmax', name: 'dense'}).apply(y);
  })});
add({name: 'dtype_float16_lstm', description: 'Policy "float16" on every layer: LSTM (return_sequences) then Dense; float16 weights.',
  batch: 3, policy: 'float16', weightDtype: 'float16',
  build: (L, tf) => seq(tf, 'sequential', [5, 3], [
    L.lstm(Object.assign({units: 4, returnSequences: true, name: 'lstm'}, REC)),
    L.dense({units: 2, name: 'dense'})])});
add({name: 'dtype_mixed_float16', description: 'Policy "mixed_float16" (float32 variables, float16 compute): Dense (relu), BatchNormalization, Dense, and a final Activation("softmax", dtype="float32") as the Keras mixed-precision guide recommends.',
  batch: 4, policy: 'mixed_float16', policyOverrides: {predictions: 'float32'},
  build: (L, tf) => fn1(tf, L, 'model', [6], (x) => {
    let y = L.dense({units: 8, activation: 'relu', name: 'dense'}).apply(x);
    y = L.batchNormalization({axis: -1, name: 'batch_normalization'}).apply(y);
    y = L.dense({units: 3, name: 'dense_1'}).apply(y);
    return L.activation({activation: 'softmax', name: 'predictions'}).apply(y);
  })});
add({name: 'dtype_bfloat16', description: 'Policy "bfloat16" on every layer: Conv1D (relu), Flatten, Dense; bfloat16 weights (HDF5 opaque 2-byte datasets, with a dtype="bfloat16" attribute in .keras/.weights.h5; DT_BFLOAT16 in the SavedModel checkpoint).',
  batch: 2, policy: 'bfloat16', weightDtype: 'bfloat16', k2Formats: ['savedmodel'],
  k2FormatsReason: "tf.keras 2.15's HDF5 loader does not turn the 2-byte opaque datasets h5py writes for bfloat16 variables back into bfloat16 (Keras 3 does, since keras-team/keras#19091), while its SavedModel checkpoint stores DT_BFLOAT16 natively",
  build: (L, tf) => fn1(tf, L, 'model', [6, 4], (x) => {
    let y = L.conv1d({filters: 3, kernelSize: 2, activation: 'relu', name: 'conv1d'}).apply(x);
    y = L.flatten({name: 'flatten'}).apply(y);
    return L.dense({units: 2, name: 'dense'}).apply(y);
  })});
add({name: 'dtype_mixed_bfloat16', description: 'Policy "mixed_bfloat16" (float32 variables, bfloat16 compute): Dense (tanh), LayerNormalization, Dense (float32 policy on the last layer).',
  batch: 1, policy: 'mixed_bfloat16', policyOverrides: {dense_1: 'float32'},
  build: (L, tf) => fn1(tf, L, 'model', [5], (x) => {
    let y = L.dense({units: 6, activation: 'tanh', name: 'dense'}).apply(x);
    y = L.layerNormalization({axis: -1, name: 'layer_normalization'}).apply(y);
    return L.dense({units: 2, name: 'dense_1'}).apply(y);
  })});
add({name: 'dtype_mixed_float16_wrapped', description: 'Policy "mixed_float16" on wrapped and nested layers too (the global policy set before building gives every layer it, the inner layers of wrappers and nested models included): Bidirectional(LSTM), TimeDistributed(Dense), a nested Sequential, and a final Dense with a float32 policy.',
  batch: 2, policy: 'mixed_float16', policyOverrides: {predictions: 'float32'},
  build: (L, tf) => {
    const inner = tf.sequential({name: 'sequential'});
    inner.add(L.dense({units: 5, activation: 'tanh', inputShape: [16], name: 'dense_1'}));
    inner.add(L.dense({units: 3, name: 'dense_2'}));
    const x = L.input({shape: [4, 3], name: 'input_1'});
    let y = L.bidirectional({layer: L.lstm(Object.assign({units: 3, returnSequences: true, name: 'lstm'}, REC)), name: 'bidirectional'}).apply(x);
    y = L.timeDistributed({layer: L.dense({units: 4, activation: 'relu', name: 'dense'}), name: 'time_distributed'}).apply(y);
    y = L.flatten({name: 'flatten'}).apply(y);
    y = L.dense({units: 2, activation: 'softmax', name: 'predictions'}).apply(inner.apply(y));
    return tf.model({inputs: x, outputs: y, name: 'model'});
  }});

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
add({name: 'dense_batch_normalization_packed', description: 'Dense layers wide enough for packed weights (oneDNN BA16a64b, which kerasrt packs itself), each followed by a BatchNormalization that is folded into its weights as a per-column scale: 40 to 72 (rows padded to 48, a last panel of 8 columns), relu, then 72 to 130 without bias (three panels, the last of 2 columns).',
  build: (L, tf) => seq(tf, 'sequential', [40], [
    L.dense({units: 72, name: 'dense'}),
    L.batchNormalization({name: 'batch_normalization'}),
    L.activation({activation: 'relu', name: 'activation'}),
    L.dense({units: 130, useBias: false, name: 'dense_1'}),
    L.batchNormalization({epsilon: 0.01, name: 'batch_normalization_1'})])});

module.exports = {CASES};

'use strict';
// The keras.applications architectures rebuilt layer by layer with TensorFlow.js layers: the
// same layer classes, names and options as keras/src/applications/*.py (Keras 3; tf.keras 2.15
// builds the same graphs for these families), for any input size the Keras function accepts and
// any `classes` count. Used by tools/oracle/applications.js (end-to-end test models) and
// bench/models.js (benchmark models).
//
// Each builder is (tf, opts) -> tf.LayersModel with opts {size, classes, inputName} (input name
// 'input_layer' as Keras 3 names it unless given). Layers Keras names
// automatically (conv2d, conv2d_1, batch_normalization, add, ...) are named here the way Keras 3
// does it: a per-class counter over the layers built without a name.

const makeDivisible = (v, divisor = 8, minValue = divisor) => {
  let nv = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
};

// imagenet_utils.correct_pad for a channels-last tensor: ZeroPadding2D amounts before a strided
// "valid" convolution.
function correctPad(x, kernel) {
  const k = Array.isArray(kernel) ? kernel : [kernel, kernel];
  const adjust = [1 - (x.shape[1] % 2), 1 - (x.shape[2] % 2)];
  const c = [Math.floor(k[0] / 2), Math.floor(k[1] / 2)];
  return [[c[0] - adjust[0], c[0]], [c[1] - adjust[1], c[1]]];
}

function autoNamer() {
  const counts = {};
  return (base) => {
    const n = counts[base] || 0;
    counts[base] = n + 1;
    return n ? `${base}_${n}` : base;
  };
}

function vgg16(tf, {size, classes, inputName = 'input_layer'}) {
  const L = tf.layers;
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = input;
  const blocks = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  blocks.forEach(([filters, n], b) => {
    for (let i = 1; i <= n; i++)
      x = L.conv2d({filters, kernelSize: 3, activation: 'relu', padding: 'same', name: `block${b + 1}_conv${i}`}).apply(x);
    x = L.maxPooling2d({poolSize: 2, strides: 2, name: `block${b + 1}_pool`}).apply(x);
  });
  x = L.flatten({name: 'flatten'}).apply(x);
  x = L.dense({units: 4096, activation: 'relu', name: 'fc1'}).apply(x);
  x = L.dense({units: 4096, activation: 'relu', name: 'fc2'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'vgg16'});
}

function resnet(tf, {size, classes, inputName = 'input_layer'}, v2) {
  // keras/src/applications/resnet.py ResNet (preact = v2, use_bias = true) and resnet_v2.py
  const L = tf.layers;
  const auto = autoNamer();
  const bn = (name) => L.batchNormalization({axis: 3, epsilon: 1.001e-5, name});
  const relu = (name) => L.activation({activation: 'relu', name});
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.zeroPadding2d({padding: [[3, 3], [3, 3]], name: 'conv1_pad'}).apply(input);
  x = L.conv2d({filters: 64, kernelSize: 7, strides: 2, useBias: true, name: 'conv1_conv'}).apply(x);
  if (!v2) {
    x = bn('conv1_bn').apply(x);
    x = relu('conv1_relu').apply(x);
  }
  x = L.zeroPadding2d({padding: [[1, 1], [1, 1]], name: 'pool1_pad'}).apply(x);
  x = L.maxPooling2d({poolSize: 3, strides: 2, name: 'pool1_pool'}).apply(x);

  const block1 = (inp, filters, stride, convShortcut, name) => {
    let shortcut = inp;
    if (convShortcut) {
      shortcut = L.conv2d({filters: 4 * filters, kernelSize: 1, strides: stride, name: name + '_0_conv'}).apply(inp);
      shortcut = bn(name + '_0_bn').apply(shortcut);
    }
    let y = L.conv2d({filters, kernelSize: 1, strides: stride, name: name + '_1_conv'}).apply(inp);
    y = bn(name + '_1_bn').apply(y);
    y = relu(name + '_1_relu').apply(y);
    y = L.conv2d({filters, kernelSize: 3, padding: 'same', name: name + '_2_conv'}).apply(y);
    y = bn(name + '_2_bn').apply(y);
    y = relu(name + '_2_relu').apply(y);
    y = L.conv2d({filters: 4 * filters, kernelSize: 1, name: name + '_3_conv'}).apply(y);
    y = bn(name + '_3_bn').apply(y);
    y = L.add({name: name + '_add'}).apply([shortcut, y]);
    return relu(name + '_out').apply(y);
  };
  const block2 = (inp, filters, stride, convShortcut, name) => {
    let preact = bn(name + '_preact_bn').apply(inp);
    preact = relu(name + '_preact_relu').apply(preact);
    let shortcut;
    if (convShortcut) {
      shortcut = L.conv2d({filters: 4 * filters, kernelSize: 1, strides: stride, name: name + '_0_conv'}).apply(preact);
    } else {
      shortcut = stride > 1 ? L.maxPooling2d({poolSize: 1, strides: stride, name: auto('max_pooling2d')}).apply(inp) : inp;
    }
    let y = L.conv2d({filters, kernelSize: 1, strides: 1, useBias: false, name: name + '_1_conv'}).apply(preact);
    y = bn(name + '_1_bn').apply(y);
    y = relu(name + '_1_relu').apply(y);
    y = L.zeroPadding2d({padding: [[1, 1], [1, 1]], name: name + '_2_pad'}).apply(y);
    y = L.conv2d({filters, kernelSize: 3, strides: stride, useBias: false, name: name + '_2_conv'}).apply(y);
    y = bn(name + '_2_bn').apply(y);
    y = relu(name + '_2_relu').apply(y);
    y = L.conv2d({filters: 4 * filters, kernelSize: 1, name: name + '_3_conv'}).apply(y);
    return L.add({name: name + '_out'}).apply([shortcut, y]);
  };
  const stack1 = (inp, filters, blocks, stride1, name) => {
    let y = block1(inp, filters, stride1, true, name + '_block1');
    for (let i = 2; i <= blocks; i++) y = block1(y, filters, 1, false, name + '_block' + i);
    return y;
  };
  const stack2 = (inp, filters, blocks, stride1, name) => {
    let y = block2(inp, filters, 1, true, name + '_block1');
    for (let i = 2; i < blocks; i++) y = block2(y, filters, 1, false, name + '_block' + i);
    return block2(y, filters, stride1, false, name + '_block' + blocks);
  };
  if (v2) {
    x = stack2(x, 64, 3, 2, 'conv2');
    x = stack2(x, 128, 4, 2, 'conv3');
    x = stack2(x, 256, 6, 2, 'conv4');
    x = stack2(x, 512, 3, 1, 'conv5');
    x = bn('post_bn').apply(x);
    x = relu('post_relu').apply(x);
  } else {
    x = stack1(x, 64, 3, 1, 'conv2');
    x = stack1(x, 128, 4, 2, 'conv3');
    x = stack1(x, 256, 6, 2, 'conv4');
    x = stack1(x, 512, 3, 2, 'conv5');
  }
  x = L.globalAveragePooling2d({name: 'avg_pool'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: v2 ? 'resnet50v2' : 'resnet50'});
}

// GlobalAveragePooling2D(keepdims=True) (MobileNet's top): tfjs has no keepdims.
let GapKeepdims = null;
function gapKeepdims(tf, name) {
  if (!GapKeepdims) {
    GapKeepdims = class extends tf.layers.Layer {
      computeOutputShape(s) { return [s[0], 1, 1, s[3]]; }
      call(inputs) {
        return tf.tidy(() => tf.mean(Array.isArray(inputs) ? inputs[0] : inputs, [1, 2], true));
      }
      getConfig() { return Object.assign(super.getConfig(), {data_format: 'channels_last', keepdims: true}); }
    };
    GapKeepdims.className = 'GlobalAveragePooling2D';
  }
  return new GapKeepdims({name});
}

function mobilenet(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/mobilenet.py, alpha 1.0, depth_multiplier 1, dropout 1e-3
  const L = tf.layers;
  const auto = autoNamer();
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.conv2d({filters: 32, kernelSize: 3, padding: 'same', useBias: false, strides: 2, name: 'conv1'}).apply(input);
  x = L.batchNormalization({axis: -1, name: 'conv1_bn'}).apply(x);
  x = L.reLU({maxValue: 6, name: 'conv1_relu'}).apply(x);
  const dw = (inp, filters, stride, id) => {
    let y = inp;
    if (stride !== 1) y = L.zeroPadding2d({padding: [[0, 1], [0, 1]], name: `conv_pad_${id}`}).apply(y);
    y = L.depthwiseConv2d({kernelSize: 3, padding: stride === 1 ? 'same' : 'valid', depthMultiplier: 1, strides: stride,
      useBias: false, name: `conv_dw_${id}`}).apply(y);
    y = L.batchNormalization({axis: -1, name: `conv_dw_${id}_bn`}).apply(y);
    y = L.reLU({maxValue: 6, name: `conv_dw_${id}_relu`}).apply(y);
    y = L.conv2d({filters, kernelSize: 1, padding: 'same', useBias: false, strides: 1, name: `conv_pw_${id}`}).apply(y);
    y = L.batchNormalization({axis: -1, name: `conv_pw_${id}_bn`}).apply(y);
    return L.reLU({maxValue: 6, name: `conv_pw_${id}_relu`}).apply(y);
  };
  const plan = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1],
    [512, 1], [1024, 2], [1024, 1]];
  plan.forEach(([f, s], i) => { x = dw(x, f, s, i + 1); });
  x = gapKeepdims(tf, auto('global_average_pooling2d')).apply(x);
  x = L.dropout({rate: 1e-3, name: 'dropout'}).apply(x);
  x = L.conv2d({filters: classes, kernelSize: 1, padding: 'same', name: 'conv_preds'}).apply(x);
  x = L.reshape({targetShape: [classes], name: 'reshape_2'}).apply(x);
  x = L.activation({activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: `mobilenet_1.00_${size}`});
}

function mobilenetV2(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/mobilenet_v2.py, alpha 1.0
  const L = tf.layers;
  const auto = autoNamer();
  const bn = (name) => L.batchNormalization({axis: -1, epsilon: 1e-3, momentum: 0.999, name});
  const relu6 = (name) => L.reLU({maxValue: 6, name});
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.conv2d({filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1'}).apply(input);
  x = bn('bn_Conv1').apply(x);
  x = relu6('Conv1_relu').apply(x);
  const block = (inputs, filters, stride, expansion, id) => {
    const inChannels = inputs.shape[3];
    const pointwise = makeDivisible(filters);
    let y = inputs;
    let prefix = `block_${id}_`;
    if (id) {
      y = L.conv2d({filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: prefix + 'expand'}).apply(y);
      y = bn(prefix + 'expand_BN').apply(y);
      y = relu6(prefix + 'expand_relu').apply(y);
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) y = L.zeroPadding2d({padding: correctPad(y, 3), name: prefix + 'pad'}).apply(y);
    y = L.depthwiseConv2d({kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid',
      name: prefix + 'depthwise'}).apply(y);
    y = bn(prefix + 'depthwise_BN').apply(y);
    y = relu6(prefix + 'depthwise_relu').apply(y);
    y = L.conv2d({filters: pointwise, kernelSize: 1, padding: 'same', useBias: false, name: prefix + 'project'}).apply(y);
    y = bn(prefix + 'project_BN').apply(y);
    if (inChannels === pointwise && stride === 1) return L.add({name: prefix + 'add'}).apply([inputs, y]);
    return y;
  };
  const plan = [[16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6],
    [64, 1, 6], [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6]];
  plan.forEach(([filters, stride, expansion], id) => { x = block(x, filters, stride, expansion, id); });
  x = L.conv2d({filters: 1280, kernelSize: 1, useBias: false, name: 'Conv_1'}).apply(x);
  x = bn('Conv_1_bn').apply(x);
  x = relu6('out_relu').apply(x);
  x = L.globalAveragePooling2d({name: auto('global_average_pooling2d')}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: `mobilenetv2_1.00_${size}`});
}

function densenet121(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/densenet.py, blocks [6, 12, 24, 16]
  const L = tf.layers;
  const auto = autoNamer();
  const bn = (name) => L.batchNormalization({axis: 3, epsilon: 1.001e-5, name});
  const relu = (name) => L.activation({activation: 'relu', name});
  const convBlock = (x, growth, name) => {
    let y = bn(name + '_0_bn').apply(x);
    y = relu(name + '_0_relu').apply(y);
    y = L.conv2d({filters: 4 * growth, kernelSize: 1, useBias: false, name: name + '_1_conv'}).apply(y);
    y = bn(name + '_1_bn').apply(y);
    y = relu(name + '_1_relu').apply(y);
    y = L.conv2d({filters: growth, kernelSize: 3, padding: 'same', useBias: false, name: name + '_2_conv'}).apply(y);
    return L.concatenate({axis: 3, name: name + '_concat'}).apply([x, y]);
  };
  const denseBlock = (x, blocks, name) => {
    for (let i = 0; i < blocks; i++) x = convBlock(x, 32, `${name}_block${i + 1}`);
    return x;
  };
  const transition = (x, reduction, name) => {
    x = bn(name + '_bn').apply(x);
    x = relu(name + '_relu').apply(x);
    x = L.conv2d({filters: Math.floor(x.shape[3] * reduction), kernelSize: 1, useBias: false, name: name + '_conv'}).apply(x);
    return L.averagePooling2d({poolSize: 2, strides: 2, name: name + '_pool'}).apply(x);
  };
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.zeroPadding2d({padding: [[3, 3], [3, 3]], name: auto('zero_padding2d')}).apply(input);
  x = L.conv2d({filters: 64, kernelSize: 7, strides: 2, useBias: false, name: 'conv1_conv'}).apply(x);
  x = bn('conv1_bn').apply(x);
  x = relu('conv1_relu').apply(x);
  x = L.zeroPadding2d({padding: [[1, 1], [1, 1]], name: auto('zero_padding2d')}).apply(x);
  x = L.maxPooling2d({poolSize: 3, strides: 2, name: 'pool1'}).apply(x);
  x = denseBlock(x, 6, 'conv2');
  x = transition(x, 0.5, 'pool2');
  x = denseBlock(x, 12, 'conv3');
  x = transition(x, 0.5, 'pool3');
  x = denseBlock(x, 24, 'conv4');
  x = transition(x, 0.5, 'pool4');
  x = denseBlock(x, 16, 'conv5');
  x = bn('bn').apply(x);
  x = relu('relu').apply(x);
  x = L.globalAveragePooling2d({name: 'avg_pool'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'densenet121'});
}

function inceptionV3(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/inception_v3.py
  const L = tf.layers;
  const auto = autoNamer();
  const convBn = (x, filters, rows, cols, padding = 'same', strides = 1, name = null) => {
    x = L.conv2d({filters, kernelSize: [rows, cols], strides, padding, useBias: false,
      name: name ? name + '_conv' : auto('conv2d')}).apply(x);
    x = L.batchNormalization({axis: 3, scale: false, name: name ? name + '_bn' : auto('batch_normalization')}).apply(x);
    return L.activation({activation: 'relu', name: name || auto('activation')}).apply(x);
  };
  const avg = (x) => L.averagePooling2d({poolSize: 3, strides: 1, padding: 'same', name: auto('average_pooling2d')}).apply(x);
  const maxp = (x) => L.maxPooling2d({poolSize: 3, strides: 2, name: auto('max_pooling2d')}).apply(x);
  const cat = (xs, name) => L.concatenate({axis: 3, name: name || auto('concatenate')}).apply(xs);
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = convBn(input, 32, 3, 3, 'valid', 2);
  x = convBn(x, 32, 3, 3, 'valid');
  x = convBn(x, 64, 3, 3);
  x = maxp(x);
  x = convBn(x, 80, 1, 1, 'valid');
  x = convBn(x, 192, 3, 3, 'valid');
  x = maxp(x);
  for (const [i, poolFilters] of [[0, 32], [1, 64], [2, 64]]) {
    const b1 = convBn(x, 64, 1, 1);
    let b5 = convBn(x, 48, 1, 1);
    b5 = convBn(b5, 64, 5, 5);
    let b3 = convBn(x, 64, 1, 1);
    b3 = convBn(b3, 96, 3, 3);
    b3 = convBn(b3, 96, 3, 3);
    let bp = avg(x);
    bp = convBn(bp, poolFilters, 1, 1);
    x = cat([b1, b5, b3, bp], 'mixed' + i);
  }
  {
    const b3 = convBn(x, 384, 3, 3, 'valid', 2);
    let bd = convBn(x, 64, 1, 1);
    bd = convBn(bd, 96, 3, 3);
    bd = convBn(bd, 96, 3, 3, 'valid', 2);
    const bp = maxp(x);
    x = cat([b3, bd, bp], 'mixed3');
  }
  for (const [name, f] of [['mixed4', 128], ['mixed5', 160], ['mixed6', 160], ['mixed7', 192]]) {
    const b1 = convBn(x, 192, 1, 1);
    let b7 = convBn(x, f, 1, 1);
    b7 = convBn(b7, f, 1, 7);
    b7 = convBn(b7, 192, 7, 1);
    let bd = convBn(x, f, 1, 1);
    bd = convBn(bd, f, 7, 1);
    bd = convBn(bd, f, 1, 7);
    bd = convBn(bd, f, 7, 1);
    bd = convBn(bd, 192, 1, 7);
    let bp = avg(x);
    bp = convBn(bp, 192, 1, 1);
    x = cat([b1, b7, bd, bp], name);
  }
  {
    let b3 = convBn(x, 192, 1, 1);
    b3 = convBn(b3, 320, 3, 3, 'valid', 2);
    let b7 = convBn(x, 192, 1, 1);
    b7 = convBn(b7, 192, 1, 7);
    b7 = convBn(b7, 192, 7, 1);
    b7 = convBn(b7, 192, 3, 3, 'valid', 2);
    const bp = maxp(x);
    x = cat([b3, b7, bp], 'mixed8');
  }
  for (let i = 0; i < 2; i++) {
    const b1 = convBn(x, 320, 1, 1);
    let b3 = convBn(x, 384, 1, 1);
    const b31 = convBn(b3, 384, 1, 3);
    const b32 = convBn(b3, 384, 3, 1);
    b3 = cat([b31, b32], 'mixed9_' + i);
    let bd = convBn(x, 448, 1, 1);
    bd = convBn(bd, 384, 3, 3);
    const bd1 = convBn(bd, 384, 1, 3);
    const bd2 = convBn(bd, 384, 3, 1);
    bd = cat([bd1, bd2]);
    let bp = avg(x);
    bp = convBn(bp, 192, 1, 1);
    x = cat([b1, b3, bd, bp], 'mixed' + (9 + i));
  }
  x = L.globalAveragePooling2d({name: 'avg_pool'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'inception_v3'});
}

function xception(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/xception.py
  const L = tf.layers;
  const auto = autoNamer();
  const bn = (name) => L.batchNormalization({axis: -1, name: name || auto('batch_normalization')});
  const relu = (name) => L.activation({activation: 'relu', name});
  const sep = (filters, name) => L.separableConv2d({filters, kernelSize: 3, padding: 'same', useBias: false, name});
  const resid = (x, filters) => {
    const r = L.conv2d({filters, kernelSize: 1, strides: 2, padding: 'same', useBias: false, name: auto('conv2d')}).apply(x);
    return bn().apply(r);
  };
  const pool = (name) => L.maxPooling2d({poolSize: 3, strides: 2, padding: 'same', name});
  const add = () => L.add({name: auto('add')});
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.conv2d({filters: 32, kernelSize: 3, strides: 2, useBias: false, name: 'block1_conv1'}).apply(input);
  x = bn('block1_conv1_bn').apply(x);
  x = relu('block1_conv1_act').apply(x);
  x = L.conv2d({filters: 64, kernelSize: 3, useBias: false, name: 'block1_conv2'}).apply(x);
  x = bn('block1_conv2_bn').apply(x);
  x = relu('block1_conv2_act').apply(x);
  let r = resid(x, 128);
  x = sep(128, 'block2_sepconv1').apply(x);
  x = bn('block2_sepconv1_bn').apply(x);
  x = relu('block2_sepconv2_act').apply(x);
  x = sep(128, 'block2_sepconv2').apply(x);
  x = bn('block2_sepconv2_bn').apply(x);
  x = pool('block2_pool').apply(x);
  x = add().apply([x, r]);
  for (const [b, f] of [[3, 256], [4, 728]]) {
    r = resid(x, f);
    x = relu(`block${b}_sepconv1_act`).apply(x);
    x = sep(f, `block${b}_sepconv1`).apply(x);
    x = bn(`block${b}_sepconv1_bn`).apply(x);
    x = relu(`block${b}_sepconv2_act`).apply(x);
    x = sep(f, `block${b}_sepconv2`).apply(x);
    x = bn(`block${b}_sepconv2_bn`).apply(x);
    x = pool(`block${b}_pool`).apply(x);
    x = add().apply([x, r]);
  }
  for (let i = 0; i < 8; i++) {
    r = x;
    const p = 'block' + (i + 5);
    for (let k = 1; k <= 3; k++) {
      x = relu(`${p}_sepconv${k}_act`).apply(x);
      x = sep(728, `${p}_sepconv${k}`).apply(x);
      x = bn(`${p}_sepconv${k}_bn`).apply(x);
    }
    x = add().apply([x, r]);
  }
  r = resid(x, 1024);
  x = relu('block13_sepconv1_act').apply(x);
  x = sep(728, 'block13_sepconv1').apply(x);
  x = bn('block13_sepconv1_bn').apply(x);
  x = relu('block13_sepconv2_act').apply(x);
  x = sep(1024, 'block13_sepconv2').apply(x);
  x = bn('block13_sepconv2_bn').apply(x);
  x = pool('block13_pool').apply(x);
  x = add().apply([x, r]);
  x = sep(1536, 'block14_sepconv1').apply(x);
  x = bn('block14_sepconv1_bn').apply(x);
  x = relu('block14_sepconv1_act').apply(x);
  x = sep(2048, 'block14_sepconv2').apply(x);
  x = bn('block14_sepconv2_bn').apply(x);
  x = relu('block14_sepconv2_act').apply(x);
  x = L.globalAveragePooling2d({name: 'avg_pool'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'xception'});
}

function nasnetMobile(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/nasnet.py NASNet(penultimate_filters=1056, num_blocks=4,
  // stem_block_filters=32, skip_reduction=False, filter_multiplier=2)
  const L = tf.layers;
  const auto = autoNamer();
  const bn = (name) => L.batchNormalization({axis: -1, momentum: 0.9997, epsilon: 1e-3, name});
  const relu = (name) => L.activation({activation: 'relu', name: name || auto('activation')});
  const conv1 = (filters, name) => L.conv2d({filters, kernelSize: 1, strides: 1, padding: 'same', useBias: false, name});
  const sepBlock = (ip, filters, k, stride, id) => {
    let x = relu().apply(ip);
    let pad = 'same';
    if (stride === 2) {
      x = L.zeroPadding2d({padding: correctPad(x, k), name: `separable_conv_1_pad_${id}`}).apply(x);
      pad = 'valid';
    }
    x = L.separableConv2d({filters, kernelSize: k, strides: stride, name: `separable_conv_1_${id}`, padding: pad,
      useBias: false}).apply(x);
    x = bn(`separable_conv_1_bn_${id}`).apply(x);
    x = relu().apply(x);
    x = L.separableConv2d({filters, kernelSize: k, name: `separable_conv_2_${id}`, padding: 'same', useBias: false}).apply(x);
    return bn(`separable_conv_2_bn_${id}`).apply(x);
  };
  const adjust = (p, ip, filters, id) => {
    if (p === null) return ip;
    if (p.shape[2] !== ip.shape[2]) {
      p = relu(`adjust_relu_1_${id}`).apply(p);
      let p1 = L.averagePooling2d({poolSize: 1, strides: 2, padding: 'valid', name: `adjust_avg_pool_1_${id}`}).apply(p);
      p1 = L.conv2d({filters: Math.floor(filters / 2), kernelSize: 1, padding: 'same', useBias: false,
        name: `adjust_conv_1_${id}`}).apply(p1);
      let p2 = L.zeroPadding2d({padding: [[0, 1], [0, 1]], name: auto('zero_padding2d')}).apply(p);
      p2 = L.cropping2D({cropping: [[1, 0], [1, 0]], name: auto('cropping2d')}).apply(p2);
      p2 = L.averagePooling2d({poolSize: 1, strides: 2, padding: 'valid', name: `adjust_avg_pool_2_${id}`}).apply(p2);
      p2 = L.conv2d({filters: Math.floor(filters / 2), kernelSize: 1, padding: 'same', useBias: false,
        name: `adjust_conv_2_${id}`}).apply(p2);
      p = L.concatenate({axis: -1, name: auto('concatenate')}).apply([p1, p2]);
      return bn(`adjust_bn_${id}`).apply(p);
    }
    if (p.shape[3] !== filters) {
      p = relu().apply(p);
      p = conv1(filters, `adjust_conv_projection_${id}`).apply(p);
      return bn(`adjust_bn_${id}`).apply(p);
    }
    return p;
  };
  const add = (xs, name) => L.add({name: name || auto('add')}).apply(xs);
  const avg3 = (stride, pad, name) => L.averagePooling2d({poolSize: 3, strides: stride, padding: pad, name});
  const normal = (ip, p, filters, id) => {
    p = adjust(p, ip, filters, id);
    let h = relu().apply(ip);
    h = conv1(filters, `normal_conv_1_${id}`).apply(h);
    h = bn(`normal_bn_1_${id}`).apply(h);
    const x1 = add([sepBlock(h, filters, 5, 1, `normal_left1_${id}`), sepBlock(p, filters, 3, 1, `normal_right1_${id}`)],
      `normal_add_1_${id}`);
    const x2 = add([sepBlock(p, filters, 5, 1, `normal_left2_${id}`), sepBlock(p, filters, 3, 1, `normal_right2_${id}`)],
      `normal_add_2_${id}`);
    const x3 = add([avg3(1, 'same', `normal_left3_${id}`).apply(h), p], `normal_add_3_${id}`);
    const x4 = add([avg3(1, 'same', `normal_left4_${id}`).apply(p), avg3(1, 'same', `normal_right4_${id}`).apply(p)],
      `normal_add_4_${id}`);
    const x5 = add([sepBlock(h, filters, 3, 1, `normal_left5_${id}`), h], `normal_add_5_${id}`);
    return [L.concatenate({axis: -1, name: `normal_concat_${id}`}).apply([p, x1, x2, x3, x4, x5]), ip];
  };
  const reduction = (ip, p, filters, id) => {
    p = adjust(p, ip, filters, id);
    let h = relu().apply(ip);
    h = conv1(filters, `reduction_conv_1_${id}`).apply(h);
    h = bn(`reduction_bn_1_${id}`).apply(h);
    const h3 = L.zeroPadding2d({padding: correctPad(h, 3), name: `reduction_pad_1_${id}`}).apply(h);
    const x1 = add([sepBlock(h, filters, 5, 2, `reduction_left1_${id}`), sepBlock(p, filters, 7, 2, `reduction_right1_${id}`)],
      `reduction_add_1_${id}`);
    const x2 = add([L.maxPooling2d({poolSize: 3, strides: 2, padding: 'valid', name: `reduction_left2_${id}`}).apply(h3),
      sepBlock(p, filters, 7, 2, `reduction_right2_${id}`)], `reduction_add_2_${id}`);
    const x3 = add([avg3(2, 'valid', `reduction_left3_${id}`).apply(h3), sepBlock(p, filters, 5, 2, `reduction_right3_${id}`)],
      `reduction_add3_${id}`);
    const x4 = add([x2, avg3(1, 'same', `reduction_left4_${id}`).apply(x1)]);
    const x5 = add([sepBlock(x1, filters, 3, 1, `reduction_left4_${id}`),
      L.maxPooling2d({poolSize: 3, strides: 2, padding: 'valid', name: `reduction_right5_${id}`}).apply(h3)],
    `reduction_add4_${id}`);
    return [L.concatenate({axis: -1, name: `reduction_concat_${id}`}).apply([x2, x3, x4, x5]), ip];
  };
  const penultimate = 1056, numBlocks = 4, stem = 32, mult = 2;
  const filters = Math.floor(penultimate / 24);
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.conv2d({filters: stem, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'stem_conv1'}).apply(input);
  x = bn('stem_bn1').apply(x);
  let p = null, p0;
  [x, p] = reduction(x, p, Math.floor(filters / (mult * mult)), 'stem_1');
  [x, p] = reduction(x, p, Math.floor(filters / mult), 'stem_2');
  for (let i = 0; i < numBlocks; i++) [x, p] = normal(x, p, filters, `${i}`);
  [x, p0] = reduction(x, p, filters * mult, `reduce_${numBlocks}`);
  p = p0;
  for (let i = 0; i < numBlocks; i++) [x, p] = normal(x, p, filters * mult, `${numBlocks + i + 1}`);
  [x, p0] = reduction(x, p, filters * mult * mult, `reduce_${2 * numBlocks}`);
  p = p0;
  for (let i = 0; i < numBlocks; i++) [x, p] = normal(x, p, filters * mult * mult, `${2 * numBlocks + i + 1}`);
  x = relu().apply(x);
  x = L.globalAveragePooling2d({name: auto('global_average_pooling2d')}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'NASNet'});
}

// keras.layers.Normalization after adapt() (mean, variance and count weights, one value per channel
// of `axis`): (x - mean) / max(sqrt(variance), 1e-7), as keras/src/layers/preprocessing/
// normalization.py computes it. tfjs has no Normalization layer.
// Given `mean` and `variance` (ConvNeXt's PreStem), the layer has no weights and its config
// carries the values, which Keras casts to float32.
let NormalizationLayer = null;
function normalization(tf, config) {
  if (!NormalizationLayer) {
    NormalizationLayer = class extends tf.layers.Layer {
      constructor(c) {
        super(c);
        this.axis = c.axis;
        this.givenMean = c.mean || null;
        this.givenVariance = c.variance || null;
      }
      build(inputShape) {
        const n = [inputShape[inputShape.length - 1]];
        if (this.givenMean) {
          this.meanValue = tf.keep(tf.tensor(this.givenMean, n, 'float32'));
          this.varianceValue = tf.keep(tf.tensor(this.givenVariance, n, 'float32'));
        } else {
          this.mean = this.addWeight('mean', n, 'float32', tf.initializers.zeros(), undefined, false);
          this.variance = this.addWeight('variance', n, 'float32', tf.initializers.ones(), undefined, false);
          this.count = this.addWeight('count', [], 'float32', tf.initializers.zeros(), undefined, false);
        }
        this.built = true;
      }
      computeOutputShape(s) { return s; }
      call(inputs) {
        return tf.tidy(() => {
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          const mean = this.givenMean ? this.meanValue : this.mean.read();
          const variance = this.givenMean ? this.varianceValue : this.variance.read();
          const dev = tf.maximum(tf.sqrt(variance), 1e-7);
          return tf.div(tf.sub(x, mean), dev);
        });
      }
      getConfig() {
        return Object.assign(super.getConfig(), {axis: this.axis, invert: false, mean: this.givenMean,
          variance: this.givenVariance});
      }
    };
    NormalizationLayer.className = 'Normalization';
  }
  return new NormalizationLayer(config);
}

function efficientnetB0(tf, {size, classes, inputName = 'input_layer'}) {
  // keras/src/applications/efficientnet.py EfficientNet(1.0, 1.0, 224, 0.2), weights=None (so no
  // Rescaling by the ImageNet standard deviations after the Normalization)
  const L = tf.layers;
  const act = 'swish';
  const blocksArgs = [
    {k: 3, r: 1, fi: 32, fo: 16, e: 1, s: 1}, {k: 3, r: 2, fi: 16, fo: 24, e: 6, s: 2},
    {k: 5, r: 2, fi: 24, fo: 40, e: 6, s: 2}, {k: 3, r: 3, fi: 40, fo: 80, e: 6, s: 2},
    {k: 5, r: 3, fi: 80, fo: 112, e: 6, s: 1}, {k: 5, r: 4, fi: 112, fo: 192, e: 6, s: 2},
    {k: 3, r: 1, fi: 192, fo: 320, e: 6, s: 1}];
  const seRatio = 0.25, dropConnect = 0.2;
  const bn = (name) => L.batchNormalization({axis: 3, name});
  const block = (inputs, dropRate, name, fi, fo, k, stride, expand) => {
    const filters = fi * expand;
    let x = inputs;
    if (expand !== 1) {
      x = L.conv2d({filters, kernelSize: 1, padding: 'same', useBias: false, name: name + 'expand_conv'}).apply(x);
      x = bn(name + 'expand_bn').apply(x);
      x = L.activation({activation: act, name: name + 'expand_activation'}).apply(x);
    }
    let pad = 'same';
    if (stride === 2) {
      x = L.zeroPadding2d({padding: correctPad(x, k), name: name + 'dwconv_pad'}).apply(x);
      pad = 'valid';
    }
    x = L.depthwiseConv2d({kernelSize: k, strides: stride, padding: pad, useBias: false, name: name + 'dwconv'}).apply(x);
    x = bn(name + 'bn').apply(x);
    x = L.activation({activation: act, name: name + 'activation'}).apply(x);
    const filtersSe = Math.max(1, Math.floor(fi * seRatio));
    let se = L.globalAveragePooling2d({name: name + 'se_squeeze'}).apply(x);
    se = L.reshape({targetShape: [1, 1, filters], name: name + 'se_reshape'}).apply(se);
    se = L.conv2d({filters: filtersSe, kernelSize: 1, padding: 'same', activation: act, name: name + 'se_reduce'}).apply(se);
    se = L.conv2d({filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', name: name + 'se_expand'}).apply(se);
    x = L.multiply({name: name + 'se_excite'}).apply([x, se]);
    x = L.conv2d({filters: fo, kernelSize: 1, padding: 'same', useBias: false, name: name + 'project_conv'}).apply(x);
    x = bn(name + 'project_bn').apply(x);
    if (stride === 1 && fi === fo) {
      if (dropRate > 0) x = L.dropout({rate: dropRate, noiseShape: [null, 1, 1, 1], name: name + 'drop'}).apply(x);
      x = L.add({name: name + 'add'}).apply([x, inputs]);
    }
    return x;
  };
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.rescaling({scale: 1.0 / 255.0, name: 'rescaling'}).apply(input);
  x = normalization(tf, {axis: [3], name: 'normalization'}).apply(x);
  x = L.zeroPadding2d({padding: correctPad(x, 3), name: 'stem_conv_pad'}).apply(x);
  x = L.conv2d({filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'stem_conv'}).apply(x);
  x = bn('stem_bn').apply(x);
  x = L.activation({activation: act, name: 'stem_activation'}).apply(x);
  const total = blocksArgs.reduce((a, b) => a + b.r, 0);
  let b = 0;
  blocksArgs.forEach((args, i) => {
    for (let j = 0; j < args.r; j++) {
      const fi = j > 0 ? args.fo : args.fi;
      const stride = j > 0 ? 1 : args.s;
      x = block(x, dropConnect * b / total, `block${i + 1}${String.fromCharCode(j + 97)}_`, fi, args.fo, args.k, stride, args.e);
      b++;
    }
  });
  x = L.conv2d({filters: 1280, kernelSize: 1, padding: 'same', useBias: false, name: 'top_conv'}).apply(x);
  x = bn('top_bn').apply(x);
  x = L.activation({activation: act, name: 'top_activation'}).apply(x);
  x = L.globalAveragePooling2d({name: 'avg_pool'}).apply(x);
  x = L.dropout({rate: 0.2, name: 'top_dropout'}).apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: 'predictions'}).apply(x);
  return tf.model({inputs: input, outputs: x, name: 'efficientnetb0'});
}

// tf.keras 2 TFOpLambda: a TensorFlow function applied to a symbolic tensor and a constant
// (`x + 3.0` -> tf.__operators__.add, `x * (1/6)` -> tf.math.multiply), computed here in tfjs.
// The constant is the call's `y` argument: the builder records it as a patch "@call" so that the
// writer puts it in the inbound node the way tf.keras 2 serialises it ({"y": 3.0, "name": null}).
// A tensor `y` is the layer's second input (applied to [x, y]); the patch then names the call's
// inputs ['x', 'y'] and the writer puts y's [layer, node, tensor] in the same place.
let TfOpLambda = null;
function tfOpLambda(tf, fn, y, name) {
  if (!TfOpLambda) {
    TfOpLambda = class extends tf.layers.Layer {
      constructor(c) { super(c); this.fn = c.fn; this.y = c.y; }
      computeOutputShape(s) { return Array.isArray(s[0]) ? s[0] : s; }
      call(inputs) {
        return tf.tidy(() => {
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          // y is the second input when it is a tensor (`inputs + x` in ConvNeXt), else the constant
          const y = Array.isArray(inputs) && inputs.length > 1 ? inputs[1] : this.y;
          if (this.fn === '__operators__.add') return tf.add(x, y);
          if (this.fn === 'math.multiply') return tf.mul(x, y);
          throw new Error('tfOpLambda: ' + this.fn);
        });
      }
      getConfig() { return Object.assign(super.getConfig(), {function: this.fn}); }
    };
    TfOpLambda.className = 'TFOpLambda';
  }
  return new TfOpLambda({fn, y, name});
}

// Activation('hard_swish') (Keras 3's MobileNetV3): x * relu6(x + 3) / 6.
let HardSwishActivation = null;
function hardSwishActivation(tf, name) {
  if (!HardSwishActivation) {
    HardSwishActivation = class extends tf.layers.Layer {
      computeOutputShape(s) { return s; }
      call(inputs) {
        return tf.tidy(() => {
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
        });
      }
      getConfig() { return Object.assign(super.getConfig(), {activation: 'hard_swish'}); }
    };
    HardSwishActivation.className = 'Activation';
  }
  return new HardSwishActivation({name});
}

function mobilenetV3Small(tf, {size, classes, inputName = 'input_layer', keras3 = false}) {
  // tf-keras 2.15 tf_keras/applications/mobilenet_v3.py MobileNetV3Small (alpha 1.0, not
  // minimalistic, include_preprocessing, dropout 0.2): hard_sigmoid(x) = ReLU(6)(x + 3) * (1/6)
  // as TFOpLambda layers, hard_swish(x) = Multiply()([x, hard_sigmoid(x)]), layer names with '/'.
  // keras3: keras/src/applications/mobilenet_v3.py, the same network with layer names joined by
  // '_' (Keras 3 forbids '/'), hard_swish as Activation('hard_swish'), and x + 3.0 and * (1/6)
  // as operations (the writer turns the TFOpLambda layers into them).
  const L = tf.layers;
  const auto = autoNamer();
  const calls = {};
  const patch = {'@call': calls};
  // A tf.keras 2 name and its Keras 3 form.
  const n = (k2, k3) => (keras3 ? k3 : k2);
  const op = (fn, y) => {
    const name = auto('tf.' + fn);
    calls[name] = {inputs: ['x'], kwargs: {y, name: null}};
    patch[name] = {function: fn};  // tfjs's config writer turns a leading '__' into 'private__'
    return tfOpLambda(tf, fn, y, name);
  };
  const relu = (x) => L.reLU({name: auto('re_lu')}).apply(x);
  const hardSigmoid = (x) => {
    let y = op('__operators__.add', 3.0).apply(x);
    y = L.reLU({maxValue: 6, name: auto('re_lu')}).apply(y);
    return op('math.multiply', 1.0 / 6.0).apply(y);
  };
  const hardSwish = keras3 ? (x) => hardSwishActivation(tf, auto('activation')).apply(x)
    : (x) => L.multiply({name: auto('multiply')}).apply([x, hardSigmoid(x)]);
  const depth = (v) => makeDivisible(v, 8);
  const bn = (name) => L.batchNormalization({axis: -1, epsilon: 1e-3, momentum: 0.999, name});
  const seBlock = (inputs, filters, prefix) => {
    let x = gapKeepdims(tf, prefix + n('squeeze_excite/AvgPool', 'squeeze_excite_avg_pool')).apply(inputs);
    x = L.conv2d({filters: depth(filters * 0.25), kernelSize: 1, padding: 'same',
      name: prefix + n('squeeze_excite/Conv', 'squeeze_excite_conv')}).apply(x);
    x = L.reLU({name: prefix + n('squeeze_excite/Relu', 'squeeze_excite_relu')}).apply(x);
    x = L.conv2d({filters, kernelSize: 1, padding: 'same',
      name: prefix + n('squeeze_excite/Conv_1', 'squeeze_excite_conv_1')}).apply(x);
    x = hardSigmoid(x);
    return L.multiply({name: prefix + n('squeeze_excite/Mul', 'squeeze_excite_mul')}).apply([inputs, x]);
  };
  const block = (x, expansion, filters, k, stride, se, activation, id) => {
    const shortcut = x;
    let prefix = n('expanded_conv/', 'expanded_conv_');
    const inFilters = x.shape[3];
    if (id) {
      prefix = n(`expanded_conv_${id}/`, `expanded_conv_${id}_`);
      x = L.conv2d({filters: depth(inFilters * expansion), kernelSize: 1, padding: 'same', useBias: false, name: prefix + 'expand'}).apply(x);
      x = bn(prefix + n('expand/BatchNorm', 'expand_bn')).apply(x);
      x = activation(x);
    }
    if (stride === 2) x = L.zeroPadding2d({padding: correctPad(x, k), name: prefix + n('depthwise/pad', 'depthwise_pad')}).apply(x);
    x = L.depthwiseConv2d({kernelSize: k, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false,
      name: prefix + 'depthwise'}).apply(x);
    x = bn(prefix + n('depthwise/BatchNorm', 'depthwise_bn')).apply(x);
    x = activation(x);
    if (se) x = seBlock(x, depth(inFilters * expansion), prefix);
    x = L.conv2d({filters, kernelSize: 1, padding: 'same', useBias: false, name: prefix + 'project'}).apply(x);
    x = bn(prefix + n('project/BatchNorm', 'project_bn')).apply(x);
    if (stride === 1 && inFilters === filters) x = L.add({name: prefix + n('Add', 'add')}).apply([shortcut, x]);
    return x;
  };
  const input = L.input({shape: [size, size, 3], name: inputName});
  let x = L.rescaling({scale: 1.0 / 127.5, offset: -1.0, name: auto('rescaling')}).apply(input);
  x = L.conv2d({filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: n('Conv', 'conv')}).apply(x);
  x = bn(n('Conv/BatchNorm', 'conv_bn')).apply(x);
  x = hardSwish(x);
  const k = 5;
  x = block(x, 1, depth(16), 3, 2, true, relu, 0);
  x = block(x, 72.0 / 16, depth(24), 3, 2, false, relu, 1);
  x = block(x, 88.0 / 24, depth(24), 3, 1, false, relu, 2);
  x = block(x, 4, depth(40), k, 2, true, hardSwish, 3);
  x = block(x, 6, depth(40), k, 1, true, hardSwish, 4);
  x = block(x, 6, depth(40), k, 1, true, hardSwish, 5);
  x = block(x, 3, depth(48), k, 1, true, hardSwish, 6);
  x = block(x, 3, depth(48), k, 1, true, hardSwish, 7);
  x = block(x, 6, depth(96), k, 2, true, hardSwish, 8);
  x = block(x, 6, depth(96), k, 1, true, hardSwish, 9);
  x = block(x, 6, depth(96), k, 1, true, hardSwish, 10);
  const lastConv = depth(x.shape[3] * 6);
  x = L.conv2d({filters: lastConv, kernelSize: 1, padding: 'same', useBias: false, name: n('Conv_1', 'conv_1')}).apply(x);
  x = bn(n('Conv_1/BatchNorm', 'conv_1_bn')).apply(x);
  x = hardSwish(x);
  x = gapKeepdims(tf, auto('global_average_pooling2d')).apply(x);
  x = L.conv2d({filters: 1024, kernelSize: 1, padding: 'same', useBias: true, name: n('Conv_2', 'conv_2')}).apply(x);
  x = hardSwish(x);
  x = L.dropout({rate: 0.2, name: auto('dropout')}).apply(x);
  x = L.conv2d({filters: classes, kernelSize: 1, padding: 'same', name: n('Logits', 'logits')}).apply(x);
  x = L.flatten({name: auto('flatten')}).apply(x);
  x = L.activation({activation: 'softmax', name: n('Predictions', 'predictions')}).apply(x);
  const model = tf.model({inputs: input, outputs: x, name: n('MobilenetV3small', 'MobileNetV3Small')});
  model.oraclePatch = patch;
  return model;
}

// keras.applications.convnext.LayerScale: x * gamma, one weight per channel of the last axis.
// Keras ships the class in keras.applications.convnext (not keras.layers); tfjs has none.
let LayerScaleLayer = null;
function layerScale(tf, initValues, projectionDim, name) {
  if (!LayerScaleLayer) {
    LayerScaleLayer = class extends tf.layers.Layer {
      constructor(c) { super(c); this.initValues = c.initValues; this.projectionDim = c.projectionDim; }
      build() {
        this.gamma = this.addWeight('gamma', [this.projectionDim], 'float32', tf.initializers.constant({value: this.initValues}));
        this.built = true;
      }
      computeOutputShape(s) { return s; }
      call(inputs) {
        return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.gamma.read()));
      }
      getConfig() {
        return Object.assign(super.getConfig(), {init_values: this.initValues, projection_dim: this.projectionDim});
      }
    };
    LayerScaleLayer.className = 'LayerScale';
  }
  return new LayerScaleLayer({initValues, projectionDim, name});
}

// Conv2D(filters=C, groups=C, padding='same', stride 1) on C channels, which tfjs's Conv2D cannot
// compute (no groups): with one input channel per group and one filter per group it is exactly a
// depthwise convolution with depth multiplier 1. The weight has Keras's Conv2D shape (k, k, 1, C),
// whose memory order is that of tfjs's depthwise (k, k, C, 1), so the dumped values need no
// reordering; the config is Keras's Conv2D one.
let GroupedConv2D = null;
function channelwiseConv2d(tf, channels, kernelSize, name) {
  if (!GroupedConv2D) {
    GroupedConv2D = class extends tf.layers.Layer {
      constructor(c) { super(c); this.channels = c.channels; this.kernelSize = c.kernelSize; }
      build() {
        const k = this.kernelSize;
        this.kernel = this.addWeight('kernel', [k, k, 1, this.channels], 'float32', tf.initializers.glorotUniform({}));
        this.bias = this.addWeight('bias', [this.channels], 'float32', tf.initializers.zeros());
        this.built = true;
      }
      computeOutputShape(s) { return [s[0], s[1], s[2], this.channels]; }
      call(inputs) {
        return tf.tidy(() => {
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          const k = this.kernelSize;
          const depthwise = tf.reshape(this.kernel.read(), [k, k, this.channels, 1]);
          return tf.add(tf.depthwiseConv2d(x, depthwise, 1, 'same'), this.bias.read());
        });
      }
      getConfig() {
        const k = this.kernelSize;
        return Object.assign(super.getConfig(), {filters: this.channels, kernel_size: [k, k], strides: [1, 1],
          padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: this.channels,
          activation: 'linear', use_bias: true});
      }
    };
    GroupedConv2D.className = 'Conv2D';
  }
  return new GroupedConv2D({channels, kernelSize, name});
}

// erf in float64: 2/sqrt(pi) * exp(-z^2) * sum_n (2z^2)^n z / (1*3*...*(2n+1)), a series of
// positive terms (no cancellation); |erf| rounds to 1 in float64 beyond |z| = 6.
function erf64(z) {
  const a = Math.abs(z);
  if (a >= 6) return Math.sign(z);
  let term = a, sum = a;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= 2 * a * a / (2 * n + 1);
    sum += term;
  }
  return Math.sign(z) * 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
}

// Activation('gelu'), Keras's exact form x/2 * (1 + erf(x/sqrt(2))), computed in float64 and
// rounded once: tfjs's own 'gelu' uses its cpu erf kernel (Abramowitz-Stegun 7.1.26, absolute
// error up to 1.5e-7; its gelu is off by up to 2.2e-4 relative for negative inputs), which would
// make the reference far less exact than TensorFlow's float32 erf.
let GeluActivation = null;
function geluActivation(tf, name) {
  if (!GeluActivation) {
    GeluActivation = class extends tf.layers.Layer {
      computeOutputShape(s) { return s; }
      call(inputs) {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const v = x.dataSync();
        const out = new Float32Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = 0.5 * v[i] * (1 + erf64(v[i] / Math.SQRT2));
        return tf.tensor(out, x.shape, 'float32');
      }
      getConfig() { return Object.assign(super.getConfig(), {activation: 'gelu'}); }
    };
    GeluActivation.className = 'Activation';
  }
  return new GeluActivation({name});
}

function convnextTiny(tf, {size, classes, inputName = 'input_1'}) {
  // keras/src/applications/convnext.py (tf-keras 2.15 tf_keras/applications/convnext.py builds the
  // same layers) ConvNeXtTiny: depths [3, 3, 9, 3], projection dims [96, 192, 384, 768], drop path
  // 0 (so each block ends in Activation('linear') `_identity`), layer scale 1e-6,
  // include_preprocessing. The stem and the downsampling blocks are nested Sequential models. Each
  // block closes with `inputs + x`, which tf.keras 2 records as a TFOpLambda
  // tf.__operators__.add(x=inputs, y=x); the input is named as tf.keras 2 names it.
  const L = tf.layers;
  const auto = autoNamer();
  const calls = {};
  const patch = {'@call': calls};
  const name = 'convnext_tiny';
  const depths = [3, 3, 9, 3], dims = [96, 192, 384, 768];
  const ln = (n, extra = {}) => L.layerNormalization(Object.assign({epsilon: 1e-6, name: n}, extra));
  const add = (a, b) => {
    const n = auto('tf.__operators__.add');
    calls[n] = {inputs: ['x', 'y'], kwargs: {name: null}};
    patch[n] = {function: '__operators__.add'};  // tfjs's config writer turns a leading '__' into 'private__'
    return tfOpLambda(tf, '__operators__.add', null, n).apply([a, b]);
  };
  const input = L.input({shape: [size, size, 3], name: inputName});
  // PreStem: ImageNet mean and variance of [0, 255] pixels, computed as Python does
  const sq = (v) => v * v;
  let x = normalization(tf, {axis: [-1], name: name + '_prestem_normalization',
    mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
    variance: [sq(0.229 * 255), sq(0.224 * 255), sq(0.225 * 255)]}).apply(input);
  let channels = 3;
  for (let i = 0; i < 4; i++) {
    // tfjs needs the first layer of a Sequential to know its input shape
    const inputShape = x.shape.slice(1);
    const down = i === 0
      ? tf.sequential({name: name + '_stem', layers: [
        L.conv2d({filters: dims[0], kernelSize: 4, strides: 4, name: name + '_stem_conv', inputShape}),
        ln(name + '_stem_layernorm')]})
      : tf.sequential({name: `${name}_downsampling_block_${i - 1}`, layers: [
        ln(`${name}_downsampling_layernorm_${i - 1}`, {inputShape}),
        L.conv2d({filters: dims[i], kernelSize: 2, strides: 2, name: `${name}_downsampling_conv_${i - 1}`})]});
    x = down.apply(x);
    channels = dims[i];
    for (let j = 0; j < depths[i]; j++) {
      const p = `${name}_stage_${i}_block_${j}`;
      const inputs = x;
      let y = channelwiseConv2d(tf, channels, 7, p + '_depthwise_conv').apply(x);
      y = ln(p + '_layernorm').apply(y);
      y = L.dense({units: 4 * channels, name: p + '_pointwise_conv_1'}).apply(y);
      y = geluActivation(tf, p + '_gelu').apply(y);
      y = L.dense({units: channels, name: p + '_pointwise_conv_2'}).apply(y);
      y = layerScale(tf, 1e-6, channels, p + '_layer_scale').apply(y);
      y = L.activation({activation: 'linear', name: p + '_identity'}).apply(y);
      x = add(inputs, y);
    }
  }
  x = L.globalAveragePooling2d({name: name + '_head_gap'}).apply(x);
  x = ln(name + '_head_layernorm').apply(x);
  x = L.dense({units: classes, activation: 'softmax', name: name + '_head_dense'}).apply(x);
  const model = tf.model({inputs: input, outputs: x, name});
  model.oraclePatch = patch;
  return model;
}

module.exports = {
  makeDivisible, correctPad, autoNamer,
  ARCHITECTURES: {
    vgg16: {build: vgg16, keras: 'VGG16', minSize: 32, size: 32},
    resnet50: {build: (tf, o) => resnet(tf, o, false), keras: 'ResNet50', minSize: 32, size: 32,
      // "zero-gamma"-like residual branches, or 16 additions grow the activations until softmax saturates
      ranges: {'_3_bn/gamma': [0.1, 0.3]}},
    resnet50v2: {build: (tf, o) => resnet(tf, o, true), keras: 'ResNet50V2', minSize: 32, size: 32,
      ranges: {'_3_conv/kernel': [-0.02, 0.02]}},
    mobilenet: {build: mobilenet, keras: 'MobileNet', minSize: 32, size: 32,
      customLayers: 'GlobalAveragePooling2D keepdims as a custom tfjs layer'},
    mobilenet_v2: {build: mobilenetV2, keras: 'MobileNetV2', minSize: 32, size: 32},
    densenet121: {build: densenet121, keras: 'DenseNet121', minSize: 32, size: 32},
    inception_v3: {build: inceptionV3, keras: 'InceptionV3', minSize: 75, size: 75},
    nasnet_mobile: {build: nasnetMobile, keras: 'NASNetMobile', minSize: 32, size: 64},
    efficientnet_b0: {build: efficientnetB0, keras: 'EfficientNetB0', minSize: 32, size: 64, inputRange: [0, 255],
      customLayers: 'Normalization as a custom tfjs layer from keras/src/layers/preprocessing/normalization.py'},
    mobilenet_v3_small: {build: mobilenetV3Small, keras: 'MobileNetV3Small', minSize: 32, size: 64, inputRange: [0, 255],
      k3: null, skipK3: 'Keras 3 names the layers differently and makes hard_swish an Activation: see mobilenet_v3_small_k3',
      customLayers: 'TFOpLambda (tf.__operators__.add, tf.math.multiply with a constant) and GlobalAveragePooling2D keepdims as custom tfjs layers'},
    mobilenet_v3_small_k3: {build: (tf, o) => mobilenetV3Small(tf, Object.assign({keras3: true}, o)), keras: 'MobileNetV3Small',
      minSize: 32, size: 64, inputRange: [0, 255],
      k2: null, skipK2: 'Keras 3\'s MobileNetV3 (names joined by _, Activation(\'hard_swish\')); tf.keras 2\'s is mobilenet_v3_small',
      customLayers: 'x + 3.0 and * (1/6) (Keras 3 operations; TFOpLambda stand-ins in tfjs), Activation(\'hard_swish\') and GlobalAveragePooling2D keepdims as custom tfjs layers'},
    convnext_tiny: {build: convnextTiny, keras: 'ConvNeXtTiny', minSize: 32, size: 32, inputRange: [0, 255],
      customLayers: 'LayerScale, Conv2D(groups=channels) as a depthwise convolution, exact-erf gelu Activation, ' +
        'Normalization with given mean/variance and TFOpLambda tf.__operators__.add of two tensors as custom tfjs layers'},
    xception: {build: xception, keras: 'Xception', minSize: 71, size: 71,
      ranges: {'sepconv3_bn/gamma': [0.1, 0.3]}},
  },
};

'use strict';
// What the oracle's node programs share (oracle.js, applications.js, bench/models.js):
// TensorFlow.js loaded quietly, seeded weights given layer by layer, and the parts of the dump
// format they all write.

// tfjs prints "install tfjs-node for speed" banners through console.log/warn while it loads.
function loadTfjs() {
  const log = console.log;
  const warn = console.warn;
  console.log = console.warn = () => {};
  try {
    return require('@tensorflow/tfjs');
  } finally {
    console.log = log;
    console.warn = warn;
  }
}
const tf = loadTfjs();

const prod = (a) => a.reduce((x, y) => x * y, 1);
const base64 = (f32) => Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');

// The variable's own name in a tfjs weight name: "conv2d_1/kernel_3" -> "kernel".
const variableName = (w) => w.name.split('/').pop().replace(/_\d+$/, '');

// Round-to-nearest-even of a float32 value to a float format with `mantissa` stored bits whose
// normal range starts at 2**minExponent, as a (float32-exact) number. Scaling by powers of two is
// exact in doubles, so the rounding happens once, at roundTiesEven. Overflow becomes infinity.
const bits32 = new Uint32Array(1);
const view32 = new Float32Array(bits32.buffer);
function roundTiesEven(y) {
  const f = Math.floor(y);
  const d = y - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}
function roundFloat(x, mantissa, minExponent, max) {
  if (x === 0 || !Number.isFinite(x)) return x;
  view32[0] = x;
  const exponent = Math.max(((bits32[0] >>> 23) & 0xff) - 127, minExponent);
  const quantum = 2 ** (exponent - mantissa);
  const r = roundTiesEven(Math.abs(x) / quantum) * quantum;
  return Math.sign(x) * (r > max ? Infinity : r);
}
// IEEE half: 10 mantissa bits, normals from 2**-14, largest 65504.
const toFloat16 = (x) => roundFloat(x, 10, -14, 65504);
// bfloat16: float32's exponent range (normals from 2**-126), 7 mantissa bits.
const toBfloat16 = (x) => roundFloat(x, 7, -126, 3.3895313892515355e38);
// How a case stores its weights: float32 values rounded to what a 16-bit variable holds.
const QUANTIZERS = {float16: toFloat16, bfloat16: toBfloat16};

// Gives every weight of `layer` values drawn uniformly from range(variable name, shape) and
// returns them in the order of layer.weights; `quantize` (optional) rounds each value as a
// 16-bit variable would store it.
function seedLayer(layer, rng, range, quantize = null) {
  const out = [];
  const tensors = [];
  for (const w of layer.weights) {
    const [lo, hi] = range(variableName(w), w.shape);
    const data = rng.uniform(prod(w.shape), lo, hi);
    if (quantize) data.forEach((v, i) => { data[i] = quantize(v); });
    tensors.push(tf.tensor(data, w.shape, 'float32'));
    out.push({name: w.name, shape: w.shape, data});
  }
  if (tensors.length) layer.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
  return out;
}

// A model's layers with seeded weights, in the dump format (a nested model, such as ConvNeXt's
// Sequential stem, as {name, class_name, trainable, is_model, layers: [...]}, its layers seeded in
// order); `keep(values)` says how a weight's values are recorded (base64 inline, an offset into a
// side file, ...). range(layer, variable name, shape, is the last layer) gives each weight's
// value range; only the outer model's last layer is "last".
function seedModel(model, rng, range, keep, last = model.layers[model.layers.length - 1].name) {
  return model.layers.map((layer) => {
    if (layer instanceof tf.LayersModel) {
      return {name: layer.name, class_name: layer.getClassName(), trainable: layer.trainable, is_model: true,
        layers: seedModel(layer, rng, range, keep, last)};
    }
    return {
      name: layer.name,
      class_name: layer.getClassName(),
      trainable: layer.trainable,
      weights: seedLayer(layer, rng, (v, shape) => range(layer, v, shape, layer.name === last))
        .map(({name, shape, data}) => Object.assign({name, shape}, keep(data))),
    };
  });
}

// Each layer's input shape(s), for the writers' shape-dependent config keys (normalised
// BatchNormalization axes, as tf.keras stores them after build); the layers of nested models
// too, under their own names (unique in the whole model for the architectures built here).
function layerInputShapes(model, shapes = {}) {
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (node && node.inputShapes)
      shapes[layer.name] = Array.isArray(node.inputShapes[0]) ? node.inputShapes : [node.inputShapes];
    if (layer instanceof tf.LayersModel) layerInputShapes(layer, shapes);
  }
  return shapes;
}

module.exports = {tf, prod, base64, seedLayer, seedModel, layerInputShapes, QUANTIZERS};

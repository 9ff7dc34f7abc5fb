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

// Gives every weight of `layer` values drawn uniformly from range(variable name, shape) and
// returns them in the order of layer.weights.
function seedLayer(layer, rng, range) {
  const out = [];
  const tensors = [];
  for (const w of layer.weights) {
    const [lo, hi] = range(variableName(w), w.shape);
    const data = rng.uniform(prod(w.shape), lo, hi);
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

module.exports = {tf, prod, base64, seedLayer, seedModel, layerInputShapes};

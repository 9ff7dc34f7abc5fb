'use strict';
// Benchmark models built with TensorFlow.js layers, the oracle's independent port of Keras
// (tools/oracle: same tfjs install, same seeded PRNG, same dump format, so that
// tools/oracle/keras_config.py + h5_writers.py write them as tf.keras 2.15 would).
// These are NOT test fixtures: bench/run.sh writes them into the build directory.
//
//   node bench/models.js OUT_DIR [name ...]
//
// Weights are random (seeded by the model name) with variance-preserving ranges by true fan-in
// (He uniform for layers followed by ReLU, depthwise kernels by their 3x3 window), and
// BatchNormalization statistics near (0, 1), so that the activations of 50-layer networks
// stay O(1) and the classifier outputs are not saturated: that keeps the kerasrt/ONNX Runtime
// comparison meaningful. No predictions are run here (ONNX Runtime and kerasrt are compared
// with each other by bench/bench.py).
//
// The Transformer encoder is not here: tfjs-layers has no MultiHeadAttention. It is built in
// Python by bench/write_models.py.

const fs = require('fs');
const path = require('path');

const ORACLE = path.join(__dirname, '..', 'tools', 'oracle');
const {tf, prod, base64, seedModel, layerInputShapes} = require(path.join(ORACLE, 'tfjs_util'));
const {Rng, fnv1a32} = require(path.join(ORACLE, 'prng'));

const L = tf.layers;

// ------------------------------------------------------------------ models

function mlp() {
  // keras/examples mnist_mlp.py
  const m = tf.sequential({name: 'sequential'});
  m.add(L.dense({units: 512, activation: 'relu', inputShape: [784], name: 'dense'}));
  m.add(L.dropout({rate: 0.2, name: 'dropout'}));
  m.add(L.dense({units: 512, activation: 'relu', name: 'dense_1'}));
  m.add(L.dropout({rate: 0.2, name: 'dropout_1'}));
  m.add(L.dense({units: 10, activation: 'softmax', name: 'dense_2'}));
  return m;
}

function mnistCnn() {
  // keras/examples mnist_cnn.py
  const m = tf.sequential({name: 'sequential'});
  m.add(L.conv2d({filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], name: 'conv2d'}));
  m.add(L.conv2d({filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2d_1'}));
  m.add(L.maxPooling2d({poolSize: 2, name: 'max_pooling2d'}));
  m.add(L.dropout({rate: 0.25, name: 'dropout'}));
  m.add(L.flatten({name: 'flatten'}));
  m.add(L.dense({units: 128, activation: 'relu', name: 'dense'}));
  m.add(L.dropout({rate: 0.5, name: 'dropout_1'}));
  m.add(L.dense({units: 10, activation: 'softmax', name: 'dense_1'}));
  return m;
}

// keras.applications.MobileNetV2 (alpha 1.0) and ResNet50 at 224x224 with 1000 classes, as the
// oracle's applications tests build them (tools/oracle/applications_models.js), input named as
// tf.keras 2.15 names it.
const {ARCHITECTURES} = require(path.join(ORACLE, 'applications_models'));
const application = (arch) => () => ARCHITECTURES[arch].build(tf, {size: 224, classes: 1000, inputName: 'input_1'});
const mobilenetV2 = application('mobilenet_v2');
const resnet50 = application('resnet50');

function lstmText() {
  // keras/examples imdb_lstm.py, with two stacked LSTMs: 20,000-word vocabulary, 200 tokens.
  const m = tf.sequential({name: 'sequential'});
  m.add(L.embedding({inputDim: 20000, outputDim: 128, inputLength: 200, inputShape: [200], name: 'embedding'}));
  m.add(L.lstm({units: 128, returnSequences: true, recurrentActivation: 'sigmoid', name: 'lstm'}));
  m.add(L.lstm({units: 128, recurrentActivation: 'sigmoid', name: 'lstm_1'}));
  m.add(L.dense({units: 1, activation: 'sigmoid', name: 'dense'}));
  return m;
}

// name -> {build, input: value range of the seeded input, ranges?: {'<layer suffix>/<var>': [lo, hi]}}
const MODELS = {
  mlp: {build: mlp, input: {lo: 0, hi: 1}},
  mnist_cnn: {build: mnistCnn, input: {lo: 0, hi: 1}},
  mobilenet_v2: {build: mobilenetV2, input: {lo: -1, hi: 1}},
  // The last BatchNormalization of each residual branch starts small (as in "zero-gamma"
  // initialisation), or the 16 residual additions grow the activations until softmax saturates.
  resnet50: {build: resnet50, input: {lo: -1, hi: 1}, ranges: {'_3_bn/gamma': [0.1, 0.3]}},
  lstm_text: {build: lstmText, input: {int: 20000}},
};

// ------------------------------------------------------------------ weights

// Ranges by role and true fan-in. `last` is the classifier layer: smaller, so that its
// softmax is not saturated.
function range(layer, varName, shape, last, overrides) {
  const cls = layer.getClassName();
  for (const [suffix, r] of Object.entries(overrides || {}))
    if ((layer.name + '/' + varName).endsWith(suffix)) return r;
  switch (varName) {
    case 'gamma': return [0.8, 1.2];
    case 'moving_variance': return [0.8, 1.2];
    case 'beta': case 'moving_mean': case 'bias': return [-0.1, 0.1];
    case 'embeddings': return [-0.5, 0.5];
    default: break;
  }
  let fanIn = shape.length > 1 ? prod(shape.slice(0, -1)) : shape[0];
  if (cls === 'DepthwiseConv2D') fanIn = shape[0] * shape[1];
  const reluAfter = cls === 'Conv2D' || cls === 'DepthwiseConv2D' || (cls === 'Dense' && !last);
  const a = Math.sqrt((reluAfter ? 6 : 3) / fanIn) * (last ? 0.5 : 1);
  return [-a, a];
}

function dumpModel(name, spec, outDir) {
  const seed = fnv1a32('bench:' + name);
  const rng = new Rng(seed);
  const model = spec.build();
  const layers = seedModel(model, rng, (layer, v, shape, last) => range(layer, v, shape, last, spec.ranges),
    (data) => ({data: base64(data)}));
  const inputShapes = layerInputShapes(model);
  const dump = {
    case: name,
    description: `kerasrt benchmark model ${name}`,
    seed,
    tfjs_version: tf.version['tfjs-layers'],
    numpy_reference: false,
    k2: '2.15.0',
    k3: null,
    patch: null,
    model_config: model.toJSON(null, false),
    layers,
    input_spec: spec.input,
    input_shapes: inputShapes,
    params: model.countParams(),
  };
  fs.mkdirSync(outDir, {recursive: true});
  fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(dump));
  model.dispose();
  console.error(`models.js: ${name}: ${dump.params.toLocaleString('en-US')} parameters`);
}

async function main() {
  const [outDir, ...names] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node bench/models.js OUT_DIR [name ...]');
    process.exit(2);
  }
  console.log = console.warn = () => {};
  await tf.setBackend('cpu');
  for (const name of names.length ? names : Object.keys(MODELS)) {
    if (!MODELS[name]) {
      console.error(`models.js: no model ${name} (have ${Object.keys(MODELS).join(', ')})`);
      process.exit(2);
    }
    dumpModel(name, MODELS[name], outDir);
  }
}

main();

'use strict';
// keras.applications architectures for kerasrt's end-to-end tests (tests/applications_test.cc).
// Builds each architecture of applications_models.js with TensorFlow.js layers, gives it seeded
// random weights (BatchNormalization statistics included, so that folding is exercised), runs
// predict on a seeded batch of 4 and dumps config, weights and predictions for applications.py.
// The models are too large to commit: tools/oracle/applications.sh generates them at test time.
//
//   node applications.js DUMP_DIR [arch ...]
//
// DUMP_DIR/<arch>.json holds the oracle.js dump format with each weight's data as an offset into
// DUMP_DIR/<arch>.bin (float32, little-endian) instead of base64.

const fs = require('fs');
const path = require('path');

const {tf, prod, base64: b64, seedModel, layerInputShapes} = require('./tfjs_util');
const {Rng, fnv1a32} = require('./prng');
const {ARCHITECTURES} = require('./applications_models');

const BATCH = 4;
const CLASSES = 10;

// Weight ranges by role and true fan-in: He-uniform for kernels (depthwise kernels by their
// window), so that activations stay O(1) through 50-200 layers; BatchNormalization statistics
// far enough from (0, 1) that folding them into the convolution matters. `last` is the
// classifier: smaller, so that its softmax is not saturated.
function range(layer, varName, shape, last, overrides) {
  for (const [suffix, r] of Object.entries(overrides || {}))
    if ((layer.name + '/' + varName).endsWith(suffix)) return r;
  switch (varName) {
    case 'gamma': return [0.6, 1.2];
    case 'moving_variance': return [0.5, 1.5];
    case 'beta': case 'bias': return [-0.2, 0.2];
    case 'moving_mean': return [-0.3, 0.3];
    // Normalization (adapted): per-channel mean and variance of the input
    case 'mean': return [-0.3, 0.3];
    case 'variance': return [0.04, 0.1];
    case 'count': return [1000, 1000];
    default: break;
  }
  const cls = layer.getClassName();
  let fanIn = shape.length > 1 ? prod(shape.slice(0, -1)) : shape[0];
  if (cls === 'DepthwiseConv2D' || varName === 'depthwise_kernel') fanIn = shape[0] * shape[1];
  // a separable convolution's two kernels have no ReLU between them: variance-preserving depthwise
  const gain = cls === 'SeparableConv2D' && varName === 'depthwise_kernel' ? 3 : 6;
  const a = Math.sqrt(gain / fanIn) * (last ? 0.5 : 1);
  return [-a, a];
}

function run(arch, spec, outDir) {
  const t0 = Date.now();
  const seed = fnv1a32('applications:' + arch);
  const rng = new Rng(seed);
  const size = spec.size;
  const model = spec.build(tf, {size, classes: CLASSES});
  // Weights go to <arch>.bin, recorded in the dump as byte offsets into it.
  const chunks = [];
  let bytes = 0;
  const layers = seedModel(model, rng, (layer, v, shape, last) => range(layer, v, shape, last, spec.ranges),
    (data) => {
      chunks.push(data);
      bytes += data.byteLength;
      return {offset: bytes - data.byteLength};
    });
  const fd = fs.openSync(path.join(outDir, arch + '.bin'), 'w');
  for (const c of chunks) fs.writeSync(fd, Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  fs.closeSync(fd);
  const inputShapes = layerInputShapes(model);
  const shape = [BATCH, size, size, 3];
  const xdata = rng.uniform(prod(shape), spec.inputRange ? spec.inputRange[0] : -1, spec.inputRange ? spec.inputRange[1] : 1);
  const x = tf.tensor(xdata, shape, 'float32');
  const y = model.predict(x);
  const ydata = y.dataSync();
  const dump = {
    case: arch,
    description: spec.description,
    keras_function: spec.keras,
    input_size: size,
    classes: CLASSES,
    seed,
    tfjs_version: tf.version['tfjs-layers'],
    numpy_reference: false,
    k2: spec.k2 === undefined ? '2.15.0' : spec.k2,
    k3: spec.k3 === undefined ? '3.12.0' : spec.k3,
    skip_k2: spec.skipK2 || null,
    skip_k3: spec.skipK3 || null,
    compiled: false,
    example: null,
    patch: model.oraclePatch || spec.patch || null,
    custom_layers: spec.customLayers || null,
    model_config: model.toJSON(null, false),
    layers,
    input_shapes: inputShapes,
    inputs: [{name: model.inputLayers[0].name, shape, data: b64(xdata)}],
    outputs: [{shape: y.shape, data: b64(ydata)}],
    params: model.countParams(),
    seconds: (Date.now() - t0) / 1000,
  };
  fs.writeFileSync(path.join(outDir, arch + '.json'), JSON.stringify(dump));
  x.dispose();
  y.dispose();
  model.dispose();
  let mn = Infinity, mx = -Infinity;
  for (const v of ydata) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
  console.error(`applications.js: ${arch} ${size}x${size}: ${dump.params.toLocaleString('en-US')} parameters, ` +
                `outputs in [${mn.toPrecision(3)}, ${mx.toPrecision(3)}], ${dump.seconds.toFixed(1)} s`);
}

async function main() {
  const [outDir, ...names] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node applications.js DUMP_DIR [arch ...]');
    process.exit(2);
  }
  console.log = console.warn = () => {};
  await tf.setBackend('cpu');
  fs.mkdirSync(outDir, {recursive: true});
  for (const name of names.length ? names : Object.keys(ARCHITECTURES)) {
    const spec = ARCHITECTURES[name];
    if (!spec) {
      console.error(`applications.js: no architecture ${name} (have ${Object.keys(ARCHITECTURES).join(', ')})`);
      process.exit(2);
    }
    run(name, spec, outDir);
  }
}

main();

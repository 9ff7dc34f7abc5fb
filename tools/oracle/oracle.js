'use strict';
// Builds every case of cases.js with TensorFlow.js layers (pure-JS cpu
// backend), gives it seeded random weights, runs predict on seeded random
// inputs and dumps config + weights + inputs + outputs as JSON for
// write_fixtures.py.
//
//   node oracle.js OUT_DIR [case-name-substring ...]

const fs = require('fs');
const path = require('path');

const {tf, prod, base64: b64, seedLayer, QUANTIZERS} = require('./tfjs_util');
const {Rng, fnv1a32} = require('./prng');
const {CASES} = require('./cases');

const TFJS_VERSION = tf.version['tfjs-layers'];

// Value range for a weight, chosen by its role (last name component).
function defaultRange(varName, shape) {
  const fanIn = shape.length > 1 ? prod(shape.slice(0, -1)) : shape[0];
  switch (varName) {
    case 'gamma':
    case 'moving_variance':
      return [0.5, 1.5];
    case 'beta':
    case 'moving_mean':
    case 'bias':
      return [-0.5, 0.5];
    case 'alpha':
      return [0.05, 0.5];
    case 'embeddings':
      return [-1, 1];
    default: {
      const s = Math.min(1.0, Math.sqrt(3 / Math.max(1, fanIn))) * 1.2;
      return [-s, s];
    }
  }
}

function isModel(layer) {
  return layer instanceof tf.LayersModel;
}

// Assign weights layer by layer (Keras order within each layer), recursing
// into nested models. Returns the dumped layer tree.
function assignAndDump(layer, rng, c) {
  if (isModel(layer)) {
    return {
      name: layer.name,
      class_name: layer.getClassName(),
      trainable: layer.trainable,
      is_model: true,
      layers: layer.layers.map((l) => assignAndDump(l, rng, c)),
    };
  }
  const override = (c.weightShapes || {})[layer.name];
  const entries = [];
  const quantize = c.weightDtype ? QUANTIZERS[c.weightDtype] : null;
  if (c.weightDtype && !quantize) throw new Error(`${c.name}: unknown weightDtype ${c.weightDtype}`);
  if (override) {
    // Option tfjs cannot build: the weights have other shapes than the tfjs
    // stand-in layer (reference is numpy).
    for (const [vname, shape] of override) {
      const [lo, hi] = ((c.weightRanges || {})[vname]) || defaultRange(vname, shape);
      const data = rng.uniform(prod(shape), lo, hi);
      if (quantize) data.forEach((v, i) => { data[i] = quantize(v); });
      entries.push({name: vname, shape, data});
    }
  } else {
    entries.push(...seedLayer(layer, rng, (vname, shape) => ((c.weightRanges || {})[vname]) || defaultRange(vname, shape),
      quantize));
  }
  return {
    name: layer.name,
    class_name: layer.getClassName(),
    trainable: layer.trainable,
    weights: entries.map((e) => ({name: e.name, shape: e.shape, data: b64(e.data)})),
  };
}

// tfjs's SeparableConv getConfig() omits depthMultiplier (DepthwiseConv2D writes it): put the
// live layer's value into the config so the written Keras config matches the weights.
function completeConfig(config, model) {
  const live = new Map();
  const collect = (m) => m.layers.forEach((l) => { live.set(l.name, l); if (isModel(l)) collect(l); });
  collect(model);
  const visit = (entry) => {
    const cfg = entry && entry.config;
    if (!cfg) return;
    if (Array.isArray(cfg.layers)) cfg.layers.forEach(visit);
    const layer = live.get(cfg.name);
    if (/^SeparableConv[12]D$/.test(entry.class_name) && cfg.depth_multiplier == null && layer)
      cfg.depth_multiplier = layer.depthMultiplier;
  };
  visit(config);
  return config;
}

// Padding for masking cases: pad.steps[b % pad.steps.length] lists the timesteps (axis 1) of
// sample b set entirely to pad.value (default 0).
function pad(data, shape, spec) {
  const perStep = prod(shape.slice(2));
  for (let b = 0; b < shape[0]; b++) {
    for (const t of spec.steps[b % spec.steps.length]) {
      const start = (b * shape[1] + t) * perStep;
      data.fill(spec.value ?? 0, start, start + perStep);
    }
  }
}

function runCase(c, outDir) {
  const seed = fnv1a32(c.name);
  const rng = new Rng(seed);
  const model = c.build(tf.layers, tf);
  const layers = model.layers.map((l) => assignAndDump(l, rng, c));

  // Inputs: batch-first float32, uniform or integer-valued.
  const batch = c.batch;
  const inputs = model.inputs.map((t, i) => {
    const spec = (c.inputs || [])[i] || {};
    const shape = [batch].concat(
        (spec.shape || t.shape.slice(1)).map((d) => (d == null ? 3 : d)));
    const n = prod(shape);
    let data;
    if (spec.int != null) {
      // nonzero: ids in [1, int), so that only `pad` puts the padding id 0 in
      data = spec.nonzero ? rng.integers(n, spec.int - 1).map((v) => v + 1) : rng.integers(n, spec.int);
      // fractional parts: Keras casts float indices to int32 (truncation)
      if (spec.frac) for (let k = 0; k < n; k++) data[k] = Math.fround(data[k] + 0.9 * rng.next());
    } else {
      data = rng.uniform(n, spec.lo ?? -2, spec.hi ?? 2);
    }
    if (spec.pad) pad(data, shape, spec.pad);
    return {shape, data};
  });

  let outputs = null;
  if (!c.numpyReference) {
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape, 'float32'));
    let ys = model.predict(xs.length === 1 ? xs[0] : xs);
    if (!Array.isArray(ys)) ys = [ys];
    outputs = ys.map((y) => ({shape: y.shape, data: b64(y.dataSync())}));
    xs.forEach((t) => t.dispose());
    ys.forEach((t) => t.dispose());
  }

  const dump = {
    case: c.name,
    description: c.description,
    seed,
    tfjs_version: TFJS_VERSION,
    numpy_reference: !!c.numpyReference,
    numpy_reason: c.numpyReference || null,
    k2: c.k2 === undefined ? '2.15.0' : c.k2,
    k3: c.k3 === undefined ? '3.12.0' : c.k3,
    skip_k2: c.skipK2 || null,
    skip_k3: c.skipK3 || null,
    compiled: !!c.compiled,
    example: c.example || null,
    rtol: c.rtol || null,
    atol: c.atol || null,
    patch: c.patch || null,
    policy: c.policy || null,
    policy_overrides: c.policyOverrides || null,
    weight_dtype: c.weightDtype || null,
    k2_formats: c.k2Formats || null,
    k2_formats_reason: c.k2FormatsReason || null,
    model_config: completeConfig(model.toJSON(null, false), model),
    layers,
    inputs: inputs.map((x, i) => ({name: model.inputLayers[i] ? model.inputLayers[i].name : null,
                                   shape: x.shape, data: b64(x.data)})),
    outputs,
  };
  fs.mkdirSync(outDir, {recursive: true});
  fs.writeFileSync(path.join(outDir, c.name + '.json'), JSON.stringify(dump));
  model.dispose && model.dispose();
}

async function main() {
  const [outDir, ...filters] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node oracle.js OUT_DIR [filter ...]');
    process.exit(2);
  }
  const {log, warn} = console;
  console.log = console.warn = () => {};  // tfjs banners
  await tf.setBackend('cpu');
  const names = new Set();
  let n = 0;
  for (const c of CASES) {
    if (names.has(c.name)) throw new Error('duplicate case ' + c.name);
    names.add(c.name);
    if (filters.length && !filters.some((f) => c.name.includes(f))) continue;
    try {
      runCase(c, outDir);
    } catch (e) {
      console.error(`case ${c.name}: ${e.stack || e}`);
      process.exit(1);
    }
    n++;
  }
  console.log = log;
  console.warn = warn;
  console.error(`oracle.js: ${n} cases dumped to ${outDir} (tfjs-layers ${TFJS_VERSION}, backend ${tf.getBackend()})`);
}

main();

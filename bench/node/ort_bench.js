'use strict';
// The ONNX Runtime side of the kerasrt benchmark (npm onnxruntime-node, its bundled Linux CPU
// library), measured the way `kerasrt bench` measures kerasrt.
//
//   node ort_bench.js predict MODEL.onnx --input X.npy --output Y.npy [--intra K]
//   node ort_bench.js bench MODEL.onnx [--callers N] [--batch B] [--seconds S] [--warmup S]
//                     [--intra K] [--inter K] [--input X.npy]
//
// Thread counts are always set explicitly: intraOpNumThreads = --intra (threads inside one
// call), interOpNumThreads = --inter (default 1; sequential execution mode). Graph
// optimisations are ORT's default for a user ("all": constant folding, Conv+BatchNorm fusion,
// layout transformation to its NCHWc kernels, ...).
//
// Concurrent callers: onnxruntime-node's session.run() executes synchronously on the calling
// JavaScript thread (see dist/backend.js), so N concurrent callers need N worker threads, and a
// session cannot be shared between workers: each worker loads its own session (N copies of the
// weights). That is how a Node.js service gets parallel ORT inference; the report says so.
//
// Measurement rules as in `kerasrt bench` (frontends/cli/bench.cc): the file is read once
// first (file_read_seconds), then the session is created (load_seconds); warm-up until the
// warm-up time has passed and every caller made a call; a call counts when it starts in the
// measured window; each caller's rate is its counted calls over the span from its first counted
// start to its last end; throughput is the sum of the callers' rates; latency percentiles are
// nearest-rank over all counted calls; peak RSS is the process's VmHWM.

const fs = require('fs');
const path = require('path');
const {Worker, isMainThread, parentPort, workerData} = require('worker_threads');
const ort = require('onnxruntime-node');

// ------------------------------------------------------------------ .npy (float32, C order)

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12);
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  let data;
  if (descr === '<f4') {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(offset + 4 * i);
  } else if (descr === '<f8') {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = buf.readDoubleLE(offset + 8 * i);
  } else {
    throw new Error(`${file}: dtype ${descr} (want <f4)`);
  }
  return {shape, data};
}

function writeNpy(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(4 * data.length);
  for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], 4 * i);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

// Rows of `x` cycled to `batch` rows.
function batchOf(x, batch) {
  const row = x.data.length / x.shape[0];
  const out = new Float32Array(row * batch);
  for (let b = 0; b < batch; b++) out.set(x.data.subarray((b % x.shape[0]) * row, (b % x.shape[0] + 1) * row), b * row);
  return {shape: [batch].concat(x.shape.slice(1)), data: out};
}

// ------------------------------------------------------------------ arguments

function parseArgs(argv) {
  const opts = {callers: 1, batch: 1, seconds: 5, warmup: 1, intra: 1, inter: 1};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const key = a.slice(2);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      opts[key] = ['input', 'output', 'shape'].includes(key) ? v : Number(v);
      if (typeof opts[key] === 'number' && !Number.isFinite(opts[key])) throw new Error(`${a} needs a number`);
    } else {
      rest.push(a);
    }
  }
  return {opts, rest};
}

function sessionOptions(opts) {
  return {intraOpNumThreads: opts.intra, interOpNumThreads: opts.inter, executionMode: 'sequential',
    graphOptimizationLevel: 'all'};
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

function feedsFor(session, x) {
  return {[session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape)};
}

function inputFor(opts, session) {
  if (opts.input) return batchOf(readNpy(opts.input), opts.batch);
  // uniform [0, 1), as `kerasrt bench` without --input
  const meta = session.inputMetadata && session.inputMetadata[0];
  if (!meta || !meta.shape) throw new Error('give --input X.npy');
  const shape = meta.shape.map((d, i) => (i === 0 ? opts.batch : d));
  if (shape.some((d) => typeof d !== 'number')) throw new Error('the model has open dimensions: give --input X.npy');
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = 1234;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s / 4294967296;
  }
  return {shape, data};
}

// ------------------------------------------------------------------ one caller

// control: Int32Array over a SharedArrayBuffer: [phase, warm-up calls per caller..., counted
// calls per caller...]; phase 0 warm-up, 1 measure, 2 stop.
async function callerLoop(session, feeds, control, index, callers) {
  const latencies = [];
  let firstStart = 0;
  let lastEnd = 0;
  for (;;) {
    const phase = Atomics.load(control, 0);
    if (phase === 2 && latencies.length > 0) break;
    const t0 = now();
    await session.run(feeds);
    const t1 = now();
    if (phase === 0) {
      Atomics.add(control, 1 + index, 1);
    } else {
      if (latencies.length === 0) firstStart = t0;
      lastEnd = t1;
      latencies.push(t1 - t0);
      Atomics.add(control, 1 + callers + index, 1);
    }
  }
  return {latencies, span: lastEnd - firstStart};
}

async function workerMain() {
  const {modelPath, opts, index, control} = workerData;
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(opts));
  const feeds = feedsFor(session, inputFor(opts, session));
  parentPort.postMessage({ready: true});
  const result = await callerLoop(session, feeds, control, index, opts.callers);
  parentPort.postMessage({done: true, ...result});
  await session.release();
}

// ------------------------------------------------------------------ commands

async function predict(modelPath, opts) {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(opts));
  const x = readNpy(opts.input);
  const out = await session.run(feedsFor(session, x));
  const y = out[session.outputNames[0]];
  writeNpy(opts.output, y.dims, y.data);
}

// The process's high-water mark, VmHWM: not resourceUsage().maxRSS, which Linux carries over
// execve from the process that forked node (a Python driver, say).
function peakRss() {
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch (e) {
    // no /proc: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bench(modelPath, opts) {
  const callers = opts.callers;
  const rssBefore = process.memoryUsage().rss;
  const r0 = now();
  const bytes = fs.readFileSync(modelPath);
  const fileRead = now() - r0;
  const control = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * callers)));
  const results = [];
  let loadSeconds;
  let rssAfterLoad;
  const t0 = now();
  if (callers === 1) {
    // One caller: the main thread, no worker (no extra isolate in the RSS figure).
    const session = await ort.InferenceSession.create(modelPath, sessionOptions(opts));
    loadSeconds = now() - t0;
    rssAfterLoad = process.memoryUsage().rss;
    const feeds = feedsFor(session, inputFor(opts, session));
    const timer = (async () => {
      const w0 = now();
      while (!(now() - w0 >= opts.warmup && Atomics.load(control, 1) > 0)) await sleep(5);
      Atomics.store(control, 0, 1);
      const m0 = now();
      while (!(now() - m0 >= opts.seconds && Atomics.load(control, 2) > 0)) await sleep(5);
      Atomics.store(control, 0, 2);
    })();
    results.push(await callerLoop(session, feeds, control, 0, 1));
    await timer;
    await session.release();
  } else {
    const workers = [];
    const ready = [];
    const done = [];
    for (let i = 0; i < callers; i++) {
      const w = new Worker(__filename, {workerData: {modelPath, opts, index: i, control}});
      workers.push(w);
      ready.push(new Promise((res, rej) => {
        w.on('message', (m) => { if (m.ready) res(); });
        w.on('error', rej);
      }));
      done.push(new Promise((res, rej) => {
        w.on('message', (m) => { if (m.done) res(m); });
        w.on('error', rej);
      }));
    }
    await Promise.all(ready);
    loadSeconds = now() - t0;  // all sessions (in parallel)
    rssAfterLoad = process.memoryUsage().rss;
    const allAtLeast = (offset) => {
      for (let i = 0; i < callers; i++) if (Atomics.load(control, offset + i) === 0) return false;
      return true;
    };
    const w0 = now();
    while (!(now() - w0 >= opts.warmup && allAtLeast(1))) await sleep(5);
    Atomics.store(control, 0, 1);
    const m0 = now();
    while (!(now() - m0 >= opts.seconds && allAtLeast(1 + callers))) await sleep(5);
    Atomics.store(control, 0, 2);
    for (const r of await Promise.all(done)) results.push(r);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const latencies = [].concat(...results.map((r) => r.latencies)).sort((a, b) => a - b);
  let callsPerSecond = 0;
  for (const r of results) if (r.span > 0) callsPerSecond += r.latencies.length / r.span;
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const ms = (s) => s * 1e3;
  const report = {
    model: modelPath,
    runtime: `onnxruntime-node ${ort.env.versions.node} (CPU)`,
    threads: callers,
    intra_op_threads: opts.intra,
    inter_op_threads: opts.inter,
    sessions: callers,
    batch: opts.batch,
    warmup_seconds: opts.warmup,
    seconds: opts.seconds,
    calls: latencies.length,
    samples: latencies.length * opts.batch,
    calls_per_second: callsPerSecond,
    samples_per_second: callsPerSecond * opts.batch,
    latency_ms: {p50: ms(percentile(latencies, 50)), p90: ms(percentile(latencies, 90)), p99: ms(percentile(latencies, 99)),
      mean: ms(mean), min: ms(latencies[0]), max: ms(latencies[latencies.length - 1])},
    load_seconds: loadSeconds,
    file_bytes: bytes.length,
    file_read_seconds: fileRead,
    rss_before_load_bytes: rssBefore,
    rss_after_load_bytes: rssAfterLoad,
    peak_rss_bytes: peakRss(),
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

async function main() {
  const [command, modelPath, ...rest] = process.argv.slice(2);
  const {opts} = parseArgs(rest);
  if (command === 'predict' && modelPath && opts.input && opts.output) return predict(modelPath, opts);
  if (command === 'bench' && modelPath) return bench(path.resolve(modelPath), opts);
  process.stderr.write('usage: node ort_bench.js predict MODEL.onnx --input X.npy --output Y.npy [--intra K]\n' +
    '       node ort_bench.js bench MODEL.onnx [--callers N] [--batch B] [--seconds S] [--warmup S] [--intra K] [--inter K] [--input X.npy]\n');
  process.exit(2);
}

if (isMainThread) {
  main().catch((e) => {
    process.stderr.write(`ort_bench.js: ${e.stack || e}\n`);
    process.exit(1);
  });
} else {
  workerMain().catch((e) => {
    process.stderr.write(`ort_bench.js worker: ${e.stack || e}\n`);
    process.exit(1);
  });
}

// node bench/export_bench.mjs MODEL_DIR [--rounds R]
// Exact export of adaptive pooling in ONNX Runtime (CPU, one intra-op thread), three ways on the
// same input in one session each: poolproof's emitted model (MODEL_DIR/<shape>_<kind>.onnx,
// written by bench/export_bench.sh), per-window Slice + Reduce + Concat (what coremltools and
// ExecuTorch's Arm backend do), and the two-pool gather (Keras 3's way, axis by axis: one stride-1
// pool per window length, a Gather of the windows' starts from each, a Where that picks each
// output's length). Rounds interleave the three in rotating order; each prints the median.
// The three outputs must agree (max exactly, avg within 1e-5 relative) before anything is timed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../tests/runtimes/package.json'));
const ort = require('onnxruntime-node');
const { onnx } = require('onnx-proto');

export const SHAPES = [
  { name: '9x9_7x7', shape: [1, 512, 9, 9], out: [7, 7] },
  { name: '14x14_5x5', shape: [1, 512, 14, 14], out: [5, 5] },
  { name: '33_10', shape: [8, 64, 33], out: [10] },
  { name: '112x112_13x13', shape: [8, 64, 112, 112], out: [13, 13] },
  { name: '19x19_7x7', shape: [1, 512, 19, 19], out: [7, 7] },
];

const OPSET = 17;
const A = onnx.AttributeProto.AttributeType;
const ints = (name, v) => ({ name, type: A.INTS, ints: v });
const int = (name, v) => ({ name, type: A.INT, i: v });
const windowOf = (n, m, i) => [Math.floor((i * n) / m), Math.ceil(((i + 1) * n) / m)];

class Graph {
  constructor() { this.node = []; this.initializer = []; this.next = 0; }
  name(stem) { return `${stem}_${this.next++}`; }
  add(opType, input, attribute = []) {
    const output = this.name(opType);
    this.node.push({ opType, input, output: [output], attribute });
    return output;
  }
  int64s(values, dims = [values.length]) {
    const name = this.name('c');
    this.initializer.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims, int64Data: values });
    return name;
  }
  bools(values, dims) {
    const name = this.name('mask');
    this.initializer.push({ name, dataType: onnx.TensorProto.DataType.BOOL, dims, int32Data: values.map(Number) });
    return name;
  }
  bytes(shape, out) {
    this.node[this.node.length - 1].output = ['y'];
    const type = (dims) => ({ tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } });
    const model = onnx.ModelProto.create({
      irVersion: 8, producerName: 'poolproof-bench', opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: 'g', node: this.node, initializer: this.initializer,
               input: [{ name: 'x', type: type(shape) }],
               output: [{ name: 'y', type: type([...shape.slice(0, 2), ...out]) }] },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

// One Slice + ReduceMean/ReduceMax per output window, then Concats row by row.
function perWindow(shape, out, kind) {
  const g = new Graph();
  const spatial = shape.slice(2);
  const axes = g.int64s(spatial.map((_, d) => d + 2));
  const reduce = kind === 'avg' ? 'ReduceMean' : 'ReduceMax';
  const build = (prefix, d) => {
    if (d === spatial.length) {
      const starts = g.int64s(prefix.map((w) => w[0])), ends = g.int64s(prefix.map((w) => w[1]));
      const slice = g.add('Slice', ['x', starts, ends, axes]);
      return g.add(reduce, [slice], [ints('axes', spatial.map((_, k) => k + 2)), int('keepdims', 1)]);
    }
    const parts = [];
    for (let i = 0; i < out[d]; i++) parts.push(build([...prefix, windowOf(spatial[d], out[d], i)], d + 1));
    return g.add('Concat', parts, [int('axis', d + 2)]);
  };
  build([], 0);
  return g;
}

// Axis by axis: per window length L a stride-1 pool along that axis, a Gather of the windows'
// starts (clamped where a window of the other length starts too late), and Where by length.
function twoPoolGather(shape, out, kind) {
  const g = new Graph();
  let current = 'x';
  const spatial = shape.slice(2);
  for (let d = spatial.length - 1; d >= 0; d--) {
    const n = spatial[d], m = out[d];
    const windows = [...Array(m).keys()].map((i) => windowOf(n, m, i));
    const lengths = [...new Set(windows.map(([b, e]) => e - b))].sort((a, b) => a - b);
    const picked = lengths.map((L) => {
      const kernel = spatial.map((_, k) => (k === d ? L : 1));
      const pool = g.add(kind === 'avg' ? 'AveragePool' : 'MaxPool', [current],
                         [ints('kernel_shape', kernel), ints('strides', kernel.map(() => 1))]);
      const starts = windows.map(([b]) => Math.min(b, n - L));
      return g.add('Gather', [pool, g.int64s(starts)], [int('axis', d + 2)]);
    });
    current = picked[0];
    for (let k = 1; k < lengths.length; k++) {
      const dims = spatial.map((_, j) => (j === d ? m : 1));
      const mask = g.bools(windows.map(([b, e]) => e - b === lengths[k]), [1, 1, ...dims]);
      current = g.add('Where', [mask, picked[k], current]);
    }
  }
  if (g.node.length === 0) g.add('Identity', ['x']);
  return g;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function agree(a, b, kind) {
  for (let i = 0; i < a.length; i++) {
    const ok = kind === 'max' ? Object.is(a[i], b[i]) : Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(a[i]));
    if (!ok) return `element ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

async function main() {
  const dir = process.argv[2];
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 21);
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  console.log('| shape | kind | poolproof nodes | per-window nodes | two-pool nodes | poolproof ms | per-window ms | two-pool ms | poolproof / faster peer |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { name, shape, out } of SHAPES) {
    for (const kind of ['avg', 'max']) {
      const ours = readFileSync(path.join(dir, `${name}_${kind}.onnx`));
      const models = { poolproof: ours, 'per-window': perWindow(shape, out, kind), 'two-pool': twoPoolGather(shape, out, kind) };
      const nodes = {}, sessions = {};
      for (const [k, m] of Object.entries(models)) {
        const bytes = m instanceof Graph ? m.bytes(shape, out) : m;
        nodes[k] = onnx.ModelProto.decode(bytes).graph.node.length;
        sessions[k] = await ort.InferenceSession.create(bytes, options);
      }
      const size = shape.reduce((a, b) => a * b);
      const data = new Float32Array(size);
      let state = 12345;
      for (let i = 0; i < size; i++) { state = (state * 1103515245 + 12345) % 2147483648; data[i] = state / 2147483648 - 0.5; }
      const feeds = { x: new ort.Tensor('float32', data, shape) };
      const outputs = {};
      for (const k of Object.keys(sessions)) outputs[k] = (await sessions[k].run(feeds)).y.data;
      for (const k of ['per-window', 'two-pool']) {
        const bad = agree(outputs.poolproof, outputs[k], kind);
        if (bad) throw new Error(`${name} ${kind}: poolproof and ${k} disagree at ${bad}`);
      }
      const times = { poolproof: [], 'per-window': [], 'two-pool': [] };
      const order = Object.keys(times);
      for (let r = 0; r < rounds + 2; r++) {
        for (let j = 0; j < order.length; j++) {
          const k = order[(r + j) % order.length];
          const start = process.hrtime.bigint();
          await sessions[k].run(feeds);
          if (r >= 2) times[k].push(Number(process.hrtime.bigint() - start) / 1e6);  // 2 warm-ups
        }
      }
      const med = Object.fromEntries(order.map((k) => [k, median(times[k])]));
      const peer = Math.min(med['per-window'], med['two-pool']);
      console.log(`| ${shape.join('x')} -> ${out.join('x')} | ${kind} | ${nodes.poolproof} | ${nodes['per-window']} | ` +
                  `${nodes['two-pool']} | ${med.poolproof.toFixed(3)} | ${med['per-window'].toFixed(3)} | ` +
                  `${med['two-pool'].toFixed(3)} | ${(med.poolproof / peer).toFixed(2)} |`);
    }
  }
}

await main();

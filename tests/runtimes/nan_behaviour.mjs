// node nan_behaviour.mjs: the evidence behind golden/KNOWN_DIVERGENCES.md's "Emitted models and
// TFLite layers" section. Runs one pool (kernel = stride = window length, no padding) over a few
// windows holding NaN or only -inf in ONNX Runtime and TensorFlow.js (cpu, wasm), beside what
// PyTorch's adaptive pooling returns for the same window (NaN wins, the max of only -inf is -inf).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { onnx } = require('onnx-proto');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
require('@tensorflow/tfjs-backend-wasm');

const WINDOWS = [[1, NaN, 3], [NaN, 1, 3], [1, 3, NaN], [-Infinity, -Infinity, -Infinity], [NaN]];
const pytorch = (w, kind) => (w.some(Number.isNaN) ? NaN
  : kind === 'max' ? Math.max(...w) : w.reduce((a, b) => a + b) / w.length);

async function onnxruntime(w, kind) {
  const A = onnx.AttributeProto.AttributeType;
  const type = (n) => ({ tensorType: { elemType: 1, shape: { dim: [1, 1, n].map((d) => ({ dimValue: d })) } } });
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', input: [{ name: 'x', type: type(w.length) }], output: [{ name: 'y', type: type(1) }],
             node: [{ opType: kind === 'max' ? 'MaxPool' : 'AveragePool', input: ['x'], output: ['y'],
                      attribute: [{ name: 'kernel_shape', type: A.INTS, ints: [w.length] }] }] } })).finish();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from(w), [1, 1, w.length]) });
  await session.release();
  return y.data[0];
}

function tfjs(w, kind) {
  return tf.tidy(() => {
    const x = tf.tensor4d(w, [1, w.length, 1, 1]);
    return (kind === 'max' ? tf.maxPool : tf.avgPool)(x, [w.length, 1], [w.length, 1], 'valid').dataSync()[0];
  });
}

console.log('| window | kind | PyTorch | ONNX Runtime 1.30 | tfjs 4.22 cpu | tfjs 4.22 wasm |');
console.log('|---|---|---|---|---|---|');
const rows = [];
for (const kind of ['max', 'avg']) {
  for (const w of WINDOWS) rows.push({ w, kind, pytorch: pytorch(w, kind), ort: await onnxruntime(w, kind) });
}
for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const row of rows) row[backend] = tfjs(row.w, row.kind);
}
for (const r of rows) {
  console.log(`| [${r.w.join(', ')}] | ${r.kind} | ${r.pytorch} | ${r.ort} | ${r.cpu} | ${r.wasm} |`);
}

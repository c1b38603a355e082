// node golden_onnx_adapter.mjs SUITE PROVE_EQUIVALENCE OUT
// The golden suite through emitted models: for every float32 forward case, prove_equivalence
// --emit-onnx writes the exact replacement of the case's adaptive pooling, ONNX Runtime runs it on
// the case's input, and the output goes to OUT/NAME.output.npy for `golden check` (avg: within the
// checker's bound). Max values are compared here, bit for bit, with the suite's expected.npy
// (the model returns no argmax, so `golden check`, which also checks indices, cannot take them);
// a max mismatch is allowed only where ONNX Runtime's MaxPool departs from PyTorch as
// golden/KNOWN_DIVERGENCES.md records (it skips a NaN PyTorch returns; a window of only -inf gives
// the lowest finite float), and is listed in OUT/max_report.json. Exit 1 on any other one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [suite, prover, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });

// A little-endian float32 .npy: its shape and values.
function readNpy(file) {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${file}: not a C-order float32 .npy`);
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

const manifest = JSON.parse(readFileSync(path.join(suite, 'manifest.json'), 'utf8'));
const cases = manifest.cases.filter((c) => c.dtype === 'float32' && !c.op.endsWith('_backward'));
const report = { exact: [], known_divergence: [], failed: [] };
const LOWEST = -3.4028234663852886e38;  // float32's lowest finite value
// ONNX Runtime's MaxPool skips NaN and starts its running maximum at the lowest finite value.
const known = (want, got) => (Number.isNaN(want) && !Number.isNaN(got)) ||
                             (want === -Infinity && got === LOWEST);
for (const c of cases) {
  const kind = c.op === 'adaptive_avg_pool' ? 'avg' : 'max';
  const input = readNpy(path.join(suite, c.files.input.path));
  const dims = c.spatial_dims;
  const spatial = input.shape.slice(-dims);
  const model = path.join(out, `${c.name}.onnx`);
  execFileSync(prover, [spatial.join('x'), c.output_size.join('x'), '--kind', kind, '--emit-onnx', model]);
  const batched = input.shape.length === dims + 1 ? [1, ...input.shape] : input.shape;
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const { y } = await session.run({ x: new ort.Tensor('float32', input.data, batched) });
  await session.release();
  const outShape = [...input.shape.slice(0, -dims), ...c.output_size];
  writeNpy(path.join(out, `${c.name}.output.npy`), outShape, y.data);
  if (kind === 'avg') continue;
  const expected = readNpy(path.join(suite, c.files.expected.path)).data;
  const bad = [...expected.keys()].filter((i) => !Object.is(expected[i], y.data[i]));
  if (bad.length === 0) report.exact.push(c.name);
  else if (bad.every((i) => known(expected[i], y.data[i]))) {
    report.known_divergence.push({ case: c.name, outputs: bad.map((i) => ({ output: i, onnxruntime: String(y.data[i]), pytorch: String(expected[i]) })) });
  } else report.failed.push({ case: c.name, output: bad[0], got: y.data[bad[0]], expected: expected[bad[0]] });
}
writeFileSync(path.join(out, 'max_report.json'), JSON.stringify(report, null, 2));
writeFileSync(path.join(out, 'avg_cases.txt'), cases.filter((c) => c.op === 'adaptive_avg_pool').map((c) => c.name).join('\n') + '\n');
console.log(`golden through emitted models: ${cases.length} float32 forward cases run; max: ` +
            `${report.exact.length} exact, ${report.known_divergence.length} with known divergences, ` +
            `${report.failed.length} failed`);
process.exit(report.failed.length === 0 && report.exact.length > 0 ? 0 : 1);

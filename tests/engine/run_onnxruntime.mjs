// node run_onnxruntime.mjs CASES_JSON RESULTS_JSON
// For every case whose adaptive pooling a fixed PyTorch pooling reproduces, and for each of its
// witnesses (Z3's and the variants), builds a one-node ONNX model, AveragePool or MaxPool with the
// witness parameters, runs it on ONNX Runtime
// (CPU) over the case's input rows, and writes the outputs as float32 bit patterns (uint32), so no
// decimal rounding stands between the engine and engine_check.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;

// Opset 22 holds the latest AveragePool and MaxPool definitions (ceil_mode, count_include_pad,
// dilations); IR version 10 is the one that goes with it.
const OPSET = 22;
const IR_VERSION = 10;

const ints = (name, values) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

// PyTorch's padding p is ONNX's pads [p, p] (begin, end); the flags are 0/1 integers.
function poolNode(kind, w) {
  const attribute = [
    ints('kernel_shape', [w.kernel]),
    ints('strides', [w.stride]),
    ints('pads', [w.padding, w.padding]),
    int('ceil_mode', w.ceil_mode ? 1 : 0),
  ];
  if (kind === 'avg') attribute.push(int('count_include_pad', w.count_include_pad ? 1 : 0));
  else attribute.push(ints('dilations', [w.dilation]));
  return { opType: kind === 'avg' ? 'AveragePool' : 'MaxPool', input: ['x'], output: ['y'], attribute };
}

function modelBytes(kind, witness, rows, n) {
  const tensorType = (dims) => ({
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: dims && { dim: dims.map((d) => ({ dimValue: d })) },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'poolproof',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: `${kind}_pool`,
      node: [poolNode(kind, witness)],
      input: [{ name: 'x', type: tensorType([rows, 1, n]) }],
      output: [{ name: 'y', type: tensorType(null) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

// The rows of one case as [rows, 1, n]; the output's last axis is split back into rows.
async function runCase(kind, witness, inputRows, n) {
  const rows = inputRows.length;
  const session = await ort.InferenceSession.create(modelBytes(kind, witness, rows, n), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const x = new ort.Tensor('float32', Float32Array.from(inputRows.flat()), [rows, 1, n]);
  const { y } = await session.run({ x });
  await session.release();
  if (y.type !== 'float32' || y.dims.length !== 3 || y.dims[0] !== rows || y.dims[1] !== 1) {
    throw new Error(`unexpected output ${y.type} [${y.dims}]`);
  }
  const bits = new Uint32Array(y.data.buffer, y.data.byteOffset, y.data.length);
  const width = y.dims[2];
  return Array.from({ length: rows }, (_, r) => Array.from(bits.subarray(r * width, (r + 1) * width)));
}

async function main([casesPath, resultsPath]) {
  if (!casesPath || !resultsPath) throw new Error('usage: node run_onnxruntime.mjs CASES RESULTS');
  const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
  const inputs = new Map(cases.inputs.map((input) => [input.in_size, input.rows]));
  const outputs = [];
  for (const c of cases.cases) {
    if (c.in_size > cases.max_size || c.out_size > cases.max_size) continue;
    for (const kind of ['avg', 'max']) {
      if (c[kind].equivalent !== true) continue;
      // Index 0 is Z3's witness, the rest its reference-checked variants.
      for (const [witness, params] of [c[kind].witness, ...c[kind].variants].entries()) {
        const entry = { in_size: c.in_size, out_size: c.out_size, kind, pooling: 'fixed', witness };
        try {
          entry.bits = await runCase(kind, params, inputs.get(c.in_size), c.in_size);
        } catch (e) {
          entry.error = String(e.message ?? e);  // engine_check reports it as a failure
        }
        outputs.push(entry);
      }
    }
  }
  const results = { engine: 'onnxruntime', engine_version: ortVersion, opset: OPSET, outputs };
  writeFileSync(`${resultsPath}.tmp`, JSON.stringify(results) + '\n');
  renameSync(`${resultsPath}.tmp`, resultsPath);
  console.log(`onnxruntime ${ortVersion}: ran ${outputs.length} fixed poolings of the equivalent cases (opset ${OPSET})`);
}

await main(process.argv.slice(2));

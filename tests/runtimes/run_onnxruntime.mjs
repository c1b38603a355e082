// node run_onnxruntime.mjs CASES_JSON RESULTS_JSON [--family pytorch|onnx]
// For every case whose adaptive pooling a fixed pooling of the family reproduces, and for each of
// its layers, builds a one-node ONNX model, AveragePool or MaxPool with the layer's parameters,
// runs it on ONNX Runtime (CPU) over the case's input rows, and writes the outputs as float32 bit
// patterns (uint32), so no decimal rounding stands between the engine and engine_check.
//  - pytorch (the default): Z3's PyTorch witness and its variants, translated to ONNX.
//  - onnx: the ONNX family's closed-form witness (pads [begin, end], ceil_mode), the auto_pad
//    layers the reference model says reproduce adaptive pooling, and the case's deliberately wrong
//    layer (entry "wrong": true), which engine_check must reject.
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

const str = (name, value) => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: Buffer.from(value, 'utf8'),
});

// PyTorch's padding p is ONNX's pads [p, p]; an ONNX layer carries its own pads [begin, end]
// (NOTSET only: with auto_pad the attribute is left out and ONNX Runtime derives the pads). The
// flags are 0/1 integers.
function poolNode(kind, w) {
  const autoPad = w.auto_pad ?? 'NOTSET';
  const attribute = [ints('kernel_shape', [w.kernel]), ints('strides', [w.stride])];
  if (autoPad === 'NOTSET') attribute.push(ints('pads', w.pads ?? [w.padding, w.padding]));
  else attribute.push(str('auto_pad', autoPad));
  attribute.push(int('ceil_mode', w.ceil_mode ? 1 : 0));
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

// The runs of one case and kind in the family: [extra entry fields, layer parameters].
function layersOf(family, c, kind) {
  if (family === 'pytorch') {
    if (c[kind].equivalent !== true) return [];
    // Index 0 is Z3's witness, the rest its reference-checked variants.
    return [c[kind].witness, ...c[kind].variants].map((params, witness) => [{ witness }, params]);
  }
  const v = c.onnx[kind];
  if (v.equivalent !== true) return [];
  // Index 0 is the closed form's witness, the rest the auto_pad variants; then the wrong layer.
  return [
    ...[v.witness, ...v.auto_pad_variants].map((params, witness) => [{ family, witness }, params]),
    [{ family, witness: 0, wrong: true }, v.wrong],
  ];
}

async function main(argv) {
  const familyAt = argv.indexOf('--family');
  const family = familyAt >= 0 ? argv[familyAt + 1] : 'pytorch';
  const [casesPath, resultsPath] = familyAt >= 0 ? argv.toSpliced(familyAt, 2) : argv;
  if (!casesPath || !resultsPath || !['pytorch', 'onnx'].includes(family)) {
    throw new Error('usage: node run_onnxruntime.mjs CASES RESULTS [--family pytorch|onnx]');
  }
  const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
  const inputs = new Map(cases.inputs.map((input) => [input.in_size, input.rows]));
  const outputs = [];
  const counts = { witness: 0, variant: 0, wrong: 0 };
  for (const c of cases.cases) {
    if (c.in_size > cases.max_size || c.out_size > cases.max_size) continue;
    for (const kind of ['avg', 'max']) {
      for (const [fields, params] of layersOf(family, c, kind)) {
        const entry = { in_size: c.in_size, out_size: c.out_size, kind, pooling: 'fixed', ...fields };
        try {
          entry.bits = await runCase(kind, params, inputs.get(c.in_size), c.in_size);
        } catch (e) {
          entry.error = String(e.message ?? e);  // engine_check reports it as a failure
        }
        outputs.push(entry);
        counts[fields.wrong ? 'wrong' : fields.witness > 0 ? 'variant' : 'witness'] += 1;
      }
    }
  }
  const results = { engine: 'onnxruntime', engine_version: ortVersion, opset: OPSET, family, outputs };
  writeFileSync(`${resultsPath}.tmp`, JSON.stringify(results) + '\n');
  renameSync(`${resultsPath}.tmp`, resultsPath);
  const what =
    family === 'pytorch'
      ? `${outputs.length} fixed poolings of the equivalent cases`
      : `${outputs.length} ONNX-family layers of the equivalent cases: ${counts.witness} witnesses, ` +
        `${counts.variant} auto_pad variants, ${counts.wrong} wrong layers`;
  console.log(`onnxruntime ${ortVersion}: ran ${what} (opset ${OPSET})`);
}

await main(process.argv.slice(2));

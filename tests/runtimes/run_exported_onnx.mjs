// node run_exported_onnx.mjs DIR
// Runs every emitted ONNX model of DIR/manifest.json (export_cases) in ONNX Runtime (CPU) on its
// integer input and compares with the exact adaptive pooling: max bit for bit (the float32 of the
// exact element), avg within the case's bound. The naive single layers ("wrong": true) must fail
// that comparison, which shows the check can say no. Exit 0 when all models behave, 1 otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

// The first output that differs, or null when the outputs are the adaptive pooling.
function difference(c, got) {
  if (got.length !== c.expected.length) return `${got.length} outputs, expected ${c.expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const want = c.kind === 'max' ? Math.fround(c.expected[i]) : c.expected[i];
    const ok = c.kind === 'max' ? Object.is(got[i], want) : Math.abs(got[i] - want) <= c.bound;
    if (!ok) return `output ${i}: ${got[i]}, exact ${c.expected[i]}`;
  }
  return null;
}

let passed = 0, caught = 0;
const failures = [];
for (const c of manifest.onnx) {
  // One thread and a released session: each session's default pool keeps spinning threads, and
  // thousands of leaked pools made this run take minutes instead of seconds.
  const session = await ort.InferenceSession.create(path.join(dir, c.file), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const x = new ort.Tensor('float32', Float32Array.from(c.input), c.shape);
  const { y } = await session.run({ x });
  await session.release();
  const diff = difference(c, y.data);
  if (c.wrong) {
    if (diff === null) failures.push(`${c.file}: the naive layer passed the check`);
    else caught++;
  } else if (diff !== null) {
    failures.push(`${c.file}: ${diff}`);
  } else {
    passed++;
  }
}
for (const f of failures.slice(0, 20)) console.error(`FAIL ${f}`);
console.log(`onnxruntime ${require('onnxruntime-node/package.json').version}: ${passed} emitted ` +
            `models match adaptive pooling, ${caught} naive layers rejected, ${failures.length} failures`);
process.exit(failures.length === 0 && passed > 0 && caught > 0 ? 0 : 1);

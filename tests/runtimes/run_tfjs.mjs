// node run_tfjs.mjs DIR
// TensorFlow's own pooling kernels (TensorFlow.js 4.22, backends cpu and wasm) on the TFLite
// family: every layer the closed form gives for n, m <= 40 (DIR/manifest.json, export_cases) must
// reproduce adaptive pooling n -> m on an integer input (max bit for bit, avg within 4 float32
// ulps of 64), and for n <= 12 every SAME or VALID layer with kernel and stride up to 2n + 2 and
// m outputs where the theorem says none must not. Exit 0 when both hold on both backends.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
require('@tensorflow/tfjs-backend-wasm');

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const CHANNELS = 4;

// Adaptive pooling's windows, PyTorch's rule: [floor(i*n/m), ceil((i+1)*n/m)).
function adaptive(x, n, m, kind) {
  const out = [];
  for (let i = 0; i < m; i++) {
    const begin = Math.floor((i * n) / m), end = Math.ceil(((i + 1) * n) / m);
    for (let c = 0; c < CHANNELS; c++) {
      const window = [];
      for (let j = begin; j < end; j++) window.push(x[j * CHANNELS + c]);
      out.push(kind === 'max' ? Math.max(...window) : window.reduce((a, b) => a + b) / window.length);
    }
  }
  return out;
}

// A deterministic integer input in [-64, 64], [1, n, 1, CHANNELS] (NHWC, the axis as height).
function input(n, seed) {
  const x = [];
  let state = seed;
  for (let j = 0; j < n * CHANNELS; j++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    x.push((state % 129) - 64);
  }
  return x;
}

function run(x, n, layer, kind) {
  return tf.tidy(() => {
    const t = tf.tensor4d(x, [1, n, 1, CHANNELS]);
    const pool = kind === 'max' ? tf.maxPool : tf.avgPool;
    return pool(t, [layer.ksize, 1], [layer.stride, 1], layer.padding.toLowerCase()).dataSync();
  });
}

function reproduces(got, want, kind) {
  if (got.length !== want.length) return false;
  const bound = 4 * 64 * 2 ** -23;
  return want.every((w, i) => (kind === 'max' ? Object.is(got[i], Math.fround(w))
                                              : Math.abs(got[i] - w) <= bound));
}

let failures = 0;
for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  await tf.ready();
  let witnesses = 0, refuted = 0;
  for (const c of manifest.tflite) {
    const { in_size: n, out_size: m, kind } = c;
    const x = input(n, n * 1000 + m);
    const want = adaptive(x, n, m, kind);
    if (c.equivalent) {
      if (!reproduces(run(x, n, c, kind), want, kind)) {
        console.error(`FAIL ${backend}: the witness of ${n} -> ${m} ${kind} differs`);
        failures++;
      }
      witnesses++;
      continue;
    }
    if (n > 12) continue;
    // The theorem says no layer fits: none of TF's may reproduce the windows.
    for (let ksize = 1; ksize <= 2 * n + 2; ksize++) {
      for (let stride = 1; stride <= 2 * n + 2; stride++) {
        for (const padding of ['SAME', 'VALID']) {
          const count = padding === 'SAME' ? Math.ceil(n / stride) : Math.ceil((n - ksize + 1) / stride);
          if (count !== m) continue;
          if (reproduces(run(x, n, { ksize, stride, padding }, kind), want, kind)) {
            console.error(`FAIL ${backend}: ${n} -> ${m} ${kind}: ksize ${ksize} stride ${stride} ${padding} reproduces it`);
            failures++;
          }
          refuted++;
        }
      }
    }
  }
  console.log(`tfjs ${tf.version_core} ${backend}: ${witnesses} TFLite witnesses reproduce adaptive ` +
              `pooling, ${refuted} layers the theorem rules out do not`);
}
process.exit(failures === 0 ? 0 : 1);

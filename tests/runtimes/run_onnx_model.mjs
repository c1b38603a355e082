// node run_onnx_model.mjs MODEL INPUT OUTPUT D0,D1,...
// Runs an ONNX model with one float32 input (raw little-endian floats in INPUT, of shape
// D0,D1,...) in ONNX Runtime (CPU) and writes its first output's floats to OUTPUT, printing that
// output's shape as JSON. For tests in other languages (tests/python/test_replace.py).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const [modelPath, inputPath, outputPath, shapeText] = process.argv.slice(2);
const bytes = readFileSync(inputPath);
const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
const shape = shapeText.split(',').map(Number);
const session = await ort.InferenceSession.create(modelPath);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(input), shape) };
const result = (await session.run(feeds))[session.outputNames[0]];
writeFileSync(outputPath, Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength));
console.log(JSON.stringify(result.dims));

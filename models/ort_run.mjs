// Run an ONNX model with onnxruntime-node on TensorProto inputs (ONNX backend-test .pb files) and write the
// outputs the same way: node models/ort_run.mjs MODEL.onnx [input_0.pb ...] [--out-dir D] [--print]
// Inputs are bound to the graph inputs in order. Outputs go to D/output_<i>.pb (default: print as JSON).
// Only the float32 / int64 / int32 / uint8 tensors our models use are handled (raw_data or typed fields).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const DTYPES = { 1: ['float32', Float32Array, 4], 2: ['uint8', Uint8Array, 1], 6: ['int32', Int32Array, 4],
                 7: ['int64', BigInt64Array, 8] };
const CODES = Object.fromEntries(Object.entries(DTYPES).map(([code, [name]]) => [name, Number(code)]));

function readVarint(buf, pos) {
  let result = 0n, shift = 0n, b;
  do { b = buf[pos++]; result |= BigInt(b & 0x7f) << shift; shift += 7n; } while (b & 0x80);
  return [result, pos];
}

function parseTensorProto(buf) {
  const dims = []; let dataType = 0, raw = null, name = ''; const floats = [], ints = [];
  let pos = 0;
  while (pos < buf.length) {
    let key; [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) {
      let v; [v, pos] = readVarint(buf, pos);
      if (field === 1) dims.push(BigInt.asIntN(64, v)); else if (field === 2) dataType = Number(v);
      else if (field === 5 || field === 7) ints.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      let len; [len, pos] = readVarint(buf, pos); len = Number(len);
      const body = buf.subarray(pos, pos + len); pos += len;
      if (field === 1 || field === 5 || field === 7) {       // packed varints
        let p = 0; while (p < body.length) { let v; [v, p] = readVarint(body, p);
          (field === 1 ? dims : ints).push(BigInt.asIntN(64, v)); }
      } else if (field === 4) {
        const f = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
        floats.push(...f);
      } else if (field === 8) name = Buffer.from(body).toString('utf8');
      else if (field === 9) raw = Buffer.from(body);
    } else if (wire === 5) { if (field === 4) floats.push(buf.readFloatLE(pos)); pos += 4; }
    else if (wire === 1) pos += 8;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  const [typeName, Ctor, size] = DTYPES[dataType] || [];
  if (!typeName) throw new Error(`unsupported tensor data_type ${dataType}`);
  const count = dims.reduce((a, d) => a * Number(d), 1);
  let data;
  if (raw) data = new Ctor(raw.buffer.slice(raw.byteOffset, raw.byteOffset + count * size));
  else if (dataType === 1) data = Float32Array.from(floats);
  else if (dataType === 7) data = BigInt64Array.from(ints);
  else data = Ctor.from(ints.map(Number));
  return { name, tensor: new ort.Tensor(typeName, data, dims.map(Number)) };
}

function varint(v) {
  v = BigInt.asUintN(64, BigInt(v)); const out = [];
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v)); return out;
}

function serializeTensorProto(name, tensor) {
  const parts = [];
  for (const d of tensor.dims) parts.push(Buffer.from([0x08, ...varint(d)]));
  parts.push(Buffer.from([0x10, ...varint(CODES[tensor.type])]));
  const nameBytes = Buffer.from(name, 'utf8');
  parts.push(Buffer.from([0x42, ...varint(nameBytes.length)]), nameBytes);
  const raw = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  parts.push(Buffer.from([0x4a, ...varint(raw.length)]), raw);
  return Buffer.concat(parts);
}

const args = process.argv.slice(2);
let outDir = null; let print = false; const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out-dir') outDir = args[++i];
  else if (args[i] === '--print') print = true;
  else files.push(args[i]);
}
if (files.length < 1) { console.error('usage: node models/ort_run.mjs MODEL.onnx [input_0.pb ...] [--out-dir D] [--print]'); process.exit(2); }
const [modelPath, ...inputPaths] = files;
const session = await ort.InferenceSession.create(fs.readFileSync(modelPath), process.env.ORT_OPT ? { graphOptimizationLevel: process.env.ORT_OPT } : {});
const feeds = {};
inputPaths.forEach((p, i) => { feeds[session.inputNames[i]] = parseTensorProto(fs.readFileSync(p)).tensor; });
const results = await session.run(feeds);
if (outDir) fs.mkdirSync(outDir, { recursive: true });
session.outputNames.forEach((name, i) => {
  const t = results[name];
  if (outDir) fs.writeFileSync(path.join(outDir, `output_${i}.pb`), serializeTensorProto(name, t));
  if (print || !outDir) console.log(JSON.stringify({ name, dims: t.dims, data: Array.from(t.data, Number) }));
});

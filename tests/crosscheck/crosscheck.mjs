// Cross-check trit against onnxruntime-node: for each model in DIR (written by make_models.py:
// DIR/<model>/model.onnx and test_data_set_0 with PyTorch's logits), run several seeded random
// inputs through `build/native/trit run` and through onnxruntime, and require
// max |trit - ort| <= 1e-4 * max |ort| (relative to the largest logit). Also checks trit against the
// PyTorch logits of test_data_set_0. One line per model; exit code 1 on any mismatch.
//   node tests/crosscheck/crosscheck.mjs DIR [--inputs N] [--trit build/native/trit] [--quiet]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

const args = process.argv.slice(2);
let dir = null, inputs = 3, trit = "build/native/trit", quiet = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--inputs") inputs = Number(args[++i]);
  else if (args[i] === "--trit") trit = args[++i];
  else if (args[i] === "--quiet") quiet = true; // only failures and the summary
  else dir = args[i];
}
if (!dir || !(inputs >= 1)) {
  console.error("usage: crosscheck.mjs DIR [--inputs N] [--trit PATH]");
  process.exit(2);
}
const RELATIVE = 1e-4;

// ---- TensorProto (the subset trit run reads and writes: dims, data_type, name, raw_data) --------------
function varint(value) {
  const out = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}
function encodeTensor(name, dims, floats) {
  const bytes = [];
  for (const d of dims) bytes.push(...varint((1 << 3) | 0), ...varint(d));
  bytes.push(...varint((2 << 3) | 0), ...varint(1));
  const nameBytes = Buffer.from(name, "utf8");
  bytes.push(...varint((8 << 3) | 2), ...varint(nameBytes.length), ...nameBytes);
  const raw = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  return Buffer.concat([Buffer.from(bytes), Buffer.from(varint((9 << 3) | 2)), Buffer.from(varint(raw.length)), raw]);
}
function decodeTensor(buffer) {
  let pos = 0;
  const readVarint = () => {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = buffer[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  const dims = [];
  let dtype = 0, raw = null, floats = [];
  while (pos < buffer.length) {
    const key = Number(readVarint());
    const field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) dims.push(Number(v));
      else if (field === 2) dtype = Number(v);
    } else if (wire === 2) {
      const length = Number(readVarint());
      const chunk = buffer.subarray(pos, pos + length);
      pos += length;
      if (field === 9) raw = chunk;
      else if (field === 4) floats.push(...new Float32Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + length)));
    } else if (wire === 5) {
      if (field === 4) floats.push(buffer.readFloatLE(pos));
      pos += 4;
    } else if (wire === 1) pos += 8;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  if (dtype !== 1) throw new Error(`expected float32 output, got data type ${dtype}`);
  const data = raw ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)) : Float32Array.from(floats);
  return { dims, data };
}

// Deterministic normal-ish inputs (sum of uniforms), seeded per model and input index.
function randomInput(count, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() + next() + next() + next() - 2) * 1.7;
  return out;
}

function compare(got, want) {
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return { maxDiff, relative: maxRef ? maxDiff / maxRef : maxDiff };
}

const models = fs.readdirSync(dir).filter((m) => fs.existsSync(path.join(dir, m, "model.onnx"))).sort();
if (models.length === 0) {
  console.error(`crosscheck: no models under ${dir}`);
  process.exit(1);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), "trit-crosscheck-"));
let failures = 0;
for (const [index, name] of models.entries()) {
  const modelPath = path.join(dir, name, "model.onnx");
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 });
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  // input shape from trit's own description (also exercises `trit info --json`)
  const info = JSON.parse(execFileSync(trit, ["info", modelPath, "--json"], { encoding: "utf8" }));
  const dims = info.inputs[0].dims;
  const count = dims.reduce((a, b) => a * b, 1);
  let worst = 0, worstAbs = 0, ok = true;
  const t0 = Date.now();
  const cases = [];
  const expected = path.join(dir, name, "test_data_set_0");
  if (fs.existsSync(path.join(expected, "input_0.pb"))) cases.push({ file: path.join(expected, "input_0.pb") });
  for (let k = 0; k < inputs; k++) cases.push({ data: randomInput(count, 1000 * (index + 1) + k) });
  for (const [k, c] of cases.entries()) {
    let data = c.data, file = c.file;
    if (file) data = decodeTensor(fs.readFileSync(file)).data;
    else {
      file = path.join(work, `${name}_input_${k}.pb`);
      fs.writeFileSync(file, encodeTensor(inputName, dims, data));
    }
    const outDir = path.join(work, `${name}_out_${k}`);
    execFileSync(trit, ["run", modelPath, file, "--out-dir", outDir], { stdio: ["ignore", "ignore", "inherit"] });
    const mine = decodeTensor(fs.readFileSync(path.join(outDir, "output_0.pb"))).data;
    const result = await session.run({ [inputName]: new ort.Tensor("float32", data, dims) });
    const theirs = result[outputName].data;
    const r = compare(mine, theirs);
    worst = Math.max(worst, r.relative);
    worstAbs = Math.max(worstAbs, r.maxDiff);
    if (mine.length !== theirs.length || !(r.relative <= RELATIVE)) ok = false;
    if (c.file && fs.existsSync(path.join(expected, "output_0.pb"))) {
      const torch = decodeTensor(fs.readFileSync(path.join(expected, "output_0.pb"))).data;
      const rt = compare(mine, torch);
      if (!(rt.relative <= RELATIVE)) {
        ok = false;
        console.log(`  ${name}: trit vs PyTorch logits: relative ${rt.relative.toExponential(2)}`);
      }
    }
  }
  if (!ok) failures++;
  if (!ok || !quiet) console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${cases.length} inputs, max |trit - onnxruntime| = ${worstAbs.toExponential(2)} ` +
              `(${worst.toExponential(2)} of max |logit|, limit ${RELATIVE}), ${info.ternary_layers.length} ternary layers, ` +
              `${Date.now() - t0} ms`);
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`crosscheck: ${models.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);

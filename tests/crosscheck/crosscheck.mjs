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

import { readTensorProto, tensorProto } from "../js/helpers.mjs";

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

// TensorProto files as trit run reads and writes them (float32: dims, data_type, name, raw_data)
const readTensor = (file) => readTensorProto(new Uint8Array(fs.readFileSync(file)));

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
    if (file) data = readTensor(file).data;
    else {
      file = path.join(work, `${name}_input_${k}.pb`);
      fs.writeFileSync(file, tensorProto(inputName, dims, data));
    }
    const outDir = path.join(work, `${name}_out_${k}`);
    execFileSync(trit, ["run", modelPath, file, "--out-dir", outDir], { stdio: ["ignore", "ignore", "inherit"] });
    const mine = readTensor(path.join(outDir, "output_0.pb")).data;
    const result = await session.run({ [inputName]: new ort.Tensor("float32", data, dims) });
    const theirs = result[outputName].data;
    const r = compare(mine, theirs);
    worst = Math.max(worst, r.relative);
    worstAbs = Math.max(worstAbs, r.maxDiff);
    if (mine.length !== theirs.length || !(r.relative <= RELATIVE)) ok = false;
    if (c.file && fs.existsSync(path.join(expected, "output_0.pb"))) {
      const torch = readTensor(path.join(expected, "output_0.pb")).data;
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

// Parity with the native CLI: for every cross-check model (ResNet-20 and ResNet-18, float and
// ternary), the SDK's classify on 200+ encoded images and its run on raw tensors equal `trit classify`
// and `trit run`'s, with the SIMD and the non-SIMD build alike; logits also match PyTorch's output.
//
// classify: one `trit classify --json` call per model for all images (the CLI loads the model once),
// every class compared: top-1 identical, each probability within 1e-5 and the log-probabilities
// (the logits less their log-sum-exp, which is all a probability keeps of them) within 1e-5 relative.
// The generated images are small (8-63 px a side; the engine resizes them to the model's input).
// Time, measured on an idle core: ResNet-18 costs ~0.17 s (float) and ~0.08 s (ternary) per image in
// trit.wasm, ~0.6 s and ~0.3 s in trit-nosimd.wasm, ~0.2 s native; about 4-5 CPU-minutes for the file
// with every image. So in `make test` the large models (input above 64x64: the ResNet-18s) take every
// 5th image only, in the SIMD build and in `trit classify` (44: every generated kind -- PNG RGB/RGBA,
// baseline and progressive JPEG, 4:2:0 and 4:4:4, grayscale -- and 2 CIFAR images per class), every 20th in
// the non-SIMD build; both
// builds of the ResNet-20s take all 220 (the decoders and the preprocessing are the same code for every
// model). `make test-full` (TRIT_TEST_FULL=1) runs all 220 everywhere.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';

import { cifarTest, crosscheck, have, random, readTensorProto, relativeError, tempDir, tensorProto, trit,
  writeTestImages } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');

const FROM_CIFAR = 100;                         // the first test JPEGs of the data set, when present
const GENERATED = have(cifarTest) ? 120 : 200; // generated PNG/JPEG images: 200+ images either way
const MIN_IMAGES = 200;
const TOLERANCE = 1e-5; // probabilities (absolute), log-probabilities and logits (relative to the largest |value|)
const RANDOM_INPUTS = 3; // raw tensors for run(), besides the cross-check input
// Below this a float32 probability has few significant bits left (subnormals start at 1.2e-38).
const LOG_FLOOR = 1e-30;
const FULL = process.env.TRIT_TEST_FULL === '1';
const LARGE_INPUT = 3 * 64 * 64; // elements: above this, a model's classify takes every STRIDE-th image (make test)
const STRIDE = 5;
// The non-SIMD build of a large model takes every NOSIMD_STRIDE-th (a multiple of STRIDE, so a subset of the
// SIMD build's images): it differs from the SIMD build only in its kernels, the decoders and preprocessing
// are the same code, and it costs 3-4x the SIMD build's time per image.
const NOSIMD_STRIDE = 20;

// tests/crosscheck/make_models.py writes <name>/model.onnx and test_data_set_0/{input,output}_0.pb (PyTorch's).
const models = have(crosscheck) ? readdirSync(crosscheck).filter((d) => have(join(crosscheck, d, 'model.onnx'))).sort() : [];
const manifestOf = (name) => JSON.parse(readFileSync(join(crosscheck, 'manifest.json'), 'utf8'))[name];
const isLarge = (name) => (manifestOf(name)?.input ?? []).reduce((a, b) => a * b, 1) > LARGE_INPUT;
// the images a model is compared on: every STRIDE-th for a large model in `make test`, else all
const fewer = (name) => isLarge(name) && !FULL;
const imagesOf = (name) => (fewer(name) ? images.filter((_, i) => i % STRIDE === 0) : images);
// [index into imagesOf(name) and native's answers, image] pairs a build compares
const comparedImages = (name, simd) => [...imagesOf(name).entries()]
  .filter(([k]) => simd || !fewer(name) || (k * STRIDE) % NOSIMD_STRIDE === 0);

let images, dir;
const nativeClassify = new Map(); // model name -> Promise of `trit classify --json` stdout
before(async () => {
  dir = await tempDir('parity');
  images = await writeTestImages(dir, GENERATED, 7);
  if (have(cifarTest)) {
    const classes = (await readdir(cifarTest)).sort();
    for (const c of classes) {
      for (const f of (await readdir(join(cifarTest, c))).sort().slice(0, FROM_CIFAR / classes.length)) {
        const file = join(cifarTest, c, f);
        images.push({ file, bytes: new Uint8Array(await readFile(file)) });
      }
    }
  }
  assert.ok(images.length >= MIN_IMAGES, `${images.length} images`);
  // The CLI runs, one model after the other, in their own process (the other core) while the SDK works.
  const manifest = JSON.parse(await readFile(join(crosscheck, 'manifest.json'), 'utf8'));
  let chain = Promise.resolve();
  for (const name of models) {
    const classes = String(manifest[name].output.at(-1));
    const stdout = chain.then(() => trit('classify', join(crosscheck, name, 'model.onnx'), ...imagesOf(name).map((i) => i.file), '--top', classes, '--json'));
    stdout.catch(() => {}); // awaited (and reported) by the model's tests
    chain = stdout.catch(() => {});
    nativeClassify.set(name, stdout);
  }
});

test('cross-check models exist', () => {
  assert.ok(models.length >= 4, `expected the 4 cross-check models in ${crosscheck} (tests/crosscheck/make_models.py)`);
});

/** Compares one image's full class list from the SDK with the CLI's; returns the worst differences and whether all are bit-identical. */
function compareScores(ours, theirs, file) {
  assert.equal(ours.length, theirs.length, `${file}: class count`);
  assert.equal(ours[0].index, theirs[0].index, `${file}: top-1 ${ours[0].index} vs native ${theirs[0].index}`);
  const byIndex = new Map(ours.map((c) => [c.index, c.probability]));
  let probability = 0, scale = 1e-6, identical = true;
  const logOurs = [], logTheirs = [];
  for (const c of theirs) {
    const p = byIndex.get(c.index);
    assert.ok(p !== undefined, `${file}: class ${c.index} missing`);
    const d = Math.abs(p - c.probability);
    identical &&= Math.fround(c.probability) === p; // %.9g round-trips a float32
    probability = Math.max(probability, d);
    assert.ok(d <= TOLERANCE, `${file}: class ${c.index} probability ${p} vs native ${c.probability}`);
    if (Math.min(p, c.probability) >= LOG_FLOOR) {
      logOurs.push(Math.log(p));
      logTheirs.push(Math.log(c.probability));
    }
    scale = Math.max(scale, Math.abs(Math.log(Math.max(c.probability, LOG_FLOOR))));
  }
  let logDiff = 0;
  for (let i = 0; i < logOurs.length; i++) logDiff = Math.max(logDiff, Math.abs(logOurs[i] - logTheirs[i]));
  // The CLI prints 9 significant digits: far below this tolerance.
  assert.ok(logDiff / scale <= TOLERANCE, `${file}: log-probabilities differ by ${logDiff} (scale ${scale})`);
  return { probability, log: logDiff / scale, identical };
}

for (const name of models) {
  const path = join(crosscheck, name, 'model.onnx');
  describe(name, () => {
    let info, classes, native;
    before(async () => {
      const probe = await load(path);
      info = probe.info;
      classes = info.outputShape.at(-1);
      probe.dispose();
      native = JSON.parse(await nativeClassify.get(name));
      assert.equal(native.length, imagesOf(name).length);
      assert.equal(native[0].top.length, classes);
    });

    const some = fewer(name);
    for (const simd of [true, false]) {
      const stride = simd ? STRIDE : NOSIMD_STRIDE;
      const what = some ? `every ${stride}th of the ${MIN_IMAGES}+ images (all: make test-full)` : `${MIN_IMAGES}+ images`;
      test(`classify on ${what} equals \`trit classify\` (simd: ${simd})`, async (t) => {
        const model = await load(path, { simd });
        assert.equal(model.info.simd, simd);
        const started = performance.now();
        let probability = 0, log = 0, identical = 0, compared = 0;
        for (const [i, image] of comparedImages(name, simd)) {
          compared++;
          assert.equal(basename(native[i].file), basename(image.file));
          const worst = compareScores(await model.classify(image.bytes, { topK: classes }), native[i].top, image.file);
          probability = Math.max(probability, worst.probability);
          log = Math.max(log, worst.log);
          identical += worst.identical;
        }
        const ms = (performance.now() - started) / compared;
        model.dispose();
        assert.ok(compared >= (some ? Math.floor(MIN_IMAGES / stride) : MIN_IMAGES), `${compared} images compared`);
        t.diagnostic(`${compared} images x ${classes} classes, top-1 equal, ${identical} bit-identical; largest `
          + `probability difference ${probability.toExponential(2)}, log-probability ${log.toExponential(2)} relative; `
          + `${ms.toFixed(1)} ms per image`);
      });
    }

    test('run equals `trit run` (the cross-check input and random inputs) and PyTorch, both builds', async (t) => {
      const data = join(crosscheck, name, 'test_data_set_0');
      const reference = readTensorProto(new Uint8Array(await readFile(join(data, 'input_0.pb'))));
      const pytorch = readTensorProto(new Uint8Array(await readFile(join(data, 'output_0.pb'))));
      const r = random(name.length * 31);
      const inputs = [{ file: join(data, 'input_0.pb'), data: reference.data }];
      for (let k = 0; k < RANDOM_INPUTS; k++) {
        const values = Float32Array.from({ length: reference.data.length }, () => r() * 4 - 2);
        const file = join(dir, `${name}-${k}.pb`);
        await writeFile(file, tensorProto(info.inputs[0].name, info.inputShape, values));
        inputs.push({ file, data: values });
      }
      const natives = [];
      for (const [k, input] of inputs.entries()) { // `trit run` takes one file per model input: a call each
        const outDir = join(dir, `${name}-out-${k}`);
        await trit('run', path, input.file, '--out-dir', outDir);
        natives.push(readTensorProto(new Uint8Array(await readFile(join(outDir, 'output_0.pb')))));
      }
      const errors = [];
      for (const simd of [true, false]) {
        const model = await load(path, { simd });
        for (const [k, input] of inputs.entries()) {
          assert.deepEqual(natives[k].dims, info.outputShape);
          const logits = await model.run({ data: input.data, dims: info.inputShape });
          const error = relativeError(logits, natives[k].data);
          errors.push(error);
          assert.ok(error <= TOLERANCE, `simd=${simd} input ${k}: relative error ${error} against trit run`);
          if (k === 0) {
            const vsPytorch = relativeError(logits, pytorch.data);
            assert.ok(vsPytorch <= 1e-4, `simd=${simd}: relative error ${vsPytorch} against PyTorch`);
          }
        }
        model.dispose();
      }
      t.diagnostic(`${errors.length} runs (${inputs.length} inputs x 2 builds), largest relative difference to trit run ${Math.max(...errors).toExponential(2)}`);
    });
  });
}

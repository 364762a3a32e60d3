// Parity with the native CLI: for the cross-check models, the SDK's top-k and probabilities
// (classify on 200+ encoded images) and logits (run) equal `trit classify` and `trit run`'s, with the
// SIMD and the non-SIMD build alike; logits also match PyTorch's reference output.
//
// Time: the non-SIMD build runs the reference kernels (~0.1 s per ResNet-20 image, ~10 s per
// ResNet-18 inference), so models with large inputs get a few inferences (one without SIMD), not 200.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';

import { cifarTest, crosscheck, have, random, readTensorProto, relativeError, tempDir, tensorProto, trit,
  writeTestImages } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');

const FROM_CIFAR = 100;                         // the first test JPEGs of the data set, when present
const GENERATED = have(cifarTest) ? 120 : 200; // generated PNG/JPEG images: 200+ images either way
const TOLERANCE = 1e-5; // on probabilities (absolute) and logits (relative to the largest |logit|)
const isBig = (info) => info.inputShape.reduce((a, b) => a * b, 1) > 3 * 64 * 64;

// tests/crosscheck/make_models.py writes <name>/model.onnx and test_data_set_0/{input,output}_0.pb (PyTorch's).
const models = have(crosscheck) ? readdirSync(crosscheck).filter((d) => have(join(crosscheck, d, 'model.onnx'))).sort() : [];

let images, dir;
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
  assert.ok(images.length >= 200);
});

test('cross-check models exist', () => {
  assert.ok(models.length >= 4, `expected the 4 cross-check models in ${crosscheck} (tests/crosscheck/make_models.py)`);
});

for (const name of models) {
  const path = join(crosscheck, name, 'model.onnx');
  describe(name, () => {
    let info, classes;
    before(async () => {
      const probe = await load(path);
      info = probe.info;
      classes = info.outputShape.at(-1);
      probe.dispose();
    });

    for (const simd of [true, false]) {
      test(`classify equals \`trit classify\` (simd: ${simd})`, async (t) => {
        if (isBig(info) && !simd) return t.skip('large input without SIMD: ~10 s per image; the run test covers this build');
        const set = isBig(info) ? images.slice(0, 2) : images;
        const native = JSON.parse(await trit('classify', path, ...set.map((i) => i.file), '--top', String(classes), '--json'));
        assert.equal(native.length, set.length);
        const model = await load(path, { simd });
        let worst = 0;
        for (const [i, image] of set.entries()) {
          const ours = await model.classify(image.bytes, { topK: classes });
          const theirs = native[i].top;
          assert.equal(basename(native[i].file), basename(image.file));
          assert.equal(ours[0].index, theirs[0].index, `${image.file}: top-1 ${ours[0].index} vs native ${theirs[0].index}`);
          assert.equal(ours.length, theirs.length);
          const byIndex = new Map(ours.map((c) => [c.index, c.probability]));
          for (const c of theirs) {
            const d = Math.abs(byIndex.get(c.index) - c.probability);
            worst = Math.max(worst, d);
            assert.ok(d <= TOLERANCE, `${image.file}: class ${c.index} probability ${byIndex.get(c.index)} vs native ${c.probability}`);
          }
        }
        model.dispose();
        t.diagnostic(`${set.length} images, top-1 equal, largest probability difference ${worst.toExponential(2)}`);
      });
    }

    test('run equals `trit run` (random inputs and the cross-check input) and PyTorch, both builds', async (t) => {
      const data = join(crosscheck, name, 'test_data_set_0');
      const reference = readTensorProto(new Uint8Array(await readFile(join(data, 'input_0.pb'))));
      const pytorch = readTensorProto(new Uint8Array(await readFile(join(data, 'output_0.pb'))));
      const r = random(name.length * 31);
      const inputs = [{ file: join(data, 'input_0.pb'), data: reference.data }];
      for (let k = 0; k < (isBig(info) ? 0 : 3); k++) {
        const values = Float32Array.from({ length: reference.data.length }, () => r() * 4 - 2);
        const file = join(dir, `${name}-${k}.pb`);
        await writeFile(file, tensorProto(info.inputs[0].name, info.inputShape, values));
        inputs.push({ file, data: values });
      }
      const errors = [];
      for (const simd of [true, false]) {
        const model = await load(path, { simd });
        for (const [k, input] of inputs.entries()) {
          if (!simd && isBig(info) && k > 0) break;
          const outDir = join(dir, `${name}-out-${k}`);
          await trit('run', path, input.file, '--out-dir', outDir);
          const native = readTensorProto(new Uint8Array(await readFile(join(outDir, 'output_0.pb'))));
          assert.deepEqual(native.dims, info.outputShape);
          const logits = await model.run({ data: input.data, dims: info.inputShape });
          const error = relativeError(logits, native.data);
          errors.push(error);
          assert.ok(error <= TOLERANCE, `simd=${simd} input ${k}: relative error ${error} against trit run`);
          if (k === 0) {
            const vsPytorch = relativeError(logits, pytorch.data);
            assert.ok(vsPytorch <= 1e-4, `simd=${simd}: relative error ${vsPytorch} against PyTorch`);
          }
        }
        model.dispose();
      }
      t.diagnostic(`${errors.length} runs, largest relative difference to trit run ${Math.max(...errors).toExponential(2)}`);
    });
  });
}

// Parity for a model with 8-bit activations (docs/FORMAT.md "8-bit activations"; its ternary convs run
// on the tconv_i8 kernels, whose sums are exact integers): the SDK's run and classify, with the SIMD
// and the non-SIMD build, are bit-identical to `trit run` / `trit classify` (the native SSE2 build).
// The float parts of the network (first conv, residual adds, FC) use the same code in every build.
// Model: tests/js/make_8bit_model.py (random weights, uint8 Q/DQ pairs before all 18 ternary convs).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, test } from 'node:test';

import { random, readTensorProto, tempDir, tensorProto, testModels, trit, writeTestImages } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');
const path = join(testModels, 'resnet20-8bit.onnx');
const IMAGES = 60, RUNS = 6;

let dir, images, native, inputs;
before(async () => {
  dir = await tempDir('parity8');
  images = await writeTestImages(dir, IMAGES, 8);
  native = JSON.parse(await trit('classify', path, ...images.map((i) => i.file), '--top', '10', '--json'));
  const r = random(88);
  inputs = [];
  for (let k = 0; k < RUNS; k++) {
    const data = Float32Array.from({ length: 3 * 32 * 32 }, () => r() * 4 - 2);
    const file = join(dir, `input-${k}.pb`);
    await writeFile(file, tensorProto('input', [1, 3, 32, 32], data));
    const out = join(dir, `out-${k}`);
    await trit('run', path, file, '--out-dir', out);
    inputs.push({ data, expect: readTensorProto(new Uint8Array(await readFile(join(out, 'output_0.pb')))).data });
  }
});

test('the model runs its ternary layers on uint8 activations', async () => {
  const model = await load(path);
  const layers = model.info.layers;
  assert.equal(layers.length, 18);
  for (const l of layers) {
    assert.equal(l.activations, 'uint8', l.name);
    assert.ok(l.activationScale > 0, l.name);
    assert.match(l.kernel, /^tconv_i8_/, l.name);
  }
  model.dispose();
});

for (const simd of [true, false]) {
  test(`run and classify are bit-identical to the native CLI (simd: ${simd})`, async (t) => {
    const model = await load(path, { simd });
    assert.equal(model.info.simd, simd);
    assert.ok(model.info.layers.every((l) => l.kernel === (simd ? 'tconv_i8_sparse__wasmsimd' : 'tconv_i8_sparse__scalar')));
    for (const [k, input] of inputs.entries()) {
      const logits = await model.run({ data: input.data, dims: [1, 3, 32, 32] });
      assert.equal(logits.length, input.expect.length);
      for (let i = 0; i < logits.length; i++)
        assert.ok(Object.is(logits[i], input.expect[i]), `input ${k} logit ${i}: ${logits[i]} vs native ${input.expect[i]}`);
    }
    for (const [i, image] of images.entries()) {
      assert.equal(basename(native[i].file), basename(image.file));
      const top = await model.classify(image.bytes, { topK: 10 });
      assert.deepEqual(top.map((c) => c.index), native[i].top.map((c) => c.index), image.file);
      top.forEach((c, j) => assert.ok(Math.fround(native[i].top[j].probability) === c.probability,
        `${image.file} class ${c.index}: ${c.probability} vs native ${native[i].top[j].probability}`));
    }
    model.dispose();
    t.diagnostic(`${RUNS} raw inputs and ${IMAGES} images, every logit and probability bit-identical`);
  });
}

// The 10,000 CIFAR-10 test JPEGs through the SDK: the accuracy equals `trit eval`'s on the same model.
// Needs ../shared/data/cifar10 and a trained model (models/resnet20-ttq.onnx); skipped without them.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { cifarTest, have, root, trit } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');
// TRIT_CIFAR_MODEL picks another model with CIFAR-10 labels (e.g. to try the test before training ends).
const modelPath = process.env.TRIT_CIFAR_MODEL ?? join(root, 'models', 'resnet20-ttq.onnx');

test('CIFAR-10 test accuracy through the SDK equals `trit eval`', async (t) => {
  if (!have(cifarTest)) return t.skip(`${cifarTest} is not present`);
  if (!have(modelPath)) return t.skip(`${modelPath} is not present (trained and exported by models/)`);
  const model = await load(modelPath);
  const labels = model.info.labels;
  const classes = (await readdir(cifarTest)).sort();
  let images = 0, correct = 0, top5 = 0;
  const started = performance.now();
  for (const name of classes) {
    const truth = labels.indexOf(name);
    assert.ok(truth >= 0, `class ${name} is not among the model's labels`);
    for (const file of (await readdir(join(cifarTest, name))).sort()) {
      const top = await model.classify(await readFile(join(cifarTest, name, file)), { topK: 5 });
      images++;
      if (top[0].index === truth) correct++;
      if (top.some((c) => c.index === truth)) top5++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  const native = JSON.parse(await trit('eval', modelPath, cifarTest, '--json'));
  const sdkTop1 = (100 * correct) / images;
  t.diagnostic(`SDK: ${images} images in ${seconds.toFixed(1)} s, top-1 ${sdkTop1.toFixed(2)} %, top-5 ${(100 * top5 / images).toFixed(2)} %; `
    + `trit eval: top-1 ${native.top1} %, top-5 ${native.top5} %`);
  assert.equal(images, native.images);
  // trit eval prints percentages (possibly rounded): compare as image counts.
  assert.equal(correct, Math.round((native.top1 * images) / 100), `SDK top-1 ${sdkTop1} % vs trit eval ${native.top1} %`);
  assert.equal(top5, Math.round((native.top5 * images) / 100), `SDK top-5 vs trit eval ${native.top5} %`);
});

// The 10,000 CIFAR-10 test JPEGs through the SDK, for every shipped model (models/*.onnx): top-1,
// top-5 and per-class accuracy equal `trit eval --json`'s on the same model and images.
// Needs ../shared/data/cifar10 (skipped with a message without it). TRIT_CIFAR_MODEL=path[,path...]
// checks those models instead (e.g. one still training). Time: ~5 ms per image per model in
// trit.wasm; `trit eval` runs in its own process meanwhile (the other core).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';

import { cifarTest, have, root, trit } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');
const modelDir = join(root, 'models');
const modelPaths = process.env.TRIT_CIFAR_MODEL ? process.env.TRIT_CIFAR_MODEL.split(',')
  : readdirSync(modelDir).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(modelDir, f));
const TEST_IMAGES = 10000;

describe('CIFAR-10 test accuracy through the SDK equals `trit eval`', () => {
  let classes = [], files = [];
  before(async () => {
    if (!have(cifarTest)) return;
    classes = (await readdir(cifarTest)).sort();
    for (const name of classes) {
      for (const file of (await readdir(join(cifarTest, name))).sort()) {
        files.push({ name, bytes: new Uint8Array(await readFile(join(cifarTest, name, file))) });
      }
    }
  });

  test('shipped models are found', () => {
    assert.ok(modelPaths.length >= 1, `no models/*.onnx in ${modelDir}`);
  });

  for (const modelPath of modelPaths) {
    test(basename(modelPath), async (t) => {
      if (!have(cifarTest)) return t.skip(`${cifarTest} is not present (the CIFAR-10 JPEG copy; see models/README.md)`);
      assert.ok(have(modelPath), `${modelPath} is not present`);
      assert.equal(files.length, TEST_IMAGES, `${cifarTest} should hold the ${TEST_IMAGES} test JPEGs`);
      const nativeRun = trit('eval', modelPath, cifarTest, '--json'); // meanwhile, in its own process
      nativeRun.catch(() => {});
      const model = await load(modelPath);
      const labels = model.info.labels;
      const truth = new Map(classes.map((name) => [name, labels.indexOf(name)]));
      for (const [name, index] of truth) assert.ok(index >= 0, `class ${name} is not among the model's labels ${labels}`);
      let correct = 0, top5 = 0;
      const perClass = new Map(classes.map((name) => [name, { images: 0, correct: 0 }]));
      const started = performance.now();
      for (const { name, bytes } of files) {
        const top = await model.classify(bytes, { topK: 5 });
        const c = perClass.get(name);
        c.images++;
        if (top[0].index === truth.get(name)) correct++, c.correct++;
        if (top.some((s) => s.index === truth.get(name))) top5++;
      }
      const seconds = (performance.now() - started) / 1000;
      model.dispose();
      const native = JSON.parse(await nativeRun);
      const images = files.length;
      // trit eval prints percentages with 4 decimals: exact counts for 10,000 images and 1,000 per class.
      const count = (percent, n) => Math.round((percent * n) / 100);
      t.diagnostic(`SDK (${model.info.simd ? 'SIMD' : 'no SIMD'}): ${images} images in ${seconds.toFixed(1)} s, `
        + `top-1 ${correct} = ${(100 * correct / images).toFixed(2)} %, top-5 ${top5}; `
        + `trit eval: top-1 ${count(native.top1, native.images)} = ${native.top1} %, top-5 ${count(native.top5, native.images)}`);
      assert.equal(native.images, images);
      assert.equal(correct, count(native.top1, images), `SDK top-1 ${correct} vs trit eval ${native.top1} %`);
      assert.equal(top5, count(native.top5, images), `SDK top-5 ${top5} vs trit eval ${native.top5} %`);
      for (const [name, c] of perClass) {
        assert.equal(c.correct, count(native.per_class[name], c.images), `${name}: SDK ${c.correct}/${c.images} vs trit eval ${native.per_class[name]} %`);
      }
    });
  }
});

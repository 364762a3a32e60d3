// CIFAR-10 test JPEGs through the SDK, for every shipped model (models/*.onnx): top-1, top-5 and
// per-class accuracy equal `trit eval --json`'s on the same model and images.
//   make test       the best shipped model (highest trit.top1 in its metadata) on all 10,000 test images;
//                   the others on a fixed 1,000-image subset: the first 100 files (sorted by name) of each
//                   class, the images `trit eval --limit 1000` takes (its round-robin over the classes).
//   make test-full  (TRIT_TEST_FULL=1) every model on all 10,000.
// Needs ../shared/data/cifar10 (skipped with a message without it). TRIT_CIFAR_MODEL=path[,path...]
// checks those models instead (e.g. one still training), all on the 10,000. Time: ~5 ms per image per
// model in trit.wasm; `trit eval` runs in its own process meanwhile (the other core), through
// scripts/cached-eval.sh: tests/models/test_shipped.py reuses its output (same binary, model, images).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, describe, test } from 'node:test';

import { cifarTest, have, root, tritEvalCached } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');
const modelDir = join(root, 'models');
const chosen = process.env.TRIT_CIFAR_MODEL ? process.env.TRIT_CIFAR_MODEL.split(',') : null;
const modelPaths = chosen ?? readdirSync(modelDir).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(modelDir, f));
const TEST_IMAGES = 10000;
const SUBSET_PER_CLASS = 100; // x 10 classes: the 1,000-image subset
const full = process.env.TRIT_TEST_FULL === '1' || chosen !== null;

// The best shipped model: the highest trit.top1 its metadata claims (ties: the first by name). A model
// that does not load counts as the worst here; its own test then fails on the load.
async function claimedTop1(path) {
  try {
    const model = await load(path);
    const top1 = model.info.provenance.top1;
    model.dispose();
    return typeof top1 === 'number' ? top1 : -Infinity;
  } catch {
    return -Infinity;
  }
}
let best = null;
if (!full) {
  let bestTop1 = -Infinity;
  for (const path of modelPaths) {
    const top1 = await claimedTop1(path);
    if (best === null || top1 > bestTop1) best = path, bestTop1 = top1;
  }
}
const onAll = (path) => full || path === best;

describe('CIFAR-10 test accuracy through the SDK equals `trit eval`', () => {
  let classes = [], files = [];
  before(async () => {
    if (!have(cifarTest)) return;
    classes = (await readdir(cifarTest)).sort();
    for (const name of classes) {
      for (const [i, file] of (await readdir(join(cifarTest, name))).sort().entries()) {
        files.push({ name, bytes: new Uint8Array(await readFile(join(cifarTest, name, file))), subset: i < SUBSET_PER_CLASS });
      }
    }
  });

  test('shipped models are found', () => {
    assert.ok(modelPaths.length >= 1, `no models/*.onnx in ${modelDir}`);
  });

  for (const modelPath of modelPaths) {
    const all = onAll(modelPath);
    const what = all ? `all ${TEST_IMAGES} test images${full ? '' : ' (the best shipped model)'}`
      : `the ${SUBSET_PER_CLASS * 10}-image subset (all ${TEST_IMAGES}: make test-full)`;
    test(`${basename(modelPath)}: ${what}`, async (t) => {
      if (!have(cifarTest)) return t.skip(`${cifarTest} is not present (the CIFAR-10 JPEG copy; see models/README.md)`);
      assert.ok(have(modelPath), `${modelPath} is not present`);
      assert.equal(files.length, TEST_IMAGES, `${cifarTest} should hold the ${TEST_IMAGES} test JPEGs`);
      const images = all ? files : files.filter((f) => f.subset);
      const nativeRun = tritEvalCached(modelPath, cifarTest, '--json', ...(all ? [] : ['--limit', String(images.length)]));
      nativeRun.catch(() => {}); // meanwhile, in its own process
      const model = await load(modelPath);
      const labels = model.info.labels;
      const truth = new Map(classes.map((name) => [name, labels.indexOf(name)]));
      for (const [name, index] of truth) assert.ok(index >= 0, `class ${name} is not among the model's labels ${labels}`);
      let correct = 0, top5 = 0;
      const perClass = new Map(classes.map((name) => [name, { images: 0, correct: 0 }]));
      const started = performance.now();
      for (const { name, bytes } of images) {
        const top = await model.classify(bytes, { topK: 5 });
        const c = perClass.get(name);
        c.images++;
        if (top[0].index === truth.get(name)) correct++, c.correct++;
        if (top.some((s) => s.index === truth.get(name))) top5++;
      }
      const seconds = (performance.now() - started) / 1000;
      model.dispose();
      const native = JSON.parse(await nativeRun);
      const n = images.length;
      // trit eval prints percentages with 4 decimals: exact counts for up to 10,000 images and 1,000 per class.
      const count = (percent, total) => Math.round((percent * total) / 100);
      t.diagnostic(`SDK (${model.info.simd ? 'SIMD' : 'no SIMD'}): ${n} images in ${seconds.toFixed(1)} s, `
        + `top-1 ${correct} = ${(100 * correct / n).toFixed(2)} %, top-5 ${top5}; `
        + `trit eval: top-1 ${count(native.top1, native.images)} = ${native.top1} %, top-5 ${count(native.top5, native.images)}`);
      assert.equal(native.images, n, `trit eval took ${native.images} images, the SDK ${n}`);
      assert.equal(correct, count(native.top1, n), `SDK top-1 ${correct} vs trit eval ${native.top1} %`);
      assert.equal(top5, count(native.top5, n), `SDK top-5 ${top5} vs trit eval ${native.top5} %`);
      for (const [name, c] of perClass) {
        if (!all) assert.equal(c.images, SUBSET_PER_CLASS, `${name}: ${c.images} subset images`);
        assert.equal(c.correct, count(native.per_class[name], c.images), `${name}: SDK ${c.correct}/${c.images} vs trit eval ${native.per_class[name]} %`);
      }
    });
  }
});

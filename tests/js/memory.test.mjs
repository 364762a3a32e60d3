// Memory: repeated classify calls must not grow the wasm memory, and load/dispose cycles must
// give memory back (one wasm instance per model, dropped on dispose).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { encodePng, picture, testModels } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const small = new Uint8Array(await readFile(join(testModels, 'sdk-small.onnx')));

for (const simd of [true, false]) {
  test(`10,000 classify calls leave the wasm memory size unchanged (simd: ${simd})`, async () => {
    const model = await load(small, { simd });
    // Inputs of several kinds and sizes, the largest first so warm-up reaches the peak.
    const inputs = [picture(1, 64, 48), encodePng(picture(2, 40, 40)), picture(3, 9, 31), encodePng(picture(4, 17, 5), 3),
      new Blob([encodePng(picture(5, 20, 20))])];
    for (let i = 0; i < 50; i++) await model.classify(inputs[i % inputs.length]);
    const warm = model.memoryBytes;
    const first = await model.classify(inputs[0], { topK: 10 });
    for (let i = 0; i < 10000; i++) await model.classify(inputs[i % inputs.length], { topK: 1 + (i % 10) });
    assert.equal(model.memoryBytes, warm, `wasm memory went from ${warm} to ${model.memoryBytes} bytes`);
    assert.deepEqual(await model.classify(inputs[0], { topK: 10 }), first, 'results do not drift');
    model.dispose();
  });
}

test('loading and disposing 200 models does not grow memory without bound', async (t) => {
  const sample = [];
  const started = performance.now();
  for (let i = 1; i <= 200; i++) {
    const model = await load(small);
    await model.classify(picture(i, 16, 16));
    model.dispose();
    if (i % 50 === 0) {
      gc();
      await new Promise((done) => setTimeout(done, 10));
      gc();
      sample.push(process.memoryUsage().rss);
    }
  }
  const perLoad = (performance.now() - started) / 200;
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  t.diagnostic(`load + classify + dispose: ${perLoad.toFixed(2)} ms each; RSS after 50/100/150/200: ${sample.map(mb).join(' / ')} MiB`);
  const growth = sample.at(-1) - sample[0];
  assert.ok(growth < 48 * 2 ** 20, `RSS grew ${mb(growth)} MiB from load 50 to load 200`);
});

// The browser-only inputs (HTMLImageElement, canvas, OffscreenCanvas, ImageBitmap, ImageData, VideoFrame,
// Blob) in headless Chromium, in the page and in a module Worker, with the SDK's default wasm location
// (trit.wasm beside js_sdk/trit.js, copied there by `make wasm`). A lossless PNG drawn by the browser has exactly the pixels Node
// classifies, so every result must equal Node's.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, encodePng, openInChromium, picture, serveRepo, testModels } from './helpers.mjs';

const { load } = await import('../../js_sdk/trit.js');

let site, browser, chromium;
before(async () => {
  try {
    ({ chromium } = await import('playwright-core'));
  } catch { /* reported by the test */ }
  site = await serveRepo('trit SDK test');
});
after(async () => {
  await browser?.close();
  site.close();
});

test('image, canvas, OffscreenCanvas, ImageBitmap, ImageData, VideoFrame and Blob in Chromium and a Worker', async (t) => {
  if (!chromium || !existsSync(CHROMIUM)) return t.skip(`needs playwright-core and ${CHROMIUM} (make deps)`);
  const pic = picture(77, 37, 29);
  const png = encodePng(pic);
  const model = await load(join(testModels, 'sdk-small.onnx'));
  const expected = await model.classify(pic, { topK: 10 });
  model.dispose();

  let page, errors;
  ({ browser, page, errors } = await openInChromium(chromium, `${site.origin}/`));
  const results = await page.evaluate(async ({ pngBytes }) => {
    const { load, simdSupported } = await import('/js_sdk/trit.js');
    const model = await load('/build/js-test/sdk-small.onnx');
    const blob = new Blob([new Uint8Array(pngBytes)], { type: 'image/png' });
    const opts = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
    const bitmap = await createImageBitmap(blob, opts);
    const canvas = Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
    offscreen.getContext('2d').drawImage(bitmap, 0, 0);
    const image = new Image();
    image.src = URL.createObjectURL(blob); // not awaited: classify waits for decode()
    const out = { simd: model.info.simd, simdSupported: simdSupported() };
    const top = (x) => model.classify(x, { topK: 10 });
    out.bytes = await top(new Uint8Array(pngBytes));
    out.blob = await top(blob);
    out.image = await top(image);
    out.canvas = await top(canvas);
    out.offscreen = await top(offscreen);
    out.bitmap = await top(bitmap);
    out.imageData = await top(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height));
    if (typeof VideoFrame === 'function') {
      const frame = new VideoFrame(bitmap, { timestamp: 0 });
      out.videoFrame = await top(frame);
      frame.close();
    }
    try { await top(new Image()); } catch (e) { out.emptyImage = e.name; }
    // A module Worker: no DOM, an ImageBitmap transferred in.
    const worker = new Worker(URL.createObjectURL(new Blob([`
      import { load } from '${location.origin}/js_sdk/trit.js';
      onmessage = async ({ data }) => {
        try {
          const model = await load('${location.origin}/build/js-test/sdk-small.onnx');
          postMessage({ bitmap: await model.classify(data.bitmap, { topK: 10 }), blob: await model.classify(data.blob, { topK: 10 }) });
          model.dispose();
        } catch (e) { postMessage({ error: e.message }); }
      };`], { type: 'text/javascript' })), { type: 'module' });
    const copy = await createImageBitmap(blob, opts);
    out.worker = await new Promise((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.postMessage({ bitmap: copy, blob }, [copy]);
    });
    worker.terminate();
    model.dispose();
    return out;
  }, { pngBytes: Array.from(png) });

  assert.deepEqual(errors, []);
  assert.equal(results.simdSupported, true, 'Chromium has wasm SIMD: the probe module must validate');
  assert.equal(results.simd, true);
  const close = (actual, what) => {
    assert.ok(actual, `${what}: no result`);
    assert.deepEqual(actual.map((c) => c.index), expected.map((c) => c.index), what);
    for (const [i, c] of actual.entries()) {
      assert.ok(Math.abs(c.probability - expected[i].probability) < 1e-6, `${what}: ${c.probability} vs ${expected[i].probability}`);
      assert.equal(c.label, expected[i].label);
    }
  };
  for (const kind of ['bytes', 'blob', 'image', 'canvas', 'offscreen', 'bitmap', 'imageData', 'videoFrame']) {
    close(results[kind], kind); // Debian's Chromium has VideoFrame (WebCodecs)
  }
  assert.equal(results.emptyImage, 'TypeError');
  assert.equal(results.worker.error, undefined, results.worker.error);
  close(results.worker.bitmap, 'worker ImageBitmap');
  close(results.worker.blob, 'worker Blob');
});

// Development only (not part of `make test`): opens the demo with tests/web/mock-sdk.js standing in
// for js_sdk/trit.js and two fake models, drives the camera and an image, and saves screenshots to
// build/test-artifacts/dev-*.png. Useful while the engine is being changed or is broken.
//   node tests/web/dev-mock.mjs

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openPage, screenshot, startServer, testPicture, writeY4m } from './helpers.mjs';

const y4m = writeY4m(path.join(ARTIFACTS, 'dev-camera.y4m'), testPicture());
const server = await startServer();
const browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`]);
try {
    const { page, context, problems } = await openPage(browser);
    await context.route('**/js_sdk/trit.js', (route) => route.fulfill({
        contentType: 'text/javascript', body: readFileSync(path.join(ROOT, 'tests/web/mock-sdk.js')),
    }));
    await context.route('**/web/models.json', (route) => route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ models: [
            { id: 'a', name: 'resnet20-ttq', url: '../fake/a.onnx.gz', bytes: 61234, gzipBytes: 61234, sparsity: 0.52, top1: 90.1, dataset: 'cifar10' },
            { id: 'b', name: 'resnet20-twn', url: '../fake/b.onnx.gz', bytes: 65000, gzipBytes: 65000, sparsity: 0.41, top1: 89.3, dataset: 'cifar10' },
            { id: 'missing', name: 'missing', url: '../fake/missing.onnx', bytes: 1, sparsity: null, top1: null },
        ] }),
    }));
    await context.route('**/fake/*.onnx.gz', (route) => route.fulfill({ contentType: 'application/gzip', body: Buffer.alloc(60000, 7) }));
    await page.goto(server.page);
    await page.waitForSelector('html[data-model="ready"]', { timeout: 10000 });
    await page.click('#camera-start');
    await page.waitForSelector('#results li:not([hidden])', { timeout: 10000 });
    await page.waitForTimeout(1500);
    console.log('camera:', await page.textContent('#camera-message'));
    console.log('top:', await page.$$eval('#results li:not([hidden])', (els) => els.map((e) => e.textContent)));
    console.log('stats:', await page.$$eval('.stats dd', (els) => els.map((e) => e.textContent)));
    await screenshot(page, 'dev-camera');
    await page.selectOption('#model-select', 'missing');
    await page.waitForSelector('#alert:not([hidden])');
    console.log('alert:', await page.textContent('#alert-text'));
    await screenshot(page, 'dev-missing');
    console.log('problems:', problems());
} finally {
    await browser.close();
    await server.stop();
}

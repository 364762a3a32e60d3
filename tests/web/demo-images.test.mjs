// Browser tests of the demo page (web/), pictures and models: upload, model switch, drag and drop and paste,
// the non-SIMD engine.
// The fixture (server, browsers, shared helpers) is demo-common.mjs; see it for how these run.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, openDemo, screenshot, testPicture } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';
import { NATIVE_CLI, server, manifest, browserWith, modelPath, shownTop, updates, assertNoProblems, bmp, useDemoServer } from './demo-common.mjs';

useDemoServer();

describe('images and models', () => {
    let browser;
    before(async () => { browser = await browserWith([]); });

    test('upload: a JPEG through the file input gives the native CLI’s top-1', async (t) => {
        if (!existsSync(NATIVE_CLI)) assert.fail(`${NATIVE_CLI} is missing: make native`);
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        // A JPEG from Chromium's encoder (3:2, so resize and centre crop both matter).
        const jpegBase64 = await page.evaluate(async () => {
            const c = new OffscreenCanvas(300, 200);
            const g = c.getContext('2d');
            const grad = g.createLinearGradient(0, 0, 300, 200);
            grad.addColorStop(0, '#1d4e89');
            grad.addColorStop(1, '#f4d35e');
            g.fillStyle = grad;
            g.fillRect(0, 0, 300, 200);
            g.fillStyle = '#c0392b';
            g.beginPath();
            g.ellipse(150, 110, 60, 40, 0.3, 0, 2 * Math.PI);
            g.fill();
            const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 })).arrayBuffer());
            let s = '';
            for (const b of bytes) s += String.fromCharCode(b);
            return btoa(s);
        });
        const jpeg = path.join(ARTIFACTS, 'upload.jpg');
        writeFileSync(jpeg, Buffer.from(jpegBase64, 'base64'));
        const current = manifest.models[0];
        // trit classify MODEL IMAGE --top K --json → [{ file, top: [{ index, label, probability }] }]
        const onnx = modelPath(current).replace(/\.gz$/, ''); // the CLI reads the uncompressed file
        const native = JSON.parse(execFileSync(NATIVE_CLI, ['classify', onnx, jpeg, '--top', '5', '--json'],
            { encoding: 'utf8' }));
        const nativeTop = native[0].top;
        await page.setInputFiles('#file-input', jpeg);
        await page.waitForSelector('#stage[data-classified="upload.jpg"]', { timeout: 10000 });
        const shown = await shownTop(page);
        // Same decoder (stb_image) and preprocessing in both; the arithmetic may round differently
        // (SIMD wasm vs native kernels), so probabilities agree to 1e-4 and the order wherever the gap is wider.
        assert.equal(shown.length, 5);
        shown.forEach((r, i) => {
            const gapAbove = i > 0 ? nativeTop[i - 1].probability - nativeTop[i].probability : 1;
            const gapBelow = i < 4 ? nativeTop[i].probability - nativeTop[i + 1].probability : 1;
            if (Math.min(gapAbove, gapBelow) > 2e-4) assert.equal(r.index, nativeTop[i].index, `rank ${i + 1}`);
            const native = nativeTop.find((n) => n.index === r.index);
            assert.ok(native && Math.abs(native.probability - r.probability) < 1e-4, `class ${r.index} probability`);
        });
        t.diagnostic(`top-1 ${shown[0].label} ${shown[0].percent}; native ${JSON.stringify(nativeTop.map((n) => [n.index, n.probability]))}`);
        await screenshot(page, 'upload');
        assertNoProblems(tab);
    });

    test('model switch disposes the old model and reclassifies; a 404 model is a visible error', async () => {
        const tab = await openDemo(browser, server.page, { expected: [/404/] });
        const { page } = tab;
        // Add a model whose file does not exist to the list the page reads.
        await page.route('**/web/models.json', async (route) => {
            const response = await route.fetch();
            const body = await response.json();
            body.models.push({ id: 'missing', name: 'missing-model', url: '../models/does-not-exist.onnx', bytes: 1000,
                gzipBytes: 500, sparsity: null, top1: null, standIn: false });
            await route.fulfill({ response, json: body });
        });
        await page.reload();
        await page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
        const picture = testPicture(320, 240, 3);
        await page.setInputFiles('#file-input', {
            name: 'still.bmp', mimeType: 'image/bmp', buffer: bmp(picture),
        });
        await page.waitForSelector('#stage[data-classified="still.bmp"]', { timeout: 10000 });
        const firstName = await page.$eval('#model-info', (dl) => dl.textContent);
        const before = await updates(page);

        if (manifest.models.length >= 2) {
            await page.selectOption('#model-select', manifest.models[1].id);
            await page.waitForFunction((n) => Number(document.querySelector('#results').dataset.updates) > n, before,
                { timeout: 20000 });
            assert.equal(await page.getAttribute('html', 'data-model'), 'ready');
            assert.notEqual(await page.$eval('#model-info', (dl) => dl.textContent), firstName);
            assert.equal(await page.getAttribute('html', 'data-live-models'), '1', 'the old model was disposed');
            await screenshot(page, 'model-switched');
        }
        const using = await page.$eval('#model-select', (s) => s.value);

        await page.selectOption('#model-select', 'missing');
        await page.waitForSelector('html[data-load="failed"]', { timeout: 10000 });
        assert.match(await page.textContent('#load-text'), /missing-model.*404 \(not found\)\. Still using/s);
        assert.equal(await page.isVisible('#retry'), true);
        assert.equal(await page.$eval('#model-select', (s) => s.value), using, 'the picker goes back to the working model');
        assert.equal(await page.getAttribute('html', 'data-model'), 'ready');
        await screenshot(page, 'model-404');

        // Still usable: another image is classified with the model still loaded.
        const n = await updates(page);
        await page.setInputFiles('#file-input', { name: 'again.bmp', mimeType: 'image/bmp', buffer: bmp(testPicture(200, 200, 5)) });
        await page.waitForSelector('#stage[data-classified="again.bmp"]', { timeout: 10000 });
        assert.ok(await updates(page) > n);
        assert.equal(await page.getAttribute('html', 'data-live-models'), '1');
        assertNoProblems(tab);
    });

    test('drag and drop and paste classify like the file picker', async () => {
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        const picture = bmp(testPicture(240, 160, 7));
        await page.setInputFiles('#file-input', { name: 'picked.bmp', mimeType: 'image/bmp', buffer: picture });
        await page.waitForSelector('#stage[data-classified="picked.bmp"]', { timeout: 10000 });
        const picked = await shownTop(page);
        const base64 = picture.toString('base64');
        for (const [how, name] of [['drop', 'dropped.bmp'], ['paste', 'pasted.bmp']]) {
            await page.evaluate(({ how, name, base64 }) => {
                const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name, { type: 'image/bmp' }));
                const event = how === 'drop'
                    ? new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true })
                    : new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
                document.querySelector(how === 'drop' ? '#stage' : 'body').dispatchEvent(event);
            }, { how, name, base64 });
            await page.waitForSelector(`#stage[data-classified="${name}"]`, { timeout: 10000 });
            assert.deepEqual(await shownTop(page), picked, how);
            await screenshot(page, `image-${how}`);
        }
        assertNoProblems(tab);
    });

    test('?simd=0 runs the baseline engine: badge off, same answer as SIMD', async () => {
        const still = { name: 'same.bmp', mimeType: 'image/bmp', buffer: bmp(testPicture(180, 240, 11)) };
        const answers = {};
        for (const simd of ['1', '0']) {
            const tab = await openDemo(browser, `${server.page}?simd=${simd}`);
            await tab.page.setInputFiles('#file-input', still);
            await tab.page.waitForSelector('#stage[data-classified="same.bmp"]', { timeout: 10000 });
            assert.equal(await tab.page.textContent('#simd-badge'), simd === '1' ? 'SIMD: on' : 'SIMD: off');
            answers[simd] = await shownTop(tab.page);
            if (simd === '0') await screenshot(tab.page, 'simd-off');
            assertNoProblems(tab);
            await tab.close();
        }
        assert.deepEqual(answers['0'].map((r) => r.index), answers['1'].map((r) => r.index));
        answers['0'].forEach((r, i) => assert.ok(Math.abs(r.probability - answers['1'][i].probability) < 1e-5));
    });
});

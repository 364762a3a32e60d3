// Browser tests of the demo page (web/), Chromium with a fake webcam: the server, the camera, two cameras and
// the camera errors.
// The fixture (server, browsers, shared helpers) is demo-common.mjs; see it for how these run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { ARTIFACTS, openDemo, screenshot, testPicture, writeY4m } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';
import { CAMERA_FLAGS, server, manifest, browserWith, modelPath, shownTop, updates, assertNoProblems, useDemoServer } from './demo-common.mjs';

useDemoServer();

describe('server', () => {
    test('MIME types, gzip as bytes, 404s and no escape from the repository', async () => {
        const get = (p) => fetch(server.origin + p, { redirect: 'manual' });
        assert.equal((await get('/')).status, 302);
        const page = await get('/web/');
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type'), /^text\/html/);
        assert.match((await get('/web/app.js')).headers.get('content-type'), /^text\/javascript/);
        assert.match((await get('/web/server.mjs')).headers.get('content-type'), /^text\/javascript/);
        assert.equal((await get('/build/wasm/trit.wasm')).headers.get('content-type'), 'application/wasm');
        const gz = manifest.models.find((m) => m.url.endsWith('.gz'));
        if (gz) {
            const r = await get(`/web/${gz.url}`);
            assert.equal(r.headers.get('content-type'), 'application/gzip');
            assert.equal(r.headers.get('content-encoding'), null);
            const bytes = new Uint8Array(await r.arrayBuffer());
            assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'served as the gzip bytes on disk');
            assert.equal(bytes.length, gz.bytes);
        }
        assert.equal((await get('/web/no-such-file.js')).status, 404);
        assert.equal((await get('/.git/config')).status, 404);
        // Raw request paths (fetch would normalise the dots away before sending).
        const rawStatus = (rawPath) => new Promise((resolve, reject) => {
            http.get({ host: '127.0.0.1', port: new URL(server.origin).port, path: rawPath }, (res) => {
                res.resume();
                resolve(res.statusCode);
            }).on('error', reject);
        });
        for (const evil of ['/web/../../../../etc/passwd', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
            '/web/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd', '/web/..%5c..%5cetc%5cpasswd', '/web/%00']) {
            assert.equal(await rawStatus(evil), 404, evil);
        }
        assert.equal(await rawStatus('/web/../web/app.js'), 200, 'dot segments resolve inside the root');
        assert.equal((await fetch(server.origin + '/web/', { method: 'POST' })).status, 405);
    });
});

describe('camera', () => {
    test('fake webcam: top-5 within 10 s, equal to the SDK in Node on the same frame; stop and start', async () => {
        const picture = testPicture(640, 480, 1);
        const y4m = writeY4m(path.join(ARTIFACTS, 'camera.y4m'), picture);
        const tab = await openDemo(await browserWith(CAMERA_FLAGS(y4m)), server.page);
        const { page } = tab;
        const started = Date.now();
        await page.click('#camera-start');
        await page.waitForSelector('#results[data-count="5"]', { timeout: 10000 });
        assert.ok(Date.now() - started < 10000);
        await page.waitForFunction(() => Number(document.querySelector('#results').dataset.updates) >= 3, null, { timeout: 10000 });
        const frame = await page.evaluate(() => window.tritDemo.lastFrame());
        const shown = await shownTop(page);
        assert.equal(shown.length, 5);
        assert.equal(frame.width, 640);
        assert.equal(frame.height, 480);

        // The frame is our picture after Chromium's YUV round trip (close, not equal).
        const rgba = new Uint8Array(Buffer.from(frame.rgbaBase64, 'base64'));
        let diff = 0;
        for (let i = 0; i < rgba.length; i += 4) {
            for (let c = 0; c < 3; c++) diff += Math.abs(rgba[i + c] - picture.data[i + c]);
        }
        const meanDiff = diff / (3 * rgba.length / 4);
        assert.ok(meanDiff < 8, `camera frame differs from the test picture by ${meanDiff.toFixed(2)} per channel`);

        // The same frame through the SDK in Node: same classes, same probabilities, same order.
        const current = manifest.models[0]; // the one the page opens with
        const model = await load(modelPath(current));
        try {
            const expected = await model.classify({ data: rgba, width: frame.width, height: frame.height }, { topK: 5 });
            assert.deepEqual(frame.top.map((r) => r.index), expected.map((r) => r.index));
            frame.top.forEach((r, i) => assert.ok(Math.abs(r.probability - expected[i].probability) < 1e-6));
            assert.deepEqual(shown.map((r) => r.label), expected.map((r) => r.label || `class ${r.index}`));
        } finally {
            model.dispose();
        }
        const stats = await page.$$eval('.stats dd', (dds) => dds.map((d) => d.textContent));
        assert.match(stats[0], /^\d+(\.\d)? ms$/, 'median inference time');
        assert.match(stats[1], /^\d+(\.\d)?$/, 'frames per second');
        assert.ok(Number(await page.$eval('#stat-bytes', (e) => e.dataset.bytes)) > 10000, 'bytes downloaded');
        assert.match(await page.textContent('#simd-badge'), /SIMD: (on|off)/);
        // The preview holds the network's input: not blank.
        const previewPixels = await page.$eval('#net-input', (c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4) lit += d[i] + d[i + 1] + d[i + 2] > 0 ? 1 : 0;
            return lit;
        });
        assert.ok(previewPixels > 0.9 * 32 * 32, 'network-input preview drawn');
        await screenshot(page, 'camera');

        // Stop: no more results; start again: results resume.
        await page.click('#camera-stop');
        assert.equal(await page.getAttribute('html', 'data-camera'), 'off');
        const stoppedAt = await updates(page);
        await page.waitForTimeout(500);
        assert.ok(await updates(page) <= stoppedAt + 1, 'results keep coming after stop');
        await page.click('#camera-start');
        await page.waitForFunction((n) => Number(document.querySelector('#results').dataset.updates) > n + 2,
            stoppedAt, { timeout: 10000 });
        assert.equal(await page.getAttribute('html', 'data-camera'), 'on');
        // Restarts leave one frame callback chain: more would show up as several "skipped" per frame.
        for (let i = 0; i < 2; i++) {
            await page.click('#camera-stop');
            await page.click('#camera-start');
            await page.waitForSelector('html[data-camera="on"]');
        }
        const skipped = async () => Number(await page.textContent('#stat-skipped'));
        const [s0, u0] = [await skipped(), await updates(page)];
        await page.waitForTimeout(1000);
        const [s1, u1] = [await skipped(), await updates(page)];
        assert.ok(u1 > u0, 'results after restarts');
        assert.ok(s1 - s0 <= 31, `${s1 - s0} frames skipped in 1 s (a 30 fps camera)`);
        await screenshot(page, 'camera-restarted');
        assertNoProblems(tab);
    });
});

describe('camera choice', () => {
    test('two cameras: a picker appears and switching keeps results coming', async () => {
        const tab = await openDemo(await browserWith(['--use-fake-device-for-media-stream=device-count=2',
            '--use-fake-ui-for-media-stream']), server.page);
        const { page } = tab;
        await page.click('#camera-start');
        await page.waitForSelector('#results[data-count="5"]', { timeout: 10000 });
        assert.equal(await page.$eval('#camera-choice', (e) => e.hidden), false, 'camera picker shown');
        const cameras = await page.$$eval('#camera-select option', (o) => o.map((x) => x.value));
        assert.equal(cameras.length, 2);
        const before = await page.$eval('#camera-select', (s) => s.value);
        const other = cameras.find((c) => c !== before);
        const n = await updates(page);
        await page.selectOption('#camera-select', other);
        await page.waitForFunction((id) => document.querySelector('#camera-select').value === id &&
            document.documentElement.dataset.camera === 'on', other, { timeout: 10000 });
        await page.waitForFunction((k) => Number(document.querySelector('#results').dataset.updates) > k + 2, n, { timeout: 10000 });
        await screenshot(page, 'camera-choice');
        assertNoProblems(tab);
    });
});

describe('camera errors', () => {
    test('permission denied, no camera, insecure context: clear messages, images still work', async () => {
        // No --use-fake-ui-for-media-stream: the permission prompt cannot be answered, so it is denied.
        const y4m = writeY4m(path.join(ARTIFACTS, 'camera.y4m'), testPicture());
        const denied = await openDemo(await browserWith(['--use-fake-device-for-media-stream',
            `--use-file-for-fake-video-capture=${y4m}`]), server.page);
        await denied.page.click('#camera-start');
        await denied.page.waitForSelector('html[data-camera="error"]', { timeout: 10000 });
        assert.match(await denied.page.textContent('#camera-message'), /permission was denied/i);
        await screenshot(denied.page, 'camera-permission-denied');
        assertNoProblems(denied);

        // Permission granted but no camera device at all; and the page opened on a non-local http origin.
        const browser = await browserWith(['--use-fake-ui-for-media-stream',
            '--host-resolver-rules=MAP demo.example 127.0.0.1']);
        const none = await openDemo(browser, server.page);
        await none.page.click('#camera-start');
        await none.page.waitForSelector('html[data-camera="error"]', { timeout: 10000 });
        assert.match(await none.page.textContent('#camera-message'), /no camera/i);
        await screenshot(none.page, 'camera-none');
        assertNoProblems(none);

        const insecureUrl = server.page.replace('localhost', 'demo.example');
        const insecure = await openDemo(browser, insecureUrl);
        assert.match(await insecure.page.textContent('#camera-message'), /secure context/i);
        await insecure.page.click('#camera-start');
        assert.match(await insecure.page.textContent('#camera-message'), /secure context/i);
        await screenshot(insecure.page, 'camera-insecure');
        assertNoProblems(insecure);
    });
});

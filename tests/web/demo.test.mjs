// Browser tests of the demo page (web/): headless Debian Chromium driven by playwright-core, against
// web/server.mjs on a free port, with the real SDK (js_sdk/trit.js), the real wasm engine and the
// models the page lists. Every test saves a screenshot in build/test-artifacts/ and fails on any
// console error it did not expect.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openDemo, openPage, screenshot, startServer, testPicture, writeY4m } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';
import { encodeBmp } from '../js/helpers.mjs';

const CAMERA_FLAGS = (y4m) => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`];
const NATIVE_CLI = path.join(ROOT, 'build/native/trit');

let server, manifest;
const browsers = [];

async function browserWith(flags) {
    const b = await launch(flags);
    browsers.push(b);
    return b;
}

// A repository path for a model URL of the manifest (relative to /web/).
const modelPath = (m) => path.join(ROOT, 'web', m.url);

const shownTop = (page) => page.$$eval('#results li:not([hidden])', (items) => items.map((li) => ({
    index: Number(li.dataset.index),
    probability: Number(li.dataset.probability),
    label: li.querySelector('.label').textContent,
    percent: li.querySelector('.prob').textContent,
})));

const updates = (page) => page.$eval('#results', (el) => Number(el.dataset.updates || 0));

function assertNoProblems(tab) {
    assert.deepEqual(tab.problems(), [], 'console errors or page errors');
}

before(async () => {
    // Two deterministic random-weight models (tests/web/make_models.py, built by `make test-web`).
    server = await startServer({ TRIT_MODEL_DIRS: 'build/web-test/models' });
    manifest = await (await fetch(`${server.origin}/web/models.json`)).json();
    assert.equal(manifest.models.length, 2, 'run `make test-web` (it builds build/web-test/models)');
});

after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
});

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

describe('inference slower than the camera', () => {
    test('frames are skipped, never queued; the page stays responsive while the worker is busy', async () => {
        const DELAY = 250; // ms of extra work per classify, inside the worker
        const y4m = writeY4m(path.join(ARTIFACTS, 'camera.y4m'), testPicture());
        const tab = await openPage(await browserWith(CAMERA_FLAGS(y4m)));
        const { page, context } = tab;
        // The page's worker.js, made slow: every classify busy-waits DELAY ms in the worker first.
        await context.route('**/web/worker.js', async (route) => {
            const response = await route.fetch();
            const body = (await response.text()) + `
const slowClassify = handlers.classify;
handlers.classify = async (message) => {
    const end = performance.now() + ${DELAY};
    while (performance.now() < end);
    return slowClassify(message);
};
self.slowedDown = true;
`;
            await route.fulfill({ response, body });
        });
        // Count classify requests in flight (sent to the worker, not yet answered) and main-thread long tasks.
        await context.addInitScript(() => {
            const stats = (window.__classify = { inFlight: 0, maxInFlight: 0, sent: 0, longTasks: [] });
            const NativeWorker = window.Worker;
            window.Worker = class extends NativeWorker {
                constructor(...args) {
                    super(...args);
                    this.addEventListener('message', ({ data }) => { if (data?.type === 'classify') stats.inFlight--; });
                }
                postMessage(message, ...rest) {
                    if (message?.type === 'classify') {
                        stats.sent++;
                        stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
                    }
                    return super.postMessage(message, ...rest);
                }
            };
            new PerformanceObserver((list) => {
                for (const e of list.getEntries()) stats.longTasks.push([e.startTime, e.duration]);
            }).observe({ type: 'longtask', buffered: true });
        });
        await page.goto(server.page);
        await page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
        await page.click('#camera-start');
        await page.waitForFunction(() => Number(document.querySelector('#results').dataset.updates) >= 2, null, { timeout: 10000 });
        const read = () => page.evaluate(() => ({
            ...window.__classify,
            updates: Number(document.querySelector('#results').dataset.updates),
            skipped: Number(document.querySelector('#stat-skipped').textContent),
            now: performance.now(),
        }));
        const before = await read();
        // Main-thread responsiveness, measured from inside over 3 s: the largest gap between 10 ms timers,
        // and the long tasks (PerformanceObserver 'longtask') that started in that window.
        const { worstTimerGap, longestTask } = await page.evaluate(() => new Promise((resolve) => {
            const start = performance.now();
            let last = start, worst = 0;
            const tick = () => {
                const now = performance.now();
                worst = Math.max(worst, now - last);
                last = now;
                if (now < start + 3000) return setTimeout(tick, 10);
                // Long-task entries arrive asynchronously: give the observer a moment before reading.
                setTimeout(() => resolve({
                    worstTimerGap: worst,
                    longestTask: Math.max(0, ...window.__classify.longTasks.filter(([t]) => t >= start && t < now).map(([, d]) => d)),
                }), 200);
            };
            setTimeout(tick, 10);
        }));
        const after = await read();
        const results = after.updates - before.updates, skipped = after.skipped - before.skipped;
        assert.equal(after.maxInFlight, 1, 'more than one frame was handed to the worker at a time');
        assert.ok(results >= 3, `results keep coming, slower (${results} in 3 s)`);
        const elapsed = after.now - before.now;
        assert.ok(results <= Math.ceil(elapsed / DELAY) + 1, `${results} results in ${elapsed.toFixed(0)} ms with ${DELAY} ms per inference`);
        assert.ok(skipped > results && skipped >= 20, `${skipped} frames skipped vs ${results} classified in ${elapsed.toFixed(0)} ms`);
        assert.ok(after.sent - before.sent <= results + 1, 'every frame sent was answered: none queued');
        assert.ok(longestTask < DELAY, `a main-thread task took ${longestTask} ms: inference on the page?`);
        assert.ok(worstTimerGap < DELAY, `the page was unresponsive for ${worstTimerGap.toFixed(0)} ms`);
        await screenshot(page, 'camera-slow-inference');
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

    test('the preview is the network input: the centre crop, exact for a picture of 10×10 blocks', async () => {
        // 480×320 of 10×10 blocks of random colours: the engine resizes it to 48×32 (an exact 10:1 box
        // average, so each block becomes one pixel) and keeps the centre 32×32, i.e. block columns 8..39.
        const W = 480, H = 320, B = 10;
        let seed = 12345;
        const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
        const blocks = Array.from({ length: (H / B) * (W / B) }, () => [random(), random(), random()]);
        const data = new Uint8ClampedArray(W * H * 4);
        for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
                data.set([...blocks[Math.floor(y / B) * (W / B) + Math.floor(x / B)], 255], (y * W + x) * 4);
            }
        }
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        await page.setInputFiles('#file-input', { name: 'blocks.bmp', mimeType: 'image/bmp', buffer: bmp({ data, width: W, height: H }) });
        await page.waitForSelector('#stage[data-classified="blocks.bmp"]', { timeout: 10000 });
        const preview = await page.$eval('#net-input', (c) => ({
            width: c.width, height: c.height, data: [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data],
        }));
        assert.deepEqual([preview.width, preview.height], [32, 32]);
        let wrong = 0;
        for (let y = 0; y < 32; y++) {
            for (let x = 0; x < 32; x++) {
                const want = blocks[y * (W / B) + 8 + x];
                const i = (y * 32 + x) * 4;
                if (want.some((v, c) => preview.data[i + c] !== v)) wrong++;
            }
        }
        assert.equal(wrong, 0, `${wrong} of 1024 preview pixels are not the centre crop`);
        // The dashed box on the picture marks the same crop: source columns 80..400 of 480, on an
        // overlay drawn at the displayed size (the unshaded span, less the 2-pixel line).
        const box = await page.$eval('#overlay', (c) => {
            const d = c.getContext('2d').getImageData(0, c.height >> 1, c.width, 1).data;
            const shaded = [];
            for (let x = 0; x < c.width; x++) shaded.push(d[4 * x + 3] > 0);
            return { width: c.width, shown: c.clientWidth, first: shaded.indexOf(false), last: shaded.lastIndexOf(false) };
        });
        assert.equal(box.width, box.shown, 'overlay at the displayed size');
        const [left, right] = [(80 / W) * box.width, (400 / W) * box.width];
        assert.ok(Math.abs(box.first - left) <= 4 && Math.abs(box.last + 1 - right) <= 4,
            `crop box at ${box.first}..${box.last} of ${box.width}, expected ${left.toFixed(0)}..${right.toFixed(0)}`);
        // And the engine in Node, given only the preview, answers what the page shows.
        const model = await load(modelPath(manifest.models[0]));
        try {
            const expected = await model.classify({ data: new Uint8Array(preview.data), width: 32, height: 32 }, { topK: 5 });
            const shown = await shownTop(page);
            assert.deepEqual(shown.map((r) => r.index), expected.map((r) => r.index));
            shown.forEach((r, i) => assert.ok(Math.abs(r.probability - expected[i].probability) < 1e-6, `rank ${i + 1}`));
        } finally {
            model.dispose();
        }
        await screenshot(page, 'preview-blocks');
        assertNoProblems(tab);
    });

    test('download progress for the engine and the model; the bytes downloaded add up', async () => {
        const tab = await openPage(browser);
        const { page, context } = tab;
        // Every value the two progress bars take while loading.
        await context.addInitScript(() => {
            window.__progress = { 'wasm-progress': [], 'model-progress': [] };
            document.addEventListener('DOMContentLoaded', () => {
                for (const id of Object.keys(window.__progress)) {
                    const bar = document.getElementById(id);
                    new MutationObserver(() => window.__progress[id].push([bar.value, bar.max]))
                        .observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
                }
            });
        });
        // A 200 kB/s line, so the downloads take a while (applies to the worker's fetches too).
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 200e3, uploadThroughput: 1e6 });
        await page.goto(server.page);
        await page.waitForSelector('html[data-model="ready"]', { timeout: 30000 });
        await page.waitForFunction(() => document.querySelector('#stat-bytes').dataset.bytes !== undefined);
        const seen = await page.evaluate(() => window.__progress);
        const threaded = (await page.textContent('#threads-badge')) !== '1 thread'; // make serve is cross-origin isolated
        const wasmFile = path.join(ROOT, 'build/wasm', threaded ? 'trit-mt.wasm'
            : (await page.textContent('#simd-badge')) === 'SIMD: on' ? 'trit.wasm' : 'trit-nosimd.wasm');
        const totals = { 'wasm-progress': statSync(wasmFile).size, 'model-progress': manifest.models[0].bytes };
        for (const [id, values] of Object.entries(seen)) {
            const total = totals[id];
            const partial = values.filter(([v, max]) => max === total && v > 0 && v < total);
            assert.ok(partial.length >= 3, `${id}: ${partial.length} intermediate values of ${total} bytes`);
            for (let i = 1; i < partial.length; i++) assert.ok(partial[i][0] >= partial[i - 1][0], `${id} goes backwards`);
            assert.deepEqual(await page.$eval(`#${id}`, (b) => [b.value, b.max]), [total, total], `${id} ends full`);
        }
        assert.equal(await page.textContent('#model-progress-text'), await page.evaluate(
            (n) => (n < 1e6 ? `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)} kB` : `${(n / 1e6).toFixed(2)} MB`), totals['model-progress']));
        // Downloaded = the page's files + models.json + the engine + the model, byte for byte.
        const examples = readdirSync(path.join(ROOT, 'web/examples')).map((f) => `web/examples/${f}`);
        const pageFiles = ['web/index.html', 'web/style.css', 'web/app.js', 'web/worker.js', 'js_sdk/trit.js', ...examples]
            .reduce((sum, f) => sum + statSync(path.join(ROOT, f)).size, 0);
        const listBytes = (await (await fetch(`${server.origin}/web/models.json`)).arrayBuffer()).byteLength;
        const expected = pageFiles + listBytes + totals['wasm-progress'] + totals['model-progress'];
        const shown = Number(await page.$eval('#stat-bytes', (e) => e.dataset.bytes));
        assert.equal(shown, expected, `downloaded ${shown} vs files ${expected} (${await page.getAttribute('#stat-bytes', 'title')})`);
        await screenshot(page, 'download-progress');
        assertNoProblems(tab);
    });

    test('look inside: layer picture and sparsity chart', async () => {
        const tab = await openDemo(browser, server.page);
        const { page } = tab;
        await page.waitForFunction(() => document.querySelector('#layer-caption').textContent.length > 0);
        const layerCount = await page.$$eval('#layer-select option', (o) => o.length);
        assert.ok(layerCount >= 1);
        const caption = await page.textContent('#layer-caption');
        const [, plus, zero, minus] = /(\d+) × \+1, (\d+) × 0, (\d+) × −1/.exec(caption).map(Number);
        assert.ok(plus > 0 && minus > 0 && zero >= 0);
        // The colours on the canvas are the three of the legend.
        const colours = await page.$eval('#weights-canvas', (c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const set = new Set();
            for (let i = 0; i < d.length; i += 4) set.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
            return set.size;
        });
        assert.ok(colours >= 3 && colours <= 4, `weights picture has ${colours} colours`);
        await page.selectOption('#layer-select', String(layerCount - 1));
        await page.waitForFunction((last) => document.querySelector('#layer-caption').textContent.startsWith(last),
            await page.$eval(`#layer-select option[value="${layerCount - 1}"]`, (o) => o.textContent.split(' — ')[0]));
        await page.locator('section[aria-labelledby="inside-heading"]').scrollIntoViewIfNeeded();
        await screenshot(page, 'look-inside');
        assertNoProblems(tab);
    });
});

describe('accessibility', () => {
    // WCAG 2 contrast of every visible text element against the colours behind it (light and dark schemes);
    // disabled controls are exempt, and so is text over the camera picture.
    const contrastProblems = (page) => page.evaluate(() => {
        const parse = (css) => {
            const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(css);
            if (!m) throw new Error(`cannot read colour ${css}`);
            return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
        };
        const over = ([r, g, b, a], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
        const background = (el) => {
            const layers = [];
            for (let e = el; e; e = e.parentElement) {
                const c = parse(getComputedStyle(e).backgroundColor);
                if (c[3] > 0) layers.push(c);
                if (c[3] === 1) break;
            }
            return layers.reverse().reduce((under, c) => over(c, under), [255, 255, 255]);
        };
        const luminance = (rgb) => {
            const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const problems = [];
        let checked = 0;
        for (const el of document.querySelectorAll('body *')) {
            if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
            if (!el.checkVisibility?.() || el.closest('#stage, :disabled, .visually-hidden, option')) continue;
            const style = getComputedStyle(el);
            const bg = background(el);
            const fg = over(parse(style.color), bg);
            const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            const size = Number.parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
            const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
            checked++;
            if (ratio < needed) problems.push(`${el.tagName}#${el.id}.${el.className} "${el.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)} < ${needed}`);
        }
        return { checked, problems };
    });

    test('keyboard only, named controls, visible focus, text contrast in light and dark', async () => {
        // Chromium's two generated fake cameras (a video file would make it one).
        const browser = await browserWith(['--use-fake-device-for-media-stream=device-count=2', '--use-fake-ui-for-media-stream']);
        for (const colorScheme of ['light', 'dark']) {
            const tab = await openPage(browser);
            const { page, context } = tab;
            await page.emulateMedia({ colorScheme });
            await page.goto(server.page);
            await page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });

            // Tab through the page from the top: which controls get focus, and is the focus visible?
            const tabThrough = async () => {
                // One full cycle of Tab presses, from wherever the focus is (the document itself is skipped).
                const seen = [];
                for (let i = 0; i < 45; i++) {
                    await page.keyboard.press('Tab');
                    const f = await page.evaluate(() => {
                        const e = document.activeElement;
                        if (!e || e === document.body) return null;
                        const ring = (x) => x && Number.parseFloat(getComputedStyle(x).outlineWidth) >= 2 &&
                            getComputedStyle(x).outlineStyle !== 'none';
                        return { id: e.id, visibleFocus: ring(e) || [...(e.labels ?? [])].some(ring) };
                    });
                    if (!f) continue;
                    if (seen.some((s) => s.id === f.id)) break;
                    seen.push(f);
                }
                return seen;
            };
            // Controls, and the <summary> of each closed <details> (what is inside one is not reachable).
            const controls = () => page.$$eval('button, select, input, a[href], [tabindex], summary', (els) =>
                els.filter((e) => !e.disabled && e.closest('[hidden]') === null && e.tabIndex >= 0 &&
                    (e.tagName === 'SUMMARY' || !e.closest('details:not([open])'))).map((e) => e.id));
            let order = await tabThrough();
            assert.deepEqual(order.map((f) => f.id).sort(), (await controls()).sort(), `${colorScheme}: Tab reaches every control`);
            for (const f of order) assert.ok(f.visibleFocus, `${colorScheme}: #${f.id} shows no focus ring`);

            // Start the camera with Enter; with two cameras a picker joins the tab order; stop with Space.
            await page.focus('#camera-start');
            await page.keyboard.press('Enter');
            await page.waitForSelector('html[data-camera="on"]', { timeout: 10000 });
            await page.waitForSelector('#results[data-count="5"]', { timeout: 10000 });
            order = await tabThrough();
            assert.ok(order.some((f) => f.id === 'camera-select'), `${colorScheme}: camera picker reachable`);
            assert.deepEqual(order.map((f) => f.id).sort(), (await controls()).sort());
            for (const f of order) assert.ok(f.visibleFocus, `${colorScheme}: #${f.id} shows no focus ring`);

            // Every focusable node in the accessibility tree has a name; the live regions exist.
            const cdp = await context.newCDPSession(page);
            const { nodes } = await cdp.send('Accessibility.getFullAXTree');
            const unnamed = nodes.filter((n) => !n.ignored && n.properties?.some((p) => p.name === 'focusable' && p.value.value) &&
                !['RootWebArea', 'WebArea'].includes(n.role?.value) && !n.name?.value?.trim());
            assert.deepEqual(unnamed.map((n) => `${n.role?.value} ${n.backendDOMNodeId}`), [], `${colorScheme}: focusable without a name`);
            const images = nodes.filter((n) => !n.ignored && n.role?.value === 'image');
            assert.ok(images.length >= 3 && images.every((n) => n.name?.value?.trim()),
                `${colorScheme}: pictures have names: ${JSON.stringify(images.map((n) => n.name?.value ?? null))}`);
            assert.equal(await page.getAttribute('#camera-message', 'role'), 'status');
            assert.equal(await page.getAttribute('#alert', 'role'), 'alert');

            const contrast = await contrastProblems(page);
            assert.ok(contrast.checked > 40, `${contrast.checked} text elements checked`);
            assert.deepEqual(contrast.problems, [], `${colorScheme}: text contrast`);

            // The model picker by keyboard: arrow keys switch the model.
            const first = await page.$eval('#model-select', (s) => s.value);
            const n = await updates(page);
            await page.focus('#model-select');
            await page.keyboard.press('ArrowDown');
            await page.waitForFunction((id) => document.querySelector('#model-select').value !== id &&
                document.documentElement.dataset.model === 'ready', first, { timeout: 20000 });
            await page.waitForFunction((k) => Number(document.querySelector('#results').dataset.updates) > k, n, { timeout: 10000 });
            await page.focus('#camera-stop');
            await page.keyboard.press('Space');
            await page.waitForSelector('html[data-camera="off"]');
            await screenshot(page, `accessibility-${colorScheme}`);
            assertNoProblems(tab);
            await tab.close();
        }
    });
});

describe('what `make serve` offers', () => {
    test('every model in the default list (models/, else the stand-ins) loads, matches its listing and classifies', async (t) => {
        const plain = await startServer();
        try {
            const list = (await (await fetch(`${plain.origin}/web/models.json`)).json()).models;
            assert.ok(list.length >= 1, 'the default model list is empty');
            const tab = await openPage(await browserWith([]));
            const { page } = tab;
            await page.goto(plain.page);
            await page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
            await page.setInputFiles('#file-input', { name: 'still.bmp', mimeType: 'image/bmp', buffer: bmp(testPicture(160, 120, 9)) });
            await page.waitForSelector('#stage[data-classified="still.bmp"]', { timeout: 10000 });
            for (const [i, m] of list.entries()) {
                if (i > 0) {
                    const n = await updates(page);
                    await page.selectOption('#model-select', m.id);
                    await page.waitForFunction((k) => Number(document.querySelector('#results').dataset.updates) > k, n,
                        { timeout: 30000 });
                }
                assert.equal(await page.getAttribute('html', 'data-model'), 'ready', m.id);
                const info = await page.$eval('#model-info', (dl) => dl.textContent);
                assert.ok(info.includes(m.name) || m.name.includes(info), `${m.id}: shown name`);
                assert.equal((await shownTop(page)).length, 5);
                // The picker and the details agree (both the engine's figure once the model is loaded).
                const details = await page.textContent('#model-details');
                const shown = Number(/([\d.]+) % of ternary weights are zero/.exec(details)?.[1]);
                const option = await page.$eval(`#model-select option[value="${m.id}"]`, (o) => o.textContent);
                assert.match(option, new RegExp(`· ${Math.round(shown)} % zeros`), `${m.id}: picker vs details`);
                // The picker names the model, its size on the wire and its test accuracy (from the metadata).
                assert.ok(option.startsWith(`${m.name} · `), `${m.id}: option ${option}`);
                const kB = m.bytes < 1e4 ? (m.bytes / 1000).toFixed(1) : (m.bytes / 1000).toFixed(0);
                if (m.bytes < 1e6) assert.ok(option.includes(` · ${kB} kB · `), `${m.id}: size ${m.bytes} in ${option}`);
                if (m.top1 != null) assert.ok(option.includes(`${m.top1.toFixed(1)} % top-1`), `${m.id}: top-1 in ${option}`);
                // trit.sparsity from the exporter matches the engine's count for one-plane ternary weights;
                // for residual-expansion (several planes) the two count differently: reported, not failed.
                if (m.sparsity != null && Math.abs(shown - 100 * m.sparsity) >= 0.1) {
                    const model = await load(modelPath(m));
                    const multiPlane = model.info.layers.some((l) => l.planes > 1);
                    model.dispose();
                    if (!multiPlane) assert.fail(`${m.id}: engine sparsity ${shown} % vs trit.sparsity ${m.sparsity}`);
                    t.diagnostic(`${m.id}: engine sparsity ${shown} % vs trit.sparsity ${100 * m.sparsity} % (multi-plane)`);
                }
                if (i === 0) await screenshot(page, 'default-model');
            }
            assert.equal(await page.getAttribute('html', 'data-live-models'), '1');
            assertNoProblems(tab);
        } finally {
            await plain.stop();
        }
    });
});

// An uncompressed 24-bit BMP (stb_image and browsers read it identically: no codec in between), as
// Playwright's setInputFiles takes it.
function bmp(picture) {
    return Buffer.from(encodeBmp(picture));
}

// Browser tests of the demo page (web/), the preview as network input, download progress, the look-inside
// panel.
// The fixture (server, browsers, shared helpers) is demo-common.mjs; see it for how these run.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, openDemo, openPage, screenshot } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';
import { server, manifest, browserWith, modelPath, shownTop, assertNoProblems, bmp, useDemoServer } from './demo-common.mjs';

useDemoServer();

describe('the preview, download progress and the look-inside panel', () => {
    let browser;
    before(async () => { browser = await browserWith([]); });

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

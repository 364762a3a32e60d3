// Browser tests of the demo page (web/), keyboard and contrast (light and dark), and every model `make serve`
// offers.
// The fixture (server, browsers, shared helpers) is demo-common.mjs; see it for how these run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, startServer, testPicture } from './helpers.mjs';
import { load } from '../../js_sdk/trit.js';
import { server, browserWith, modelPath, shownTop, updates, assertNoProblems, bmp, useDemoServer } from './demo-common.mjs';

useDemoServer();

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

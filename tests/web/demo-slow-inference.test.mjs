// Browser tests of the demo page (web/), inference slower than the camera. Timing-sensitive (the page's main
// thread is measured): `make test-web` runs this file alone, after the others.
// The fixture (server, browsers, shared helpers) is demo-common.mjs; see it for how these run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, openPage, screenshot, testPicture, writeY4m } from './helpers.mjs';
import { CAMERA_FLAGS, server, browserWith, updates, assertNoProblems, useDemoServer } from './demo-common.mjs';

useDemoServer();

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

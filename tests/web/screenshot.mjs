// Makes docs/screenshot.png (the README's picture of the demo): draws a simple scene (a ship at sea),
// feeds it to the page as a fake webcam, waits for live results and photographs the page.
// Not a test; run by hand after the shipped models change:
//   node tests/web/screenshot.mjs [MODEL_ID] [OUT.png]

import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openPage, startServer, writeY4m } from './helpers.mjs';

const [modelId, out = path.join(ROOT, 'docs/screenshot.png')] = process.argv.slice(2);

// The scene, drawn by Chromium's canvas so this script needs no image library.
async function drawScene(browser, width, height) {
    const { page, close } = await openPage(browser);
    const base64 = await page.evaluate(({ width, height }) => {
        const c = new OffscreenCanvas(width, height);
        const g = c.getContext('2d');
        const sky = g.createLinearGradient(0, 0, 0, height * 0.6);
        sky.addColorStop(0, '#6fa8dc');
        sky.addColorStop(1, '#cfe2f3');
        g.fillStyle = sky;
        g.fillRect(0, 0, width, height);
        const sea = g.createLinearGradient(0, height * 0.58, 0, height);
        sea.addColorStop(0, '#3d6e99');
        sea.addColorStop(1, '#1c3d5a');
        g.fillStyle = sea;
        g.fillRect(0, height * 0.58, width, height * 0.42);
        const cx = width / 2, wl = height * 0.62; // ship centre, waterline
        g.fillStyle = '#3b3f45'; // hull
        g.beginPath();
        g.moveTo(cx - 200, wl - 40);
        g.lineTo(cx + 215, wl - 40);
        g.lineTo(cx + 185, wl + 12);
        g.lineTo(cx - 180, wl + 12);
        g.closePath();
        g.fill();
        g.fillStyle = '#f2f2f2'; // superstructure
        g.fillRect(cx - 90, wl - 95, 150, 55);
        g.fillRect(cx - 60, wl - 130, 90, 35);
        g.fillStyle = '#b03a2e'; // funnel
        g.fillRect(cx + 5, wl - 165, 28, 40);
        g.fillStyle = '#2b4a66'; // windows
        for (let x = cx - 80; x < cx + 50; x += 22) g.fillRect(x, wl - 80, 12, 10);
        const data = g.getImageData(0, 0, width, height).data;
        let s = '';
        for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
        return btoa(s);
    }, { width, height });
    await close();
    return { data: new Uint8ClampedArray(Buffer.from(base64, 'base64')), width, height };
}

const server = await startServer();
const sceneBrowser = await launch();
const y4m = writeY4m(path.join(ARTIFACTS, 'webcam.y4m'), await drawScene(sceneBrowser, 640, 480));
await sceneBrowser.close();
const browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`, '--force-prefers-reduced-motion']);
try {
    const { page, problems } = await openPage(browser);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(server.page + (modelId ? `?model=${encodeURIComponent(modelId)}` : ''));
    await page.waitForSelector('html[data-model="ready"]', { timeout: 20000 });
    await page.click('#camera-start');
    await page.waitForFunction(() => Number(document.querySelector('#results').dataset.updates) > 40, null, { timeout: 20000 });
    // The header and the first row of panels (input, results, model); the look-inside panel is below.
    const bottom = await page.$eval('.layout > section:nth-of-type(2)', (e) => e.getBoundingClientRect().bottom + window.scrollY);
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 12) } }); // 12 px: short of the next panel
    const top = await page.$$eval('#results li:not([hidden])', (li) => li.map((x) => x.textContent));
    console.log(`${out}: ${top.join(' | ')}`);
    if (problems().length) console.log('console problems:', problems());
} finally {
    await browser.close();
    await server.stop();
}

// Makes docs/screenshot.png, docs/screenshot-phone.png and docs/screenshot-inside.png (the README's
// pictures of the demo): a real photo (a CIFAR-10 test picture of web/examples/, enlarged) fed to the page
// as a fake webcam, live results, photographed on a 1280-pixel desktop and on a 390×844 phone screen, and
// the "look inside, for the current picture" part for the same feed (heat map, a layer, time per layer).
// Not a test; run by hand after the page or the shipped models change:
//   node tests/web/screenshot.mjs [MODEL_ID] [OUT.png] [OUT-phone.png] [PHOTO] [OUT-inside.png]

import path from 'node:path';
import { ARTIFACTS, ROOT, launch, openPage, photoPicture, startServer, writeY4m } from './helpers.mjs';

const [modelId, out = path.join(ROOT, 'docs/screenshot.png'), phoneOut = path.join(ROOT, 'docs/screenshot-phone.png'),
    photo = path.join(ROOT, 'web/examples/ship-0000.jpg'), insideOut = path.join(ROOT, 'docs/screenshot-inside.png')] = process.argv.slice(2);

const server = await startServer();
const sceneBrowser = await launch();
const y4m = writeY4m(path.join(ARTIFACTS, 'webcam.y4m'), await photoPicture(sceneBrowser, photo));
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
    // The phone: the first screen only, as a visitor sees it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: phoneOut });
    console.log(`${phoneOut}: ${await page.textContent('#verdict')}`.replace(/\s+/g, ' '));
    // Look inside, for the current picture: on screen, so the worker sends the heat map and a layer.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#current-inside').scrollIntoViewIfNeeded();
    const updates = await page.$eval('#current-inside', (e) => Number(e.dataset.updates) || 0);
    await page.waitForFunction((n) => Number(document.querySelector('#current-inside').dataset.updates) > n + 10, updates, { timeout: 20000 });
    await page.click('#profile-run');
    await page.waitForFunction(() => document.querySelector('#current-inside').dataset.profiled);
    await page.locator('#current-inside').screenshot({ path: insideOut });
    console.log(`${insideOut}: ${await page.textContent('#cam-caption')}`);
    if (problems().length) console.log('console problems:', problems());
} finally {
    await browser.close();
    await server.stop();
}

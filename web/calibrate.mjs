// Calibration of a model on the CIFAR-10 test set, through the JS SDK in Node (the page's own engine
// and preprocessing): how often the top-1 answer is right, by the top probability and by the margin
// between the first two. web/README.md ("Not sure") quotes its output; the page's threshold comes from it.
//
//   node web/calibrate.mjs [MODEL.onnx] [TEST_DIR] [--limit N] [--json OUT.json]
//
// Defaults: models/resnet20-ttq.onnx, ../shared/data/cifar10/test (class folders in label order).
// About 9 ms per image on one core: 10,000 images in 1.5 min.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load } from '../js_sdk/trit.js';

const args = process.argv.slice(2);
const option = (name) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
};
const limit = Number(option('--limit') ?? Infinity);
const jsonOut = option('--json');
const [modelPath = 'models/resnet20-ttq.onnx', testDir = '../shared/data/cifar10/test'] = args;

// The page's rule (web/app.js UNSURE): "not sure" below this top probability or this margin.
export const UNSURE = { probability: 0.5, margin: 0.2 };

const model = await load(modelPath);
const labels = model.info.labels;
const rows = []; // { file, truth, top: [index...], p1, p2 }
for (const [truth, label] of labels.entries()) {
    const files = readdirSync(path.join(testDir, label)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    for (const f of files.slice(0, limit)) {
        const file = path.join(label, f);
        const top = await model.classify(readFileSync(path.join(testDir, file)), { topK: 2 });
        rows.push({ file, truth, top1: top[0].index, p1: top[0].probability, p2: top[1].probability });
    }
}
model.dispose();

const pct = (x) => `${(100 * x).toFixed(1)} %`;
const right = (r) => r.top1 === r.truth;
const accuracy = (rs) => (rs.length ? rs.filter(right).length / rs.length : NaN);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`${path.basename(modelPath)} on ${rows.length} images of ${testDir}: top-1 ${pct(accuracy(rows))}\n`);

function table(title, value, edges) {
    console.log(`| ${title} | images | share | right (top-1 accuracy) | mean top probability |`);
    console.log('|---|---|---|---|---|');
    let ece = 0;
    for (let i = 0; i < edges.length - 1; i++) {
        const [lo, hi] = [edges[i], edges[i + 1]];
        const bin = rows.filter((r) => value(r) >= lo && (value(r) < hi || (hi === 1 && value(r) <= 1)));
        if (!bin.length) continue;
        const acc = accuracy(bin), conf = mean(bin.map((r) => r.p1));
        ece += (bin.length / rows.length) * Math.abs(acc - conf);
        console.log(`| ${lo.toFixed(2)}–${hi.toFixed(2)} | ${bin.length} | ${pct(bin.length / rows.length)} | ${pct(acc)} | ${pct(conf)} |`);
    }
    return ece;
}

const ece = table('top probability', (r) => r.p1, [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1]);
console.log(`\nExpected calibration error (top probability, bins above): ${pct(ece)}\n`);
table('margin p1 − p2', (r) => r.p1 - r.p2, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1]);

console.log('\n| "not sure" when | flagged | right among flagged | right among the rest |');
console.log('|---|---|---|---|');
const rules = [];
for (const p of [0.4, 0.5, 0.6, 0.7]) rules.push([`p1 < ${p}`, (r) => r.p1 < p]);
for (const m of [0.1, 0.2, 0.3]) rules.push([`p1 − p2 < ${m}`, (r) => r.p1 - r.p2 < m]);
rules.push([`p1 < ${UNSURE.probability} or p1 − p2 < ${UNSURE.margin} (the page)`,
    (r) => r.p1 < UNSURE.probability || r.p1 - r.p2 < UNSURE.margin]);
for (const [name, unsure] of rules) {
    const flagged = rows.filter(unsure), rest = rows.filter((r) => !unsure(r));
    console.log(`| ${name} | ${pct(flagged.length / rows.length)} | ${pct(accuracy(flagged))} | ${pct(accuracy(rest))} |`);
}

if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ model: modelPath, labels, rows }));

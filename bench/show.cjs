// Summarises run_one.mjs output (stdin): min / median and the per-layer table when present.
const r = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const t = r.times.slice().sort((a, b) => a - b);
console.log(r.engine, r.model, 'load', r.loadMs.toFixed(1), 'first', r.firstMs.toFixed(2), 'min', t[0].toFixed(3), 'median', t[t.length >> 1].toFixed(3), 'argmax', r.argmax, r.logits.slice(0, 3).map((v) => v.toFixed(5)).join(' '));
if (r.layers) {
    let sum = 0;
    let sumPass = 0;
    for (const l of r.layers) { sum += l.minMs; sumPass += l.inPassMinMs ?? 0; console.log('  ' + l.op.padEnd(40), l.kernel.padEnd(30), l.minMs.toFixed(4), l.medianMs.toFixed(4), (l.inPassMinMs ?? NaN).toFixed(4)); }
    console.log('  sum of per-layer minima', sum.toFixed(3), ' in whole passes', sumPass.toFixed(3));
}

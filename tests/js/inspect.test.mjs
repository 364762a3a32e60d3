// Looking inside the network through the SDK (core/src/inspect.c via trit.wasm): model.run(input,
// { outputs }) returns intermediate tensors equal to onnxruntime-node's on a shipped ResNet-20, with
// both wasm builds; every float tensor of the graph either comes back equal or fails with
// TRIT_ERROR_UNSUPPORTED naming it (never another tensor's values); model.steps and model.profile().
// onnxruntime runs a copy of the model with each float tensor declared a graph output
// (tests/js/make_all_outputs_model.py); trit loads the shipped file itself.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { random, root, testModels } from './helpers.mjs';

const { load, TritError } = await import('../../js_sdk/trit.js');
const modelPath = join(root, 'models', 'resnet20-ttq.onnx');
const allOutputsPath = join(testModels, 'resnet20-ttq-all-outputs.onnx');

let ort, session, inputs;
before(async () => {
  try { ort = (await import('onnxruntime-node')).default; } catch { return; }
  session = await ort.InferenceSession.create(allOutputsPath);
  const r = random(16);
  inputs = [Float32Array.from({ length: 3 * 32 * 32 }, () => r() * 4 - 2)];
  const model = await load(modelPath);
  inputs.push((await model.preprocess(await readFile(join(root, 'web', 'examples', 'ship-0000.jpg')))).data);
  model.dispose();
});

const maxError = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

for (const simd of [true, false]) {
  test(`every tensor trit keeps equals onnxruntime's; the others are refused by name (simd: ${simd})`, async (t) => {
    if (!session) return t.skip('onnxruntime-node not installed');
    const model = await load(modelPath, { simd });
    let worst = 0, kept = 0, refused = 0;
    for (const input of inputs) {
      const expected = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 32, 32]) });
      for (const name of Object.keys(expected)) {
        let got;
        try {
          got = (await model.run(input, { outputs: [name] }))[name];
        } catch (e) {
          assert.ok(e instanceof TritError, `${name}: ${e}`);
          assert.equal(e.code, 'TRIT_ERROR_UNSUPPORTED', `${name}: ${e.message}`);
          assert.ok(e.message.includes(`'${name}'`), e.message);
          refused++;
          continue;
        }
        const want = expected[name];
        assert.deepEqual(got.dims, want.dims.map(Number), name);
        assert.equal(got.dtype, 'float32', name);
        const error = maxError(got.data, want.data), scale = Math.max(1, maxAbs(want.data));
        assert.ok(error <= 1e-4 * scale, `${name}: max error ${error} (largest value ${scale})`);
        worst = Math.max(worst, error / scale);
        kept++;
      }
    }
    // every step's output, the alias after the pool and the FC weights come back; fused conv outputs do not
    const names = [...model.steps.map((s) => s.output), 'flat', 'fc'];
    const all = await model.run(inputs[1], { outputs: names });
    assert.deepEqual(Object.keys(all), names);
    const expected = await session.run({ input: new ort.Tensor('float32', inputs[1], [1, 3, 32, 32]) });
    for (const name of names) assert.ok(maxError(all[name].data, expected[name].data) <= 1e-4 * Math.max(1, maxAbs(expected[name].data)), name);
    assert.deepEqual(all.fc.dims, [10, 64]);
    assert.deepEqual(all['s3b2.out'].dims, [1, 64, 8, 8]);
    t.diagnostic(`${kept} tensors equal to onnxruntime's (2 inputs), worst max |error| / max(1, max |value|) = ${worst.toExponential(2)}; ${refused} refused`);
    assert.ok(kept >= 2 * (model.steps.length + 2), `only ${kept} tensors kept`);
    assert.ok(refused > 0);
    model.dispose();
  });
}

test('a refused request leaves the previous one; the plain run and output 0 are unchanged', async () => {
  const model = await load(modelPath);
  const input = inputs?.[0] ?? new Float32Array(3 * 32 * 32).fill(0.5);
  const plain = await model.run(input);
  const first = await model.run(input, { outputs: ['gap', 'logits'] });
  assert.deepEqual(first.logits.data, plain);
  await assert.rejects(model.run(input, { outputs: ['s3b0a.y'] }), (e) => e.code === 'TRIT_ERROR_UNSUPPORTED'
    && /'s3b0a\.y' is not kept: its node runs fused in the step of node 's3b0a\.y' \(Conv\), which writes only 's3b0a\.r'/.test(e.message));
  await assert.rejects(model.run(input, { outputs: ['no-such-tensor'] }), (e) => e.code === 'TRIT_ERROR_ARGUMENT'
    && e.message.includes("'no-such-tensor'"));
  await assert.rejects(model.run(input, { outputs: ['s3b0a'] }), (e) => e.code === 'TRIT_ERROR_UNSUPPORTED' && /ternary weight/.test(e.message));
  const again = await model.run(input, { outputs: ['gap', 'logits'] });
  assert.deepEqual(again.gap.data, first.gap.data);
  assert.deepEqual(await model.run(input), plain);
  await assert.rejects(model.run(input, { outputs: [] }), TypeError);
  await assert.rejects(model.run(input, { outputs: 'gap' }), TypeError);
  model.dispose();
});

test('model.steps and model.profile(): one entry per step, times from the caller\'s clock', async () => {
  const model = await load(modelPath);
  const steps = model.steps;
  assert.equal(steps.length, model.info.nodesCompiled);
  assert.deepEqual(steps.map((s) => s.op).filter((op) => op.startsWith('Conv')).length, 19);
  assert.equal(steps.filter((s) => s.op === 'Conv+Add+Relu').length, 9);
  const pool = steps.find((s) => s.op === 'GlobalAveragePool'), fc = steps.at(-1);
  assert.deepEqual([pool.input, pool.output, fc.op, fc.weights, fc.output], ['s3b2.out', 'gap', 'Gemm', 'fc', 'logits']);
  assert.match(steps[1].kernel, /^tconv_f32_/);
  const input = inputs?.[1] ?? new Float32Array(3 * 32 * 32).fill(0.5);
  const before = await model.run(input);
  const profile = await model.profile(input, { runs: 3 });
  assert.deepEqual(profile.map((p) => p.name), steps.map((s) => s.name));
  assert.ok(profile.every((p) => p.ms >= 0 && Number.isFinite(p.ms)));
  assert.ok(profile.reduce((sum, p) => sum + p.ms, 0) > 0);
  const convMs = profile.filter((p) => p.op.startsWith('Conv')).reduce((sum, p) => sum + p.ms, 0);
  assert.ok(convMs > profile.find((p) => p.op === 'GlobalAveragePool').ms, 'the convs take longer than the pool');
  assert.deepEqual(await model.run(input), before); // the steps ran on the same input: same logits
  await assert.rejects(model.profile(input, { runs: 0 }), TypeError);
  model.dispose();
});

test('changing the requested tensors 400 times keeps the wasm memory flat; calls after dispose are DISPOSED', async () => {
  const model = await load(modelPath);
  const input = new Float32Array(3 * 32 * 32).fill(0.25);
  const lists = [['gap'], ['s1b0a.r', 's2b2.out'], ['s3b2.out', 'fc', 'logits'], ['input', 'flat']];
  for (let i = 0; i < 8; i++) await model.run(input, { outputs: lists[i % lists.length] }); // warm-up
  const before = model.memoryBytes;
  for (let i = 0; i < 400; i++) {
    const names = lists[i % lists.length];
    const got = await model.run(input, { outputs: names });
    assert.deepEqual(Object.keys(got), names);
  }
  assert.equal(model.memoryBytes, before);
  model.dispose();
  await assert.rejects(model.run(input, { outputs: ['gap'] }), (e) => e.code === 'DISPOSED');
  await assert.rejects(model.profile(input), (e) => e.code === 'DISPOSED');
  assert.throws(() => model.steps, (e) => e.code === 'DISPOSED');
});

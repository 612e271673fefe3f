// Smoke test of the runner and the alsobuy adapters with stand-in modules (no real engine, no timing asserts):
// a contract-shaped module yields a measurement for every workload; a module lacking the exports yields
// "not available: …" lines naming what is missing — never a number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alsobuyEngine } from '../../www/bench/engines/alsobuy.js';
import { runWorkload } from '../../www/bench/runner.js';

const here = (f) => new URL(f, import.meta.url).href;
const ALL = ['W1', 'W2', 'W3', 'W4', 'W5'];

test('a module with the contract: one measurement line per workload, shaped as the driver expects', async () => {
  const engine = alsobuyEngine('fake', here('fake-alsobuy.mjs'));
  for (const w of ALL) {
    const lines = await runWorkload(engine, w, { runs: 1, warmup: 0 });
    // W3 runs two forms (one topK call per query; all queries in one topKBatch call) that must agree.
    assert.equal(lines.length, w === 'W3' ? 2 : 1, w);
    if (w === 'W3') {
      assert.deepEqual(lines.map((l) => l.variant), ['topK', 'topKBatch (100 queries)']);
      assert.deepEqual(lines[1].result.check, lines[0].result.check);
    }
    const [{ engine: id, workload, result }] = lines;
    assert.equal(id, 'fake');
    assert.equal(workload, w);
    assert.equal(typeof result, 'object', `${w}: ${result}`);
    if (w === 'W4') {
      assert.equal(result.unit, 'ms');
      assert.equal(result.calls, 1000);
      assert.ok(result.p99.median >= result.p50.median);
      assert.equal(result.meanSuggestions, 6);
    } else {
      assert.equal(result.unit, { W1: 'examples/s', W2: 'pairs/s', W3: 'queries/s', W5: 'events/s' }[w]);
      assert.ok(result.median > 0 && Number.isFinite(result.median));
      assert.equal(result.runs.length, 1);
    }
    if (w === 'W1') assert.equal(result.finalLoss, Number(Math.LN2.toFixed(5)));
    if (w === 'W2') assert.equal(result.meanScore, 0.5);
    if (w === 'W3') assert.equal(result.check.firstTop10.split(',').length, 10);
    if (w === 'W5') assert.deepEqual([result.kept, result.dropped], [100_000, 0]);
    if (['W1', 'W2', 'W3'].includes(w)) assert.ok(result.gflops.median > 0);
  }
});

test('a module without the building blocks: every workload says what is missing', async () => {
  const engine = alsobuyEngine('cosine-only', here('cosine-only.mjs'));
  const got = [];
  for (const w of ALL) got.push(...(await runWorkload(engine, w, { runs: 1, warmup: 0 })));
  assert.deepEqual(got.map((l) => l.result), [
    'not available: no export Mlp', 'not available: no export Mlp', 'not available: no export VectorIndex',
    'not available: no export Recommender', 'not available: no export Recommender',
  ]);
});

test('a module that does not load: not available, with the reason', async () => {
  const engine = alsobuyEngine('missing', here('no-such-module.mjs'));
  const [line] = await runWorkload(engine, 'W3', { runs: 1, warmup: 0 });
  assert.match(line.result, /^not available: .*no-such-module\.mjs did not load/);
});

test('two modules: W1–W3 run on the ML module, W4/W5 on the widget module', async () => {
  // The widget stand-in has no Mlp/VectorIndex (like pkg/alsobuy.js) and no Recommender; the ML module has all.
  const engine = alsobuyEngine('split', here('cosine-only.mjs'), here('fake-alsobuy.mjs'));
  const got = {};
  for (const w of ALL) got[w] = (await runWorkload(engine, w, { runs: 1, warmup: 0 }))[0].result;
  for (const w of ['W1', 'W2', 'W3']) assert.equal(typeof got[w], 'object', `${w} measured on the ML module: ${got[w]}`);
  assert.deepEqual([got.W4, got.W5], ['not available: no export Recommender', 'not available: no export Recommender']);
});

test('a missing ML module: W1–W3 say why, W4/W5 still run on the widget module', async () => {
  const engine = alsobuyEngine('no-ml', here('fake-alsobuy.mjs'), here('no-such-models.mjs'));
  const w1 = (await runWorkload(engine, 'W1', { runs: 1, warmup: 0 }))[0].result;
  assert.match(w1, /^not available: .*no-such-models\.mjs did not load/);
  const w3 = (await runWorkload(engine, 'W3', { runs: 1, warmup: 0 }))[0].result;
  assert.match(w3, /^not available: .*no-such-models\.mjs did not load/);
  const w5 = (await runWorkload(engine, 'W5', { runs: 1, warmup: 0 }))[0].result;
  assert.equal(typeof w5, 'object', `W5: ${w5}`);
});

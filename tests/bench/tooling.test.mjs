// Light tests for the benchmark tooling (no benchmark runs, no timings): the seeded generators are deterministic
// and shaped as issue 8 defines, top-k follows the VectorIndex contract, the size scripts parse and decide, and
// the peak kernel assembles and computes what peak.wat says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import * as W from '../../www/bench/workloads.js';

const ROOT = new URL('../../', import.meta.url).pathname;

test('mulberry32 is deterministic, seed-dependent and in [0, 1)', () => {
  const a = W.mulberry32(1);
  const b = W.mulberry32(1);
  const c = W.mulberry32(2);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('W1 data: 20,000 × 128 in [-1, 1), both labels present, identical on every call', () => {
  const d = W.w1Data();
  assert.equal(d.x.length, 20_000 * 128);
  assert.equal(d.y.length, 20_000);
  assert.ok(d.x.every((v) => v >= -1 && v < 1));
  const ones = d.y.reduce((s, v) => s + v, 0);
  assert.ok(ones > 8_000 && ones < 12_000, `${ones} positive labels`);
  const again = W.w1Data();
  assert.deepEqual(Buffer.from(again.x.buffer), Buffer.from(d.x.buffer));
  assert.deepEqual(again.y, d.y);
  assert.notDeepEqual(W.w1Data(W.SEED + 100).x.subarray(0, 8), d.x.subarray(0, 8));
});

test('W2 and W3 data have the issue-8 shapes and are deterministic', () => {
  const w2 = W.w2Data();
  assert.equal(w2.x.length, 100_000 * 128);
  const rand = W.mulberry32(W.SEED + 2); // the documented recipe: uniforms in [-1, 1) from the seed, in order
  assert.deepEqual(w2.x.subarray(0, 64), Float32Array.from({ length: 64 }, () => rand() * 2 - 1));
  const w3 = W.w3Data();
  assert.equal(w3.items.length, 50_000 * 64);
  assert.equal(w3.queries.length, 100 * 64);
  assert.deepEqual(Buffer.from(W.w3Data().queries.buffer), Buffer.from(w3.queries.buffer));
});

test('W4 data: 10,000 items, 100,000 valid events in time order, 1,000 varied queries, deterministic', () => {
  const d = W.w4Data();
  assert.equal(d.catalog.length, 10_000);
  assert.equal(new Set(d.catalog.map((i) => i.id)).size, 10_000);
  assert.equal(d.events.length, 100_000);
  const ids = new Set(d.catalog.map((i) => i.id));
  const kinds = new Set(['view', 'cart', 'purchase', 'remove_from_cart']);
  for (let i = 0; i < d.events.length; i += 1) {
    const e = d.events[i];
    assert.ok(ids.has(e.item) && kinds.has(e.kind), JSON.stringify(e));
    if (i) assert.ok(e.timestamp > d.events[i - 1].timestamp);
  }
  assert.equal(d.queries.length, 1_000);
  assert.ok(d.queries.every((q) => q.item || q.cart.length));
  assert.ok(new Set(d.queries.map((q) => q.cart.length)).size >= 5, 'cart sizes vary');
  assert.deepEqual(W.w4Data().queries, d.queries);
  assert.deepEqual(W.w4Data().events.slice(-5), d.events.slice(-5));
});

test('permutation is a seeded permutation', () => {
  const p = W.permutation(1000, 7);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(W.permutation(1000, 7), p);
  assert.notDeepEqual(W.permutation(1000, 8), p);
});

test('topK: best first, ties to the lower index, matches a full sort', () => {
  const scores = new Float32Array([0.5, 0.9, 0.9, -1, 0.7, 0.9, 0.1]);
  const r = W.topK(scores, 3);
  assert.deepEqual([...r.indices], [1, 2, 5]);
  const rand = W.mulberry32(3);
  const big = Float32Array.from({ length: 5000 }, () => Math.round(rand() * 100) / 100);
  const expected = [...big.keys()].sort((a, b) => big[b] - big[a] || a - b).slice(0, 10);
  assert.deepEqual([...W.topK(big, 10).indices], expected);
  assert.equal(W.topK(new Float32Array([1, 2]), 10).indices.length, 2);
});

test('summarize and quantile', () => {
  assert.deepEqual(W.summarize([3, 1, 2]), { median: 2, min: 1, max: 3 });
  assert.deepEqual(W.summarize([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 });
  const v = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(W.quantile(v, 0.5), 50);
  assert.equal(W.quantile(v, 0.99), 99);
});

test('FLOP formulas follow the definitions', () => {
  assert.equal(W.MLP_WEIGHTS, 10_272);
  assert.equal(W.W1_FLOP_PER_EXAMPLE, 45_248);
  assert.equal(W.W2_FLOP_PER_PAIR, 20_544);
  assert.equal(W.W3_FLOP_PER_QUERY, 6_400_000);
});

test('size.mjs measures raw and gzip bytes; check-size.mjs passes and fails on both budgets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alsobuy-size-'));
  const wasm = Buffer.alloc(50_000, 7);
  const js = Buffer.from('export default 1;\n'.repeat(100));
  writeFileSync(join(dir, 'alsobuy_bg.wasm'), wasm);
  writeFileSync(join(dir, 'alsobuy.js'), js);
  const { measureAlsobuy, measureModels } = await import('../../scripts/size.mjs');
  const m = measureAlsobuy(dir);
  assert.equal(m.raw, wasm.length + js.length);
  assert.equal(m.gzip, gzipSync(wasm, { level: 9 }).length + gzipSync(js, { level: 9 }).length);
  const check = (budget, modelsBudget = '100', pkg = dir) => spawnSync(process.execPath, [join(ROOT, 'scripts/check-size.mjs')], {
    env: { ...process.env, ALSOBUY_PKG_DIR: pkg, ALSOBUY_SIZE_BUDGET_KB: budget, ALSOBUY_MODELS_SIZE_BUDGET_KB: modelsBudget },
    encoding: 'utf8',
  });
  // No alsobuy/models built: the check names the missing file.
  const noModels = check('100');
  assert.equal(noModels.status, 1);
  assert.match(noModels.stderr, /missing .*models\/alsobuy_models_bg\.wasm/);
  const modelsWasm = Buffer.alloc(80_000, 9);
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models/alsobuy_models_bg.wasm'), modelsWasm);
  writeFileSync(join(dir, 'models/alsobuy_models.js'), js);
  const mm = measureModels(dir);
  assert.equal(mm.raw, modelsWasm.length + js.length);
  const ok = check('100');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /widget module\): .* gzip \(budget 100 KiB gzip\): ok/);
  assert.match(ok.stdout, /alsobuy\/models download \(lazy module\): .* gzip \(budget 100 KiB gzip\): ok/);
  const over = check('0.1');
  assert.equal(over.status, 1);
  assert.match(over.stdout, /widget module\).*OVER BUDGET/);
  const modelsOver = check('100', '0.1');
  assert.equal(modelsOver.status, 1);
  assert.match(modelsOver.stdout, /lazy module\).*OVER BUDGET/);
  assert.doesNotMatch(modelsOver.stdout, /widget module\).*OVER BUDGET/);
  assert.equal(check('nonsense').status, 2);
  assert.equal(check('100', 'nonsense').status, 2);
  const missing = check('100', '100', join(dir, 'nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /missing .*alsobuy_bg\.wasm/);
});

test('size.mjs counts the pkg/snippets/ modules the glue imports, each once, and names a missing one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alsobuy-size-snippets-'));
  const wasm = Buffer.alloc(1_000, 7);
  const path = 'snippets/alsobuy-0123/src/wasm/storage.js';
  const glue = Buffer.from(`import { a } from './${path}';\nimport * as import1 from "./${path}"\nexport default a;\n`);
  const snippet = Buffer.from('export const a = 1;\n'.repeat(50));
  writeFileSync(join(dir, 'alsobuy_bg.wasm'), wasm);
  writeFileSync(join(dir, 'alsobuy.js'), glue);
  const { measureAlsobuy, snippetImports } = await import('../../scripts/size.mjs');
  assert.deepEqual(snippetImports(glue.toString()), [path]);
  assert.throws(() => measureAlsobuy(dir), /missing .*storage\.js/);
  mkdirSync(join(dir, 'snippets/alsobuy-0123/src/wasm'), { recursive: true });
  writeFileSync(join(dir, path), snippet);
  const m = measureAlsobuy(dir);
  assert.equal(m.files.length, 3);
  assert.equal(m.raw, wasm.length + glue.length + snippet.length);
  assert.equal(m.gzip, [wasm, glue, snippet].reduce((s, b) => s + gzipSync(b, { level: 9 }).length, 0));
});

test('peak.wat assembles and its chains converge to the documented value', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'alsobuy-peak-')), 'peak.wasm');
  execFileSync(join(ROOT, 'node_modules/.bin/wasm-as'), ['--enable-simd', join(ROOT, 'www/bench/peak.wat'), '-o', out]);
  const { run } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out))).exports;
  assert.equal(run(200), 96); // 12 chains × 4 lanes × fixed point 2
  assert.equal(run(0), 66 * 4); // no iterations: the initial values 0 + 1 + … + 11, four lanes each
});

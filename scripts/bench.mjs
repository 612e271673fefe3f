// The browser benchmark driver (issue 8): `make bench`, or `node scripts/bench.mjs` after building pkg/.
//  1. copies the pinned TF.js 4.22.0 UMD bundles and wasm binaries from node_modules into www/bench/vendor/
//     (git-ignored), assembles www/bench/peak.wat into vendor/peak.wasm (npm binaryen's wasm-as) and, when a scalar
//     build exists in pkg-scalar/, copies it to vendor/alsobuy-scalar/;
//  2. serves www/ + pkg/ (scripts/serve.mjs, free port) and starts Debian's Chromium (playwright-core);
//  3. measures the SIMD128 peak, then opens one fresh page per engine and runs its workloads in order;
//  4. prints one JSON line per workload × engine (× variant) and writes bench-results/browser.md + browser.json.
// Env: BENCH_RUNS (timed runs, default 3), BENCH_WARMUP (default 1), BENCH_ENGINES / BENCH_WORKLOADS (comma lists),
// BENCH_QUERY (appended to the page URL, e.g. w2batch=4096 to tune TF.js's W2 batch size).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { launch } from '../tests/e2e/helpers.mjs';
import { ROOT, measureAll, kb } from './size.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const ENGINE_WORKLOADS = {
  'alsobuy-simd': ['W1', 'W2', 'W3', 'W4', 'W5'],
  'alsobuy-scalar': ['W1', 'W2', 'W3', 'W4', 'W5'],
  'tfjs-wasm': ['W1', 'W2', 'W3'],
  'tfjs-cpu': ['W1', 'W2', 'W3'],
  plainjs: ['W3'],
};
const pick = (env, all) => (process.env[env] ? process.env[env].split(',').map((s) => s.trim()).filter(Boolean) : all);
const engines = pick('BENCH_ENGINES', Object.keys(ENGINE_WORKLOADS));
const workloads = pick('BENCH_WORKLOADS', ['W1', 'W2', 'W3', 'W4', 'W5']);

const VENDOR = join(ROOT, 'www/bench/vendor');
const TF = join(ROOT, 'node_modules/@tensorflow');
const VENDOR_FILES = [
  'tfjs-core/dist/tf-core.min.js', 'tfjs-layers/dist/tf-layers.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js',
  'tfjs-backend-wasm/dist/tf-backend-wasm.min.js', 'tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
];

function prepareVendor() {
  mkdirSync(VENDOR, { recursive: true });
  for (const f of VENDOR_FILES) cpSync(join(TF, f), join(VENDOR, f.split('/').pop()));
  execFileSync(join(ROOT, 'node_modules/.bin/wasm-as'),
    ['--enable-simd', join(ROOT, 'www/bench/peak.wat'), '-o', join(VENDOR, 'peak.wasm')], { stdio: 'inherit' });
  const scalar = join(ROOT, 'pkg-scalar');
  rmSync(join(VENDOR, 'alsobuy-scalar'), { recursive: true, force: true });
  if (existsSync(join(scalar, 'alsobuy_bg.wasm'))) cpSync(scalar, join(VENDOR, 'alsobuy-scalar'), { recursive: true });
}

/** How many SIMD128 instructions a wasm binary holds (wasm-dis text), or null when it is missing. */
function simdInstructions(file) {
  if (!existsSync(file)) return null;
  const text = execFileSync(join(ROOT, 'node_modules/.bin/wasm-dis'), ['--enable-simd', file], { maxBuffer: 1 << 28 }).toString();
  return (text.match(/\((v128|[if](8|16|32|64)x\d+)\./g) ?? []).length;
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1];
  return { nproc: availableParallelism(), cpu: model, mhz: mhz ? Number(mhz) : undefined };
}

async function openBench(browser, url, log) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const fetched = [];
  page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`console ${m.type()}: ${m.text()}`); });
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) fetched.push(new URL(r.url()).pathname); });
  await page.goto(`${url}bench/bench.html${process.env.BENCH_QUERY ? `?${process.env.BENCH_QUERY}` : ''}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && window.bench, null, { timeout: 60_000 });
  return { page, context, fetched };
}

const fmt = (n) => {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3);
};

function markdown({ when, env, mach, chromium, load, peak, infos, lines, size }) {
  const out = [];
  const peakG = typeof peak.result === 'object' ? peak.result.max : NaN; // the best run: load only lowers a peak
  out.push('# Browser benchmarks: alsobuy against TensorFlow.js', '');
  out.push(`Measured ${when} with \`make bench\` (scripts/bench.mjs, www/bench/). Runs: ${WARMUP} warm-up + ${RUNS} timed; `
    + 'median (min–max) over the timed runs. Seeded synthetic data, identical for every engine (www/bench/workloads.js).', '');
  out.push('## Machine and browser', '');
  out.push(`- CPU: ${mach.cpu}, ${mach.nproc} cores (nproc)${mach.mhz ? `, ${mach.mhz} MHz reported` : ''}`);
  out.push(`- Chromium ${chromium} (headless, playwright-core), hardwareConcurrency ${env.hardwareConcurrency}, `
    + `crossOriginIsolated ${env.crossOriginIsolated}, performance.now() step ${env.timerResolutionMs} ms`);
  out.push(`- Load average (1 min) at start ${load.start.toFixed(2)}, at end ${load.end.toFixed(2)}: `
    + 'other processes share the cores, so numbers are noisy when it exceeds 0.5.');
  for (const [e, i] of Object.entries(infos)) {
    out.push(`- ${e}: ${i.error ?? JSON.stringify(i.info)}${i.fetched?.length ? `; fetched ${i.fetched.join(', ')}` : ''}`
      + (i.simdInstructions != null ? `; ${i.simdInstructions} SIMD128 instructions in the binary (wasm-dis)` : ''));
  }
  out.push(`- SIMD128 peak (www/bench/peak.wat, one core): ${typeof peak.result === 'object'
    ? `best ${fmt(peak.result.max)} GFLOP/s, median ${fmt(peak.result.median)} (min ${fmt(peak.result.min)}) over `
      + `${peak.result.runs.length} runs; "% of peak" divides by the best run` : peak.result}`, '');
  out.push('## Results', '');
  out.push('| Workload | Engine | Variant | Metric | Median | Min | Max | GFLOP/s | % of peak | Notes |');
  out.push('|---|---|---|---|---:|---:|---:|---:|---:|---|');
  const best = bestVariants(lines);
  const order = (l) => ['W1', 'W2', 'W3', 'W4', 'W5'].indexOf(l.workload);
  for (const l of [...lines].sort((a, b) => order(a) - order(b))) {
    const r = l.result;
    const variant = (l.variant ?? '') + (best.has(l) ? ' (best)' : '');
    if (typeof r !== 'object') {
      out.push(`| ${l.workload} | ${l.engine} | ${variant} | | ${r} | | | | | |`);
      continue;
    }
    if (l.workload === 'W4') {
      const note = `${r.calls} calls, ${r.meanSuggestions} suggestions/call, ingest ${fmt(r.ingestMs)} ms, timer step ${r.timerResolutionMs} ms`;
      out.push(`| W4 | ${l.engine} | | p50 ms | ${fmt(r.p50.median)} | ${fmt(r.p50.min)} | ${fmt(r.p50.max)} | | | ${note} |`);
      out.push(`| W4 | ${l.engine} | | p99 ms | ${fmt(r.p99.median)} | ${fmt(r.p99.min)} | ${fmt(r.p99.max)} | | | |`);
      continue;
    }
    const g = r.gflops ? fmt(r.gflops.median) : '';
    const share = r.gflops && Number.isFinite(peakG) ? `${((100 * r.gflops.median) / peakG).toFixed(1)}%` : '';
    const notes = [];
    if (r.finalLoss !== undefined) notes.push(`final loss ${r.finalLoss}`);
    if (r.meanScore !== undefined) notes.push(`mean score ${r.meanScore}; model ${r.model}`);
    if (r.check) notes.push(`top-10 of q0: ${r.check.firstTop10.split(',').slice(0, 3).join(',')}…, top-1 hash ${r.check.top1Hash}`);
    if (r.kept !== undefined) notes.push(`kept ${r.kept}, dropped ${r.dropped}, batches of ${r.batch}`);
    out.push(`| ${l.workload} | ${l.engine} | ${variant} | ${r.unit} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${g} | ${share} | ${notes.join('; ')} |`);
  }
  out.push('', 'GFLOP/s counts matrix-product FLOPs only (formulas in www/bench/workloads.js and runner.js): W1 45,248 per example, '
    + 'W2 20,544 per pair, W3 6,400,000 per query. "(best)" marks the faster TF.js variant, kept as TF.js at its best.', '');
  out.push(...goals(lines, best, size, peakG), '');
  out.push('## Download size', '');
  out.push('| Package | Files | Raw | gzip -9 |', '|---|---|---:|---:|');
  out.push(`| alsobuy, the widget's module (what a shop page loads; no training from scratch, no Mlp / VectorIndex) | pkg/alsobuy_bg.wasm + pkg/alsobuy.js + snippets | ${kb(size.alsobuy.raw)} | ${kb(size.alsobuy.gzip)} |`);
  out.push(`| alsobuy/models, loaded lazily (train, Mlp, VectorIndex, Model: W1–W3 run on it) | pkg/models/ wasm + glue + snippets | ${kb(size.models.raw)} | ${kb(size.models.gzip)} |`);
  out.push(`| TF.js 4.22.0 | core + layers + backend-wasm .fesm.min.js + tfjs-backend-wasm-simd.wasm | ${kb(size.tfjs.raw)} | ${kb(size.tfjs.gzip)} |`);
  out.push('', `widget module / TF.js: ${(100 * size.ratioGzip).toFixed(1)}% gzipped (1/${(1 / size.ratioGzip).toFixed(1)}); `
    + `alsobuy/models (the module with the ML primitives) / TF.js: ${(100 * size.modelsRatioGzip).toFixed(1)}% gzipped.`, '');
  return out.join('\n');
}

/** Issue 8's goals, each with the measured ratio or why it cannot be computed yet. */
function goals(lines, best, size, peakG) {
  const find = (engine, workload) => {
    const ls = lines.filter((l) => l.engine === engine && l.workload === workload);
    const measured = ls.filter((l) => typeof l.result === 'object');
    const pickBest = measured.find((l) => best.has(l)) ?? measured[0];
    return pickBest ?? ls[0];
  };
  const val = (l) => (l && typeof l.result === 'object' ? l.result : null);
  const why = (l) => (l ? l.result : 'not run');
  const ratio = (w, target) => {
    const a = find('alsobuy-simd', w);
    const t = find('tfjs-wasm', w);
    if (!val(a)) return `alsobuy ${why(a)}`;
    if (!val(t)) return `TF.js ${why(t)}`;
    const r = val(a).median / val(t).median;
    return `${r.toFixed(2)}× (${r >= target ? 'met' : `short by ${((1 - r / target) * 100).toFixed(0)}%`})`;
  };
  const out = ['## Goals (issue 8)', ''];
  out.push(`- W1 ≥ 3× TF.js wasm (best variant): ${ratio('W1', 3)}`);
  out.push(`- W2 ≥ 3× TF.js wasm (best variant): ${ratio('W2', 3)}`);
  // W3 in two forms, each against TF.js in the same form: one call per query (latency-bound), and all 100
  // queries in one call (variants named "… (100 queries)"; one pass over the items serves every query).
  const batched = (l) => /\(100 queries\)/.test(l.variant ?? '');
  for (const [form, isForm] of [['per query', (l) => !batched(l)], ['batched', batched]]) {
    const w3 = lines.filter((l) => l.workload === 'W3' && isForm(l));
    const mine = w3.filter((l) => l.engine === 'alsobuy-simd' && val(l)).sort((a, b) => val(b).median - val(a).median)[0];
    const tf = w3.filter((l) => l.engine.startsWith('tfjs') && val(l)).map((l) => val(l).median);
    if (!mine) { out.push(`- W3 (${form}) ≥ TF.js at its best and ≥ 80% of the SIMD peak: alsobuy not measured`); continue; }
    const share = val(mine).gflops.median / peakG;
    const r = tf.length ? val(mine).median / Math.max(...tf) : NaN;
    out.push(`- W3 (${form}) ≥ TF.js at its best (same form): ${tf.length ? `${r.toFixed(2)}× (${r >= 1 ? 'met' : 'not met'})` : 'TF.js not measured'}; `
      + `≥ 80% of peak: ${(100 * share).toFixed(1)}% (${share >= 0.8 ? 'met' : 'not met'})`);
  }
  const a4 = find('alsobuy-simd', 'W4');
  out.push(`- W4 p99 < 2 ms: ${val(a4) ? `${fmt(val(a4).p99.median)} ms (${val(a4).p99.median < 2 ? 'met' : 'not met'})` : `alsobuy ${why(a4)}`}`);
  out.push(`- Download < 1/3 of TF.js's modular bundle: widget module ${(100 * size.ratioGzip).toFixed(1)}% gzipped `
    + `(${size.ratioGzip < 1 / 3 ? 'met' : 'not met'}; it does not train from scratch — the module with the ML `
    + `primitives, alsobuy/models, is ${(100 * size.modelsRatioGzip).toFixed(1)}%)`
    + (lines.some((l) => l.engine === 'alsobuy-simd' && typeof l.result === 'string')
      ? '; pkg/ does not hold the whole API yet, so this size will grow' : ''));
  return out;
}

/** The faster variant of each (engine, workload) with more than one measured variant. */
function bestVariants(lines) {
  const groups = new Map();
  for (const l of lines) {
    if (!l.variant || typeof l.result !== 'object') continue;
    const key = `${l.engine}/${l.workload}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(l);
  }
  const best = new Set();
  for (const g of groups.values()) if (g.length > 1) best.add(g.reduce((a, b) => (b.result.median > a.result.median ? b : a)));
  return best;
}

async function main() {
  if (!existsSync(join(ROOT, 'pkg/alsobuy.js'))) console.error('bench: pkg/ not built; alsobuy rows will say so (bash scripts/build-pkg.sh web)');
  prepareVendor();
  const mach = machine();
  const load = { start: loadavg()[0] };
  const log = (m) => console.error(`  [page] ${m}`);
  const env = await launch();
  const lines = [];
  const infos = {};
  let peak;
  let environment;
  try {
    const chromium = env.browser.version();
    {
      const { page, context } = await openBench(env.browser, env.url, log);
      environment = await page.evaluate(() => window.bench.environment());
      peak = await page.evaluate((runs) => window.bench.peak({ runs }), Math.max(5, RUNS));
      console.log(JSON.stringify(peak));
      await context.close();
    }
    for (const engine of engines) {
      const wanted = (ENGINE_WORKLOADS[engine] ?? []).filter((w) => workloads.includes(w));
      if (!wanted.length) continue;
      const { page, context, fetched } = await openBench(env.browser, env.url, log);
      for (const w of wanted) {
        let result;
        try {
          result = await page.evaluate(([e, wl, o]) => window.bench.run(e, wl, o), [engine, w, { runs: RUNS, warmup: WARMUP }]);
        } catch (e) { // the page crashed or ran out of memory: say so and go on with the next engine
          result = [{ engine, workload: w, result: `failed: ${e.message.split('\n')[0]}` }];
        }
        for (const l of result) {
          if (l.result?.gflops && typeof peak.result === 'object') l.result.peakShare = Number((l.result.gflops.median / peak.result.max).toFixed(4));
          console.log(JSON.stringify(l));
          lines.push(l);
        }
        if (page.isClosed()) break;
      }
      // W1–W3 run on alsobuy/models: count the SIMD instructions of that module.
      const binary = { 'alsobuy-simd': 'pkg/models/alsobuy_models_bg.wasm', 'alsobuy-scalar': 'pkg-scalar/models/alsobuy_models_bg.wasm' }[engine];
      infos[engine] = page.isClosed() ? { error: 'page closed' }
        : { ...(await page.evaluate((e) => window.bench.engineInfo(e), engine).catch((e) => ({ error: e.message }))), fetched: [...new Set(fetched)] };
      if (binary) infos[engine].simdInstructions = simdInstructions(join(ROOT, binary));
      await context.close();
    }
    load.end = loadavg()[0];
    const size = measureAll();
    const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const report = { when, machine: mach, chromium, environment, load, peak, engines: infos, lines, size };
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench-results/browser.json'), `${JSON.stringify(report, null, 1)}\n`);
    writeFileSync(join(ROOT, 'bench-results/browser.md'), markdown({ ...report, env: environment, mach, infos }));
    console.error('bench: wrote bench-results/browser.md and bench-results/browser.json');
  } finally {
    await env.close();
  }
}

main().catch((e) => { console.error(`bench: ${e.stack ?? e}`); process.exit(1); });

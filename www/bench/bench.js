// The bench page: `window.bench.run(engine, workload, { runs, warmup })` (runner.js), `window.bench.peak()` (the
// SIMD128 peak of peak.wat), `window.bench.environment()`. scripts/bench.mjs drives it (one fresh page per engine);
// a human can press "Run".
//   peak GFLOP/s = iterations × 96 / seconds / 1e9   (12 chains × f32x4 (mul + add) × 4 lanes per iteration)
import { tfjsEngine } from './engines/tfjs.js';
import { plainJsEngine } from './engines/plainjs.js';
import { alsobuyEngine } from './engines/alsobuy.js';
import { runWorkload, initEngine, stats, timerResolution, WORKLOADS } from './runner.js';

const params = new URLSearchParams(location.search);
const w2Batch = Number(params.get('w2batch')) || undefined;
const ENGINES = {
  // W4/W5 on the widget's module, W1–W3 on alsobuy/models (the module with `Mlp` and `VectorIndex`).
  'alsobuy-simd': alsobuyEngine('alsobuy-simd', new URL('/pkg/alsobuy.js', location.href).href,
    new URL('/pkg/models/alsobuy_models.js', location.href).href),
  'alsobuy-scalar': alsobuyEngine('alsobuy-scalar', new URL('vendor/alsobuy-scalar/alsobuy.js', import.meta.url).href,
    new URL('vendor/alsobuy-scalar/models/alsobuy_models.js', import.meta.url).href),
  'tfjs-wasm': tfjsEngine('wasm', { w2Batch }),
  'tfjs-cpu': tfjsEngine('cpu', { w2Batch }),
  plainjs: plainJsEngine,
};
const now = () => performance.now();

/** Runs one workload on the named engine; resolves to a list of result lines. */
async function run(engineId, workload, options) {
  const engine = ENGINES[engineId];
  if (!engine) return [{ engine: engineId, workload, result: `not available: unknown engine ${engineId}` }];
  return runWorkload(engine, workload, options);
}

/** The single-core SIMD128 peak (peak.wat): GFLOP/s over `runs` timed calls of about 0.3 s after tier-up. */
async function peak({ runs = 5 } = {}) {
  const res = await fetch(new URL('vendor/peak.wasm', import.meta.url));
  if (!res.ok) return { engine: 'peak', workload: 'simd128-peak', result: 'not available: vendor/peak.wasm missing' };
  const { instance } = await WebAssembly.instantiate(await res.arrayBuffer());
  const kernel = instance.exports.run;
  for (let i = 0; i < 50; i += 1) kernel(20_000); // tier up from Liftoff to TurboFan (no OSR in wasm)
  let iters = 1_000_000;
  for (;;) {
    const t0 = now();
    kernel(iters);
    if (now() - t0 > 100) break;
    iters *= 2;
  }
  iters *= 3;
  const gflops = [];
  let check = 0;
  for (let i = 0; i < runs; i += 1) {
    const t0 = now();
    check = kernel(iters);
    gflops.push((iters * 96) / ((now() - t0) / 1000) / 1e9);
  }
  return { engine: 'peak', workload: 'simd128-peak', result: stats(gflops, { unit: 'GFLOP/s', iterations: iters, check }) };
}

function environment() {
  return {
    userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true, timerResolutionMs: timerResolution(),
  };
}

async function engineInfo(engineId) {
  const engine = ENGINES[engineId];
  if (!engine) return { error: `unknown engine ${engineId}` };
  return initEngine(engine);
}

window.bench = { run, peak, environment, engineInfo, engines: Object.keys(ENGINES), workloads: WORKLOADS };

// Manual use: the button runs everything in this one page and prints the JSON lines.
const button = document.getElementById('run');
const out = document.getElementById('out');
button?.addEventListener('click', async () => {
  button.disabled = true;
  const print = (o) => { out.textContent += `${JSON.stringify(o)}\n`; };
  print({ environment: environment() });
  print(await peak());
  for (const e of Object.keys(ENGINES)) {
    for (const w of WORKLOADS) {
      if (!ENGINES[e].workloads.includes(w)) continue;
      for (const l of await run(e, w)) print(l);
    }
  }
  button.disabled = false;
});
document.body.dataset.ready = 'true';

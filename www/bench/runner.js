// The workload runner, shared by the bench page (bench.js) and the Node smoke test (tests/bench/): no DOM here.
// `runWorkload(engine, workload, { runs, warmup })` resolves to result lines `{ engine, workload, variant?, result }`,
// where result is a measurement object or the string "not available: …" / "failed: …".
//
// Method: data from workloads.js (seeded, identical for every engine), `warmup` untimed passes (W1: one epoch),
// then `runs` timed passes; each result gives median / min / max over the timed passes (performance.now()).
// GFLOP/s = rate × FLOP per unit (workloads.js, matrix products only):
//   W1: examples/s × 45,248   (2·10,272 forward + 2·10,272 weight gradients + 2·2,080 input gradients)
//   W2: pairs/s    × 20,544   (2·10,272 forward)
//   W3: queries/s  × 6,400,000 (2·64·50,000)
import * as W from './workloads.js';

export const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5'];
const FLOP = { W1: W.W1_FLOP_PER_EXAMPLE, W2: W.W2_FLOP_PER_PAIR, W3: W.W3_FLOP_PER_QUERY };

const cache = {};
const data = (w) => (cache[w] ??= { W1: W.w1Data, W2: W.w2Data, W3: W.w3Data, W4: W.w4Data, W5: W.w4Data }[w]());
const inits = {};
const now = () => performance.now();

export function stats(values, extra = {}) {
  return { ...W.summarize(values), runs: values.map((v) => Number(v.toPrecision(6))), ...extra };
}

function withFlops(workload, rate) {
  const f = FLOP[workload];
  if (!f) return rate;
  const g = (r) => Number(((r * f) / 1e9).toFixed(3));
  return { ...rate, gflops: { median: g(rate.median), min: g(rate.min), max: g(rate.max), flopPerUnit: f } };
}

export async function initEngine(engine) {
  inits[engine.id] ??= engine.init().then((info) => ({ info }), (e) => ({ error: e.message }));
  return inits[engine.id];
}

/** Runs one workload on one engine; resolves to a list of result lines. */
export async function runWorkload(engine, workload, { runs = 3, warmup = 1 } = {}) {
  const engineId = engine.id;
  const line = (result, variant) => ({ engine: engineId, workload, ...(variant ? { variant } : {}), result });
  if (!engine.workloads.includes(workload)) return [line(`not available: ${engineId} does not do ${workload}`)];
  const init = await initEngine(engine);
  if (init.error) {
    const message = init.error.startsWith('not available') ? init.error : `not available: ${init.error}`;
    return [line(message)];
  }
  const gap = engine.missing?.(workload);
  if (gap) return [line(`not available: ${gap}`)];
  const fail = (e) => `failed: ${e?.message ?? e}`;
  // A page may hold several engines of one library (TF.js wasm and cpu): make this one's state current.
  await engine.activate?.();
  const out = [];
  switch (workload) {
    case 'W1':
      for (const [variant, fit] of Object.entries(engine.W1)) {
        try { out.push(line(await runW1(fit, runs, warmup), variant)); } catch (e) { out.push(line(fail(e), variant)); }
      }
      break;
    case 'W2':
      for (const [variant, predict] of Object.entries(engine.W2)) {
        try { out.push(line(await runW2(engine, variant, predict, runs, warmup), variant)); } catch (e) { out.push(line(fail(e), variant)); }
      }
      break;
    case 'W3':
      // engine.W3 is { build, query, free }, or several of them keyed by variant name.
      for (const [variant, w3] of Object.entries(engine.W3.build ? { '': engine.W3 } : engine.W3)) {
        try { out.push(line(await runW3(w3, runs, warmup), variant)); } catch (e) { out.push(line(fail(e), variant)); }
      }
      break;
    case 'W4':
      try { out.push(line(await runW4(engine.W4, runs, warmup))); } catch (e) { out.push(line(fail(e))); }
      break;
    case 'W5':
      try { out.push(line(await runW5(engine.W5, runs, warmup))); } catch (e) { out.push(line(fail(e))); }
      break;
    default:
      out.push(line(`not available: unknown workload ${workload}`));
  }
  return out;
}

async function runW1(fit, runs, warmup) {
  const d = data('W1');
  for (let i = 0; i < warmup; i += 1) await fit(d, 1);
  const rates = [];
  const losses = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = now();
    const { finalLoss } = await fit(d, W.W1.epochs);
    const s = (now() - t0) / 1000;
    rates.push((d.n * W.W1.epochs) / s);
    losses.push(finalLoss);
  }
  return withFlops('W1', stats(rates, {
    unit: 'examples/s', finalLoss: Number(losses[losses.length - 1].toFixed(5)),
    finalLossRuns: losses.map((l) => Number(l.toFixed(5))), examples: d.n, epochs: W.W1.epochs,
  }));
}

async function runW2(engine, variant, predict, runs, warmup) {
  const source = engine.w2Source[variant];
  let model = `trained by W1 ${source} (5 epochs)`;
  if (!engine.hasTrained(source)) {
    await engine.W1[source](data('W1'), 1);
    model = `trained by W1 ${source}, 1 epoch (W1 not run in this page)`;
  }
  const d = data('W2');
  for (let i = 0; i < warmup; i += 1) await predict(d);
  const rates = [];
  let mean = NaN;
  for (let i = 0; i < runs; i += 1) {
    const t0 = now();
    const scores = await predict(d);
    const s = (now() - t0) / 1000;
    rates.push(d.n / s);
    if (scores.length !== d.n) throw new Error(`predict returned ${scores.length} scores for ${d.n} pairs`);
    mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  }
  return withFlops('W2', stats(rates, { unit: 'pairs/s', pairs: d.n, meanScore: Number(mean.toFixed(5)), model }));
}

async function runW3(w3, runs, warmup) {
  const d = data('W3');
  const t0 = now();
  const index = await w3.build(d);
  const buildMs = now() - t0;
  const queries = [];
  for (let q = 0; q < d.q; q += 1) queries.push(d.queries.subarray(q * d.dim, (q + 1) * d.dim));
  // A variant with `queryAll` answers all queries in one call (the batched form: one pass over the items serves
  // every query, so it can be compute-bound); otherwise one `query` call per query (the latency-bound form).
  const pass = w3.queryAll
    ? () => w3.queryAll(index, d.queries, d.q, d.k)
    : () => queries.map((q) => w3.query(index, q, d.k));
  try {
    for (let i = 0; i < warmup; i += 1) pass();
    const rates = [];
    let results = [];
    for (let i = 0; i < runs; i += 1) {
      const t1 = now();
      results = pass();
      rates.push(d.q / ((now() - t1) / 1000));
    }
    // Agreement check across engines: the first query's top-10 and every query's best item.
    const first = Array.from(results[0].indices).join(',');
    const best = results.map((r) => r.indices[0]).reduce((h, i) => (Math.imul(h, 31) + i) >>> 0, 7);
    return withFlops('W3', stats(rates, {
      unit: 'queries/s', buildMs: Number(buildMs.toFixed(1)), items: d.n, dim: d.dim, queries: d.q, k: d.k,
      check: { firstTop10: first, top1Hash: best },
    }));
  } finally {
    w3.free(index);
  }
}

async function runW4(w4, runs, warmup) {
  const d = data('W4');
  const t0 = now();
  const rec = await w4.build(d, W.W5.batch);
  const ingestMs = now() - t0;
  try {
    for (let i = 0; i < warmup; i += 1) for (const q of d.queries.slice(0, 100)) w4.alsoBuy(rec, q);
    const p50 = [];
    const p99 = [];
    let returned = 0;
    for (let i = 0; i < runs; i += 1) {
      const times = new Float64Array(d.queries.length);
      returned = 0;
      d.queries.forEach((q, j) => {
        const t1 = now();
        const s = w4.alsoBuy(rec, q);
        times[j] = now() - t1;
        returned += s.length;
      });
      p50.push(W.quantile(times, 0.5));
      p99.push(W.quantile(times, 0.99));
    }
    return {
      unit: 'ms', p50: W.summarize(p50), p99: W.summarize(p99), calls: d.queries.length,
      meanSuggestions: Number((returned / d.queries.length).toFixed(2)), ingestMs: Number(ingestMs.toFixed(1)),
      timerResolutionMs: timerResolution(),
    };
  } finally {
    w4.free(rec);
  }
}

async function runW5(w5, runs, warmup) {
  const d = data('W5');
  const once = () => {
    const rec = w5.fresh(d);
    try {
      let kept = 0;
      let dropped = 0;
      const t0 = now();
      for (let i = 0; i < d.events.length; i += W.W5.batch) {
        const summary = w5.recordMany(rec, d.events.slice(i, i + W.W5.batch));
        kept += summary.kept;
        dropped += summary.dropped;
      }
      return { rate: d.events.length / ((now() - t0) / 1000), kept, dropped };
    } finally {
      w5.free(rec);
    }
  };
  for (let i = 0; i < warmup; i += 1) once();
  const rates = [];
  let last;
  for (let i = 0; i < runs; i += 1) {
    last = once();
    rates.push(last.rate);
  }
  return stats(rates, { unit: 'events/s', events: d.events.length, batch: W.W5.batch, kept: last.kept, dropped: last.dropped });
}

/** The smallest step performance.now() shows here (Chromium coarsens it without cross-origin isolation). */
export function timerResolution() {
  let best = Infinity;
  for (let i = 0; i < 20; i += 1) {
    const a = now();
    let b = now();
    while (b === a) b = now();
    best = Math.min(best, b - a);
  }
  return Number(best.toFixed(4));
}

// alsobuy engines, written against the JS API contract (docs/js-api.md): `Mlp` (W1, W2), `VectorIndex` (W3),
// `Recommender.setCatalog/recordMany/alsoBuy` (W4, W5). Exports are checked at run time: a missing one makes the
// workload report "not available: <what is missing>" — never a made-up number.
// Two modules: W4/W5 run on the widget's module (`moduleUrl`, what a shop page downloads); W1–W3 on the module
// that carries the ML primitives (`mlModuleUrl`, alsobuy/models: `Mlp`, `VectorIndex`; the widget's has neither).
//  - alsobuy-simd: the release package in /pkg/ (built with +simd128, see .cargo/config.toml) and /pkg/models/.
//  - alsobuy-scalar: the same crate built without simd128 into pkg-scalar/ (+ pkg-scalar/models/), copied by
//    scripts/bench.mjs to vendor/alsobuy-scalar/ when it exists.
import { MLP } from '../workloads.js';

/** The workloads that run on the ML module (the others on the widget's). */
const ML_WORKLOADS = new Set(['W1', 'W2', 'W3']);

const NEEDS = {
  W1: [['Mlp', 'fit']],
  W2: [['Mlp', 'fit'], ['Mlp', 'predict']],
  W3: [['VectorIndex', 'topK'], ['VectorIndex', 'topKBatch']],
  W4: [['Recommender', 'setCatalog'], ['Recommender', 'recordMany'], ['Recommender', 'alsoBuy']],
  W5: [['Recommender', 'setCatalog'], ['Recommender', 'recordMany']],
};

/** Imports and initialises the wasm-bindgen `--target web` module at `url`; throws "not available: …". */
async function load(url) {
  if (/^https?:/.test(url)) { // a clear message when the package is not built, before import() fails
    const probe = await fetch(url, { method: 'HEAD' }).catch((e) => ({ ok: false, status: e.message }));
    if (!probe.ok) throw new Error(`not available: ${new URL(url).pathname} not built (HTTP ${probe.status})`);
  }
  try {
    const mod = await import(url);
    await mod.default();
    return mod;
  } catch (e) {
    throw new Error(`not available: ${url} did not load (${e.message})`);
  }
}

const exportsOf = (mod) => Object.keys(mod).filter((k) => k !== 'default').sort().join(' ');

/**
 * An alsobuy engine: the widget's module at `moduleUrl` (W4, W5) and the ML module at `mlModuleUrl` (W1–W3;
 * default: the same module, for a stand-in that has everything).
 */
export function alsobuyEngine(id, moduleUrl, mlModuleUrl = moduleUrl) {
  const state = { mod: null, ml: null, mlp: null };
  const free = (o) => { if (o && typeof o.free === 'function') o.free(); };
  return {
    id,
    workloads: ['W1', 'W2', 'W3', 'W4', 'W5'],

    async init() {
      state.mod = await load(moduleUrl);
      const info = { module: new URL(moduleUrl).pathname, exports: exportsOf(state.mod) };
      if (mlModuleUrl === moduleUrl) {
        state.ml = state.mod;
      } else {
        // A missing ML module makes W1–W3 say so (missing()); W4/W5 still run on the widget's module.
        try {
          state.ml = await load(mlModuleUrl);
          Object.assign(info, { mlModule: new URL(mlModuleUrl).pathname, mlExports: exportsOf(state.ml) });
        } catch (e) {
          state.mlError = e.message.replace(/^not available: /, '');
        }
      }
      return info;
    },

    /** Why `workload` cannot run on the loaded package (a missing export or method), or null. */
    missing(workload) {
      if (ML_WORKLOADS.has(workload) && state.mlError) return state.mlError;
      const gaps = [];
      const mod = ML_WORKLOADS.has(workload) ? state.ml : state.mod;
      for (const [cls, method] of NEEDS[workload] ?? []) {
        const C = mod?.[cls];
        if (typeof C !== 'function') gaps.push(`no export ${cls}`);
        else if (typeof C.prototype?.[method] !== 'function') gaps.push(`${cls} has no method ${method}`);
      }
      return gaps.length ? [...new Set(gaps)].join(', ') : null;
    },

    W1: {
      async mlp(data, epochs) {
        free(state.mlp);
        state.mlp = null;
        const mlp = new state.ml.Mlp({
          inputs: MLP.inputs, hidden: MLP.hidden, seed: MLP.seed, learningRate: MLP.learningRate, batchSize: MLP.batchSize,
        });
        const finalLoss = mlp.fit(data.x, data.y, epochs);
        state.mlp = mlp;
        return { finalLoss };
      },
    },

    W2: {
      async mlp(data) {
        if (!state.mlp) throw new Error('W2 needs the model trained by W1 (mlp)');
        return state.mlp.predict(data.x);
      },
    },

    W3: {
      /** One `topK` call per query (latency-bound: each query streams the whole item matrix). */
      'topK': {
        build(data) { return new state.ml.VectorIndex(data.items, data.dim); },
        query(index, q, k) { return index.topK(q, k); },
        free(index) { free(index); },
      },
      /** All 100 queries in one `topKBatch` call (several queries per pass over the items). */
      'topKBatch (100 queries)': {
        build(data) { return new state.ml.VectorIndex(data.items, data.dim); },
        queryAll(index, queries, m, k) {
          const r = index.topKBatch(queries, k);
          const ind = r.indices; // each getter call copies out of wasm memory: read once
          const sc = r.scores;
          free(r);
          const out = [];
          for (let q = 0; q < m; q += 1) out.push({ indices: ind.subarray(q * k, (q + 1) * k), scores: sc.subarray(q * k, (q + 1) * k) });
          return out;
        },
        free(index) { free(index); },
      },
    },

    W4: {
      build(data, batch) {
        const rec = new state.mod.Recommender();
        rec.setCatalog(data.catalog);
        for (let i = 0; i < data.events.length; i += batch) rec.recordMany(data.events.slice(i, i + batch));
        return rec;
      },
      alsoBuy(rec, query) { return rec.alsoBuy(query); },
      free(rec) { free(rec); },
    },

    W5: {
      fresh(data) {
        const rec = new state.mod.Recommender();
        rec.setCatalog(data.catalog);
        return rec;
      },
      recordMany(rec, events) { return rec.recordMany(events); },
      free(rec) { free(rec); },
    },

    w2Source: { mlp: 'mlp' },
    hasTrained() { return Boolean(state.mlp); },
  };
}

// TensorFlow.js engines (wasm and cpu backends) for W1–W3, used "at its best", as a skilled user would:
//  - W1 two ways, both timed: tf.layers sequential + model.fit (yieldEvery 'never'), and a hand-written
//    tf.train.adam loop on logits; the page reports both, the table keeps the faster.
//  - W2 two ways: model.predict over the 100,000 × 128 tensor in batches of W2_BATCH (one batch: the fastest),
//    and the hand-written op chain on the adam-loop's weights in the same batches.
//  - W3 the item matrix L2-normalised and transposed once (itemsT, 64 × 50,000), then per query
//    tf.matMul(q, itemsT) + tf.topk; the transposed-operand form matMul(q, items, false, true) is measured too, as a
//    second variant, to show the slow path it takes.
// The pinned UMD bundles (4.22.0) are loaded by bench.html from vendor/ (copied there by scripts/bench.mjs) and
// define the global `tf`; the wasm backend loads its binaries from the same origin (setWasmPaths).
import { MLP, permutation, normalizeRows } from '../workloads.js';

/**
 * Default batch size for W2 prediction (bench.html?w2batch=N overrides it). Measured on tfjs-wasm, 2026-11-28 under
 * load: 1,024 → ~14k pairs/s, 10,000 → ~130k, 25,000 → ~170k, 50,000 → ~480k, 100,000 → ~600k; the whole
 * 100,000 × 128 input in one batch is TF.js at its best here.
 */
export const W2_BATCH = 100_000;

const tfGlobal = () => globalThis.tf;

/** Builds a TF.js engine for `backend` ('wasm' | 'cpu'); `w2Batch` is the W2 prediction batch size. */
export function tfjsEngine(backend, { w2Batch = W2_BATCH } = {}) {
  const state = { trained: {} };
  const engine = {
    id: `tfjs-${backend}`,
    workloads: ['W1', 'W2', 'W3'],

    /** Selects the backend; resolves to facts about it, or throws `not available: …`. */
    async init() {
      const tf = tfGlobal();
      if (!tf || !tf.sequential) throw new Error('not available: TF.js bundles not loaded (vendor/ not copied?)');
      if (backend === 'wasm') {
        if (!tf.wasm?.setWasmPaths) throw new Error('not available: tfjs-backend-wasm bundle not loaded');
        if (!state.pathsSet) {
          tf.wasm.setWasmPaths(new URL('../vendor/', import.meta.url).href);
          state.pathsSet = true;
        }
      }
      const ok = await tf.setBackend(backend);
      await tf.ready();
      if (!ok || tf.getBackend() !== backend) throw new Error(`not available: tf.setBackend('${backend}') failed`);
      const info = { tfjs: tf.version_core ?? tf.version?.['tfjs-core'], backend: tf.getBackend() };
      if (backend === 'wasm') {
        info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        info.threads = tf.wasm.getThreadsCount();
      } else {
        info.threads = 1;
      }
      return info;
    },

    /** Makes this engine's backend the current one (the page may have switched to the other). */
    async activate() {
      const tf = tfGlobal();
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
    },

    W1: {
      /** tf.layers sequential + compile + model.fit, one fit call per epoch on a seeded permutation. */
      async 'layers.fit'(data, epochs) {
        const tf = tfGlobal();
        const model = buildLayersModel(tf);
        const xs = tf.tensor2d(data.x, [data.n, data.d]);
        const ys = tf.tensor2d(data.y, [data.n, 1]);
        let loss = NaN;
        for (let e = 0; e < epochs; e += 1) {
          const idx = tf.tensor1d(permutation(data.n, MLP.seed + e), 'int32');
          const xe = tf.gather(xs, idx);
          const ye = tf.gather(ys, idx);
          const h = await model.fit(xe, ye, {
            batchSize: MLP.batchSize, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never',
          });
          loss = h.history.loss[0];
          tf.dispose([idx, xe, ye]);
        }
        tf.dispose([xs, ys]);
        keep('layers.fit', { predict: (x) => model.predict(x, { batchSize: w2Batch }), dispose: () => model.dispose() });
        return { finalLoss: loss };
      },

      /** Hand-written loop: variables, forward on logits, tf.losses.sigmoidCrossEntropy, tf.train.adam. */
      async 'adam-loop'(data, epochs) {
        const tf = tfGlobal();
        const sizes = [MLP.inputs, ...MLP.hidden, 1];
        const vars = [];
        for (let l = 0; l + 1 < sizes.length; l += 1) {
          const init = tf.initializers.glorotUniform({ seed: MLP.seed + l });
          vars.push(tf.variable(init.apply([sizes[l], sizes[l + 1]])), tf.variable(tf.zeros([sizes[l + 1]])));
        }
        const logits = (x) => {
          let h = x;
          for (let l = 0; l < vars.length; l += 2) {
            h = tf.add(tf.matMul(h, vars[l]), vars[l + 1]);
            if (l + 2 < vars.length) h = tf.relu(h);
          }
          return h;
        };
        const opt = tf.train.adam(MLP.learningRate);
        const xs = tf.tensor2d(data.x, [data.n, data.d]);
        const ys = tf.tensor2d(data.y, [data.n, 1]);
        let loss = NaN;
        for (let e = 0; e < epochs; e += 1) {
          const idx = tf.tensor1d(permutation(data.n, MLP.seed + e), 'int32');
          const xe = tf.gather(xs, idx);
          const ye = tf.gather(ys, idx);
          let sum = tf.scalar(0);
          for (let b = 0; b < data.n; b += MLP.batchSize) {
            const size = Math.min(MLP.batchSize, data.n - b);
            const next = tf.tidy(() => {
              const xb = tf.slice(xe, [b, 0], [size, data.d]);
              const yb = tf.slice(ye, [b, 0], [size, 1]);
              const cost = opt.minimize(() => tf.losses.sigmoidCrossEntropy(yb, logits(xb)), true);
              return tf.add(sum, tf.mul(cost, size));
            });
            sum.dispose();
            sum = next;
          }
          loss = (await sum.data())[0] / data.n;
          tf.dispose([idx, xe, ye, sum]);
        }
        tf.dispose([xs, ys]);
        opt.dispose();
        keep('adam-loop', {
          predict: (x) => tf.tidy(() => {
            const parts = [];
            for (let b = 0; b < x.shape[0]; b += w2Batch) {
              const size = Math.min(w2Batch, x.shape[0] - b);
              parts.push(tf.sigmoid(logits(tf.slice(x, [b, 0], [size, x.shape[1]]))));
            }
            return tf.concat(parts);
          }),
          dispose: () => tf.dispose(vars),
        });
        return { finalLoss: loss };
      },
    },

    W2: {
      /** model.predict(x, { batchSize }) on the tf.layers model trained by W1 'layers.fit'. */
      async 'model.predict'(data) { return predictWith('layers.fit', data); },
      /** The hand-written op chain (matMul + add + relu …, sigmoid) per batch, weights from W1 'adam-loop'. */
      async 'op-chain'(data) { return predictWith('adam-loop', data); },
    },
    /** Which W1 variant trains the model each W2 variant scores with. */
    w2Source: { 'model.predict': 'layers.fit', 'op-chain': 'adam-loop' },

    /**
     * W3 two ways. 'matMul(q, itemsT)': the skilled form (items stored transposed once, 64 × 50,000).
     * 'matMul(q, items, transposeB)': the obvious form, kept to show the slow path it takes (not "at its best").
     */
    W3: {
      'matMul(q, itemsT)': {
        build(data) {
          const tf = tfGlobal();
          return tf.tidy(() => tf.keep(tf.transpose(tf.tensor2d(normalizeRows(data.items, data.dim), [data.n, data.dim]))));
        },
        query(itemsT, q, k) { return topkOf((tf, qt) => tf.matMul(qt, itemsT), q, k); },
        free(itemsT) { itemsT.dispose(); },
      },
      /** The batched skilled form: all 100 queries as one 100 × 64 matrix, matMul(Q, itemsT) + topk per row. */
      'matMul(Q, itemsT) (100 queries)': {
        build(data) {
          const tf = tfGlobal();
          return tf.tidy(() => tf.keep(tf.transpose(tf.tensor2d(normalizeRows(data.items, data.dim), [data.n, data.dim]))));
        },
        queryAll(itemsT, queries, m, k) {
          const tf = tfGlobal();
          const qn = normalizeRows(queries, queries.length / m);
          const [indices, scores] = tf.tidy(() => {
            const top = tf.topk(tf.matMul(tf.tensor2d(qn, [m, qn.length / m]), itemsT), k);
            return [top.indices, top.values];
          });
          const ind = indices.dataSync();
          const sc = scores.dataSync();
          tf.dispose([indices, scores]);
          const out = [];
          for (let q = 0; q < m; q += 1) out.push({ indices: ind.subarray(q * k, (q + 1) * k), scores: sc.subarray(q * k, (q + 1) * k) });
          return out;
        },
        free(itemsT) { itemsT.dispose(); },
      },
      'matMul(q, items, transposeB)': {
        build(data) { return tfGlobal().tensor2d(normalizeRows(data.items, data.dim), [data.n, data.dim]); },
        query(items, q, k) { return topkOf((tf, qt) => tf.matMul(qt, items, false, true), q, k); },
        free(items) { items.dispose(); },
      },
    },

    hasTrained(variant) { return Boolean(state.trained[variant]); },
  };

  /** Normalises q, scores it with `product(tf, q as 1 × dim)`, and takes tf.topk; returns plain arrays. */
  function topkOf(product, q, k) {
    const tf = tfGlobal();
    const qn = normalizeRows(q, q.length);
    const [indices, scores] = tf.tidy(() => {
      const top = tf.topk(product(tf, tf.tensor2d(qn, [1, qn.length])), k);
      return [top.indices, top.values];
    });
    const out = { indices: indices.dataSync(), scores: scores.dataSync() };
    tf.dispose([indices, scores]);
    return out;
  }

  function keep(variant, model) {
    state.trained[variant]?.dispose();
    state.trained[variant] = model;
  }

  function predictWith(variant, data) {
    const tf = tfGlobal();
    const model = state.trained[variant];
    if (!model) throw new Error(`W2 needs the model trained by W1 (${variant})`);
    const x = tf.tensor2d(data.x, [data.n, data.d]);
    const out = model.predict(x);
    const scores = out.dataSync();
    tf.dispose([x, out]);
    return scores;
  }

  return engine;
}

function buildLayersModel(tf) {
  const seeded = (l) => tf.initializers.glorotUniform({ seed: MLP.seed + l });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [MLP.inputs], units: MLP.hidden[0], activation: 'relu', kernelInitializer: seeded(0) }),
      tf.layers.dense({ units: MLP.hidden[1], activation: 'relu', kernelInitializer: seeded(1) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seeded(2) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(MLP.learningRate), loss: 'binaryCrossentropy' });
  return model;
}

// Plain JavaScript W3 baseline: the item matrix L2-normalised once into one Float32Array, then per query a
// dot-product loop over every row and a bounded top-10 selection (workloads.js topK). No libraries, one thread.
import { normalizeRows, topK } from '../workloads.js';

export const plainJsEngine = {
  id: 'plainjs',
  workloads: ['W3'],
  async init() { return { engine: 'Float32Array loops', threads: 1 }; },
  W3: {
    build(data) {
      return { items: normalizeRows(data.items, data.dim), n: data.n, dim: data.dim, scores: new Float32Array(data.n) };
    },
    query(index, q, k) {
      const { items, n, dim, scores } = index;
      const qn = normalizeRows(q, dim);
      for (let i = 0, r = 0; i < n; i += 1, r += dim) {
        let s = 0;
        for (let j = 0; j < dim; j += 1) s += items[r + j] * qn[j];
        scores[i] = s;
      }
      return topK(scores, k);
    },
    free() {},
  },
};

// A stand-in for pkg/alsobuy.js that follows the JS API contract (docs/js-api.md) in plain JS, so the smoke test
// can drive the alsobuy adapters end to end before the real API lands. Answers are trivial but well-formed.
import { topK, normalizeRows } from '../../www/bench/workloads.js';

export default async function init() {}

export class Mlp {
  constructor(options) {
    if (!(options.inputs > 0)) throw new Error('inputs must be positive');
    this.inputs = options.inputs;
  }
  fit(x, y, epochs) { return this.trainEpoch(x, y) + 0 * epochs; }
  trainEpoch(x, y) { return y.length && x.length ? Math.LN2 : NaN; }
  predict(x) { return new Float32Array(x.length / this.inputs).fill(0.5); }
  free() {}
}

export class VectorIndex {
  constructor(matrix, dim) {
    this.m = normalizeRows(matrix, dim);
    this.dim = dim;
    this.len = matrix.length / dim;
  }
  topK(q, k) {
    const s = new Float32Array(this.len);
    for (let i = 0; i < this.len; i += 1) {
      let d = 0;
      for (let j = 0; j < this.dim; j += 1) d += this.m[i * this.dim + j] * q[j];
      s[i] = d;
    }
    return topK(s, k);
  }
  topKBatch(queries, k) {
    const hits = [];
    for (let q = 0; q < queries.length; q += this.dim) hits.push(this.topK(queries.subarray(q, q + this.dim), k));
    return {
      indices: Uint32Array.from(hits.flatMap((h) => Array.from(h.indices))),
      scores: Float32Array.from(hits.flatMap((h) => Array.from(h.scores))),
    };
  }
  free() {}
}

export class Recommender {
  setCatalog(items) { this.items = items.map((i) => i.id); }
  recordMany(events) { return { kept: events.length, dropped: 0, errors: [] }; }
  alsoBuy(query) {
    return this.items.slice(0, query.k ?? 6).map((item) => ({ item, score: 1, reasons: [{ kind: 'popular', share: 1 }] }));
  }
  free() {}
}

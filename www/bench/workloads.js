// The benchmark workloads of issue 8 and their seeded data, shared by every engine (page and Node tests).
// Every generator is a pure function of its seed: the same bytes for every engine, every run, every machine.
// No DOM, no Math.random, no Date.now: this module also runs in Node (tests/bench/).

/** mulberry32: a tiny 32-bit seeded PRNG; returns a function giving uniforms in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills a Float32Array of length n with uniforms in [-1, 1) from `rand`. */
function uniformArray(rand, n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 1) out[i] = rand() * 2 - 1;
  return out;
}

/** A seeded Fisher–Yates permutation of 0..n-1 (used by every engine that shuffles per epoch). */
export function permutation(n, seed) {
  const rand = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i += 1) p[i] = i;
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// The definitions (issue 8). FLOP counts are for the matrix products only (biases, activations, the loss, Adam's
// per-parameter update and top-k selection are left out: they are O(parameters) or O(outputs), not O(products)).
// ---------------------------------------------------------------------------------------------------------------

export const SEED = 20261128;

/** MLP shape used by W1 and W2: 128 → 64 ReLU → 32 ReLU → 1 sigmoid. */
export const MLP = { inputs: 128, hidden: [64, 32], learningRate: 1e-3, batchSize: 256, seed: 42 };
/** Weights in the matrix products of one forward pass: 128·64 + 64·32 + 32·1 = 10,272. */
export const MLP_WEIGHTS = 128 * 64 + 64 * 32 + 32 * 1;
/** Weights of the layers whose input gradient backprop needs (all but the first): 64·32 + 32·1 = 2,080. */
export const MLP_WEIGHTS_AFTER_FIRST = 64 * 32 + 32 * 1;

export const W1 = { examples: 20_000, epochs: 5, ...MLP };
/**
 * W1 FLOP per example: forward 2·10,272 (one multiply + one add per weight) + weight gradients 2·10,272 +
 * input gradients of layers 2 and 3, 2·2,080 = 45,248 FLOP.
 */
export const W1_FLOP_PER_EXAMPLE = 2 * MLP_WEIGHTS + 2 * MLP_WEIGHTS + 2 * MLP_WEIGHTS_AFTER_FIRST;

export const W2 = { pairs: 100_000, inputs: 128 };
/** W2 FLOP per pair: one forward pass, 2·10,272 = 20,544 FLOP. */
export const W2_FLOP_PER_PAIR = 2 * MLP_WEIGHTS;

export const W3 = { items: 50_000, dim: 64, queries: 100, k: 10 };
/** W3 FLOP per query: one dot product per item, 2·64·50,000 = 6,400,000 FLOP (exact scan). */
export const W3_FLOP_PER_QUERY = 2 * W3.dim * W3.items;

export const W4 = { items: 10_000, events: 100_000, calls: 1_000, k: 6, categories: 50, sessions: 10_000 };
export const W5 = { events: W4.events, batch: 1_000 };

/**
 * W1 data: 20,000 examples × 128 features (shopper 64 ++ item 64), uniforms in [-1, 1), row-major.
 * Label: 1 when the shopper–item dot product plus a little seeded noise is positive — a rule an MLP can learn
 * in part, so the loss visibly falls from ln 2 ≈ 0.693 and every engine's final loss can be compared.
 */
export function w1Data(seed = SEED) {
  const rand = mulberry32(seed);
  const n = W1.examples;
  const d = W1.inputs;
  const x = uniformArray(rand, n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    let dot = 0;
    for (let j = 0; j < 64; j += 1) dot += x[i * d + j] * x[i * d + 64 + j];
    y[i] = dot + (rand() - 0.5) > 0 ? 1 : 0;
  }
  return { x, y, n, d };
}

/** W2 data: 100,000 pairs × 128 features, uniforms in [-1, 1). */
export function w2Data(seed = SEED + 2) {
  const rand = mulberry32(seed);
  return { x: uniformArray(rand, W2.pairs * W2.inputs), n: W2.pairs, d: W2.inputs };
}

/** W3 data: the item matrix (50,000 × 64) and 100 queries (× 64), uniforms in [-1, 1), row-major. */
export function w3Data(seed = SEED + 3) {
  const rand = mulberry32(seed);
  const items = uniformArray(rand, W3.items * W3.dim);
  const queries = uniformArray(rand, W3.queries * W3.dim);
  return { items, queries, n: W3.items, dim: W3.dim, q: W3.queries, k: W3.k };
}

/** Item id of index i: "p00042". */
export const itemId = (i) => `p${String(i).padStart(5, '0')}`;

/**
 * W4/W5 data: a 10,000-item catalogue (50 top categories × 5 subcategories, prices, a few tags), 100,000 events
 * in sessions (view → cart → purchase funnels over a Zipf-like popularity and a per-session favourite category),
 * and 1,000 also-buy queries with varied carts (0–5 items, with or without a viewed item, some with filters).
 */
export function w4Data(seed = SEED + 4) {
  const rand = mulberry32(seed);
  const n = W4.items;
  const catalog = new Array(n);
  const byCategory = Array.from({ length: W4.categories }, () => []);
  for (let i = 0; i < n; i += 1) {
    const c = Math.floor(rand() * W4.categories);
    const s = Math.floor(rand() * 5);
    byCategory[c].push(i);
    catalog[i] = {
      id: itemId(i),
      name: `product ${i}`,
      category: `c${c}/s${s}`,
      brand: `b${Math.floor(rand() * 200)}`,
      price: Math.round(rand() * 10_000) / 100,
      inStock: rand() > 0.02,
      tags: rand() < 0.3 ? ['organic'] : [],
    };
  }
  // Zipf-like popularity: index = floor(n · u^3) makes low indices far more frequent.
  const popular = () => Math.min(n - 1, Math.floor(n * rand() ** 3));
  const inCategory = (c) => {
    const list = byCategory[c];
    return list.length ? list[Math.min(list.length - 1, Math.floor(list.length * rand() ** 2))] : popular();
  };
  const events = [];
  const t0 = 1_764_000_000_000; // a fixed epoch in ms: no Date.now()
  let t = t0;
  let session = 0;
  while (events.length < W4.events) {
    const sid = `s${session % W4.sessions}`;
    session += 1;
    const favourite = Math.floor(rand() * W4.categories);
    const len = 2 + Math.floor(rand() * 14);
    for (let e = 0; e < len && events.length < W4.events; e += 1) {
      const item = itemId(rand() < 0.6 ? inCategory(favourite) : popular());
      t += 1 + Math.floor(rand() * 30_000);
      const r = rand();
      const kind = r < 0.6 ? 'view' : r < 0.85 ? 'cart' : r < 0.97 ? 'purchase' : 'remove_from_cart';
      events.push({ kind, item, session: sid, timestamp: t });
    }
  }
  const queries = new Array(W4.calls);
  for (let q = 0; q < W4.calls; q += 1) {
    const cartSize = Math.floor(rand() * 6);
    const cart = [];
    for (let j = 0; j < cartSize; j += 1) cart.push(itemId(popular()));
    const query = { cart: [...new Set(cart)], k: W4.k };
    if (rand() < 0.7 || cartSize === 0) query.item = itemId(popular());
    const f = rand();
    if (f < 0.1) query.include = [`c${Math.floor(rand() * W4.categories)}`];
    else if (f < 0.2) query.exclude = [`c${Math.floor(rand() * W4.categories)}`];
    queries[q] = query;
  }
  return { catalog, events, queries };
}

/** Median, min, max of a list of numbers. */
export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** The q-quantile (0..1) of a list by nearest rank. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank];
}

/**
 * Bounded top-k of a score array, best first, ties broken by lower index (the contract of VectorIndex.topK).
 * O(n·k) worst case, O(n) in practice: most scores fail the threshold test.
 */
export function topK(scores, k) {
  const idx = new Int32Array(k).fill(-1);
  const val = new Float32Array(k).fill(-Infinity);
  let filled = 0;
  let worst = -Infinity;
  for (let i = 0; i < scores.length; i += 1) {
    const s = scores[i];
    if (filled === k && !(s > worst)) continue; // equal scores: the earlier (lower) index stays
    let p = filled < k ? filled : k - 1;
    while (p > 0 && s > val[p - 1]) {
      val[p] = val[p - 1];
      idx[p] = idx[p - 1];
      p -= 1;
    }
    val[p] = s;
    idx[p] = i;
    if (filled < k) filled += 1;
    worst = val[k - 1];
  }
  return { indices: Uint32Array.from(idx.subarray(0, filled)), scores: val.slice(0, filled) };
}

/** L2-normalises each row of a row-major matrix into a new Float32Array (zero rows stay zero). */
export function normalizeRows(m, dim) {
  const out = new Float32Array(m.length);
  for (let r = 0; r < m.length; r += dim) {
    let ss = 0;
    for (let j = 0; j < dim; j += 1) ss += m[r + j] * m[r + j];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j += 1) out[r + j] = m[r + j] * inv;
  }
  return out;
}

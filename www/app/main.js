// The demo shop: wiring between the catalogue, the cart, the routes and the alsobuy engine.
//
// Structure: app/cart.js (cart lines in localStorage), app/views.js (grid, chips, detail, cart lines),
// app/dom.js (safe DOM helpers), app/training.js + ../train-worker.js ("train now"), ../also-buy.js (the
// <also-buy> element, also used for every suggestion strip on this page, and the engine loader).
// Every suggestion, score and reason comes from the package; this file only records events and shows results.
//
// Routes: #/ (grid, filtered by category chip and search), #/item/<id> (detail view).
// Test hooks: <html data-ready="true" data-engine="pack|catalog|none" data-saved="true|false">, and the
// data-testid attributes named in the page issue.
import * as alsobuy from '/pkg/alsobuy.js';
import { ensureInit, engineAvailable, loadRecommender } from '../also-buy.js';
import { Cart } from './cart.js';
import { formatPrice } from './dom.js';
import { productCard, renderChips, renderDetail, renderMissing, renderCartLines } from './views.js';
import { trainingAvailable, trainInWorker } from './training.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const state = { catalog: [], byId: new Map(), rec: null, pack: null, source: 'none', category: null, query: '', current: null };
const cart = new Cart();
let booted = false;
const strips = { forYou: $('for-you'), item: $('item-strip'), cart: $('cart-strip') };

function say(text) {
  $('status').textContent = text;
}

// ---------- data ----------

/** `?catalog=/path.json`: a same-origin catalogue override (used by the tests for hostile product names). */
function catalogOverrideUrl() {
  const raw = new URLSearchParams(location.search).get('catalog');
  if (!raw) return null;
  try {
    const url = new URL(raw, location.href);
    return url.origin === location.origin ? url : null;
  } catch {
    return null;
  }
}

async function fetchJson(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

function setCatalog(items) {
  state.catalog = items.filter((i) => i && typeof i.id === 'string');
  state.byId = new Map(state.catalog.map((i) => [i.id, i]));
}

// ---------- engine ----------

let flushing = Promise.resolve();
function persistSoon() {
  const rec = state.rec;
  if (!rec) return;
  root.dataset.saved = 'false';
  flushing = flushing.then(() => rec.flush()).then(
    () => { if (rec === state.rec) root.dataset.saved = 'true'; },
    (e) => { say(`Could not save your activity in this browser: ${e.message}`); },
  );
}

function record(event) {
  if (!state.rec) return;
  try {
    state.rec.record(event);
  } catch (e) {
    console.warn(`alsobuy: event not recorded: ${e.message}`);
    return;
  }
  persistSoon();
  updateEventCount();
  refreshStrips();
}

function updateEventCount() {
  let n = 0;
  try { n = state.rec ? state.rec.stats().events : 0; } catch { n = 0; }
  $('event-count').textContent = String(n);
}

function refreshStrips() {
  if (!state.rec) return;
  const ids = cart.ids().filter((id) => state.byId.has(id)); // a stale line from an older catalogue is not context
  for (const s of Object.values(strips)) s.cart = ids;
  if (state.current) strips.item.setAttribute('for', state.current);
  strips.cart.hidden = ids.length === 0;
  for (const s of Object.values(strips)) s.refresh();
}

function useRecommender(rec) {
  state.rec = rec;
  for (const s of Object.values(strips)) s.recommender = rec;
  updateEventCount();
  refreshStrips();
}

// ---------- views ----------

function visibleItems() {
  const q = state.query.trim().toLowerCase();
  return state.catalog.filter((it) => {
    const l1 = String(it.category ?? '').split('/')[0].trim().toLowerCase();
    if (state.category && l1 !== state.category.toLowerCase()) return false;
    if (!q) return true;
    return `${it.name ?? it.id} ${it.category ?? ''}`.toLowerCase().includes(q);
  });
}

function renderList() {
  const items = visibleItems();
  $('grid').replaceChildren(...items.map((it) => productCard(it, addToCart)));
  renderChips($('chips'), state.catalog, state.category, (c) => { state.category = c; renderList(); });
  const title = state.query ? `Results for “${state.query.trim()}”` : state.category ?? 'All groceries';
  $('list-title').textContent = title;
  $('list-count').textContent = `${items.length} product${items.length === 1 ? '' : 's'}`;
  $('no-results').hidden = items.length > 0;
}

function showList() {
  state.current = null;
  strips.item.removeAttribute('for');
  $('view-item').hidden = true;
  $('view-list').hidden = false;
  document.title = 'Corner Grocer — alsobuy demo shop';
}

function showItem(id) {
  const item = state.byId.get(id);
  $('view-list').hidden = true;
  $('view-item').hidden = false;
  window.scrollTo({ top: 0 });
  if (!item) {
    state.current = null;
    strips.item.hidden = true;
    renderMissing($('detail'), id);
    return;
  }
  state.current = id;
  strips.item.hidden = !state.rec;
  renderDetail($('detail'), item, addToCart);
  if (booted) document.querySelector('#detail h1')?.focus({ preventScroll: true });
  document.title = `${item.name ?? id} — Corner Grocer`;
  record({ kind: 'view', item: id });
  refreshStrips();
}

function route() {
  const m = /^#\/item\/(.+)$/.exec(location.hash);
  if (m) {
    let id;
    try { id = decodeURIComponent(m[1]); } catch { id = m[1]; }
    showItem(id);
  } else showList();
}

// ---------- cart ----------

function addToCart(id) {
  cart.add(id);
  record({ kind: 'cart', item: id });
  const name = state.byId.get(id)?.name ?? id;
  say(`Added ${name} to your cart.`);
}

function removeFromCart(id) {
  cart.remove(id);
  record({ kind: 'remove_from_cart', item: id });
}

function renderCart() {
  const { lines } = cart;
  renderCartLines($('cart-lines'), lines, state.byId, removeFromCart);
  const count = lines.reduce((n, l) => n + l.qty, 0);
  $('cart-count').textContent = String(count);
  $('cart-empty').hidden = lines.length > 0;
  $('checkout').disabled = lines.length === 0;
  const total = lines.reduce((s, l) => s + (state.byId.get(l.id)?.price ?? 0) * l.qty, 0);
  $('cart-total').textContent = formatPrice(total);
  refreshStrips();
}

function checkout() {
  const { lines } = cart;
  if (!lines.length) return;
  if (state.rec) {
    try {
      state.rec.recordMany(lines.map((l) => ({ kind: 'purchase', item: l.id })));
      persistSoon();
    } catch (e) {
      console.warn(`alsobuy: purchase not recorded: ${e.message}`);
    }
  }
  const n = lines.length;
  cart.clear();
  updateEventCount();
  say(`Thank you! Order of ${n} product${n === 1 ? '' : 's'} placed (a demo: nothing was charged or sent).`);
}

const wide = window.matchMedia('(min-width: 1024px)');
function setCartOpen(open) {
  if (wide.matches) { // the cart is a visible side panel: just move focus there
    document.body.classList.remove('cart-open');
    $('scrim').hidden = true;
    if (open) { $('cart').scrollIntoView({ block: 'nearest' }); $('cart-title').focus(); }
    return;
  }
  document.body.classList.toggle('cart-open', open);
  $('cart-toggle').setAttribute('aria-expanded', String(open));
  $('scrim').hidden = !open;
  if (open) $('cart-title').focus();
}

// ---------- privacy: forget me, train now ----------

async function forgetMe() {
  const btn = $('forget');
  btn.disabled = true;
  try {
    cart.forget();
    if (state.rec) await state.rec.forget();
    root.dataset.saved = 'true';
    updateEventCount();
    refreshStrips();
    say('Done: your events, your model and your cart were erased from this browser.');
    root.dataset.forgotten = 'true';
  } catch (e) {
    say(`Could not erase everything: ${e.message}`);
  } finally {
    btn.disabled = false;
  }
}

/** A new Recommender on the same data and this shopper's store (after the worker saved a fine-tuned model). */
async function reopen() {
  const { Recommender } = alsobuy;
  if (state.pack) return Recommender.open({ pack: state.pack });
  const rec = await Recommender.open();
  rec.setCatalog(state.catalog);
  return rec;
}

function setupTraining() {
  const btn = $('train');
  if (!trainingAvailable(state.rec)) {
    btn.disabled = true;
    btn.title = 'This page cannot fine-tune (no recommender, or no Web Workers).';
    btn.textContent = 'Train now (unavailable)';
    return;
  }
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    const bar = $('train-progress');
    $('train-box').hidden = false;
    bar.value = 0;
    root.dataset.training = 'running';
    say('Fine-tuning on your activity in a background worker…');
    performance.mark('alsobuy:train-start');
    try {
      await flushing;
      await state.rec.flush();
      const job = { pack: state.pack ?? undefined, catalog: state.pack ? undefined : state.catalog, epochs: 5 };
      $('train-label').textContent = 'Training… 0%';
      await trainInWorker(job, (f) => {
        if (typeof f !== 'number') return;
        bar.value = f;
        bar.textContent = `${Math.round(f * 100)}%`;
        $('train-label').textContent = `Training… ${Math.round(f * 100)}%`;
      });
      performance.mark('alsobuy:train-end');
      bar.value = 1;
      // Pick up the fine-tuned model the worker stored (same pack bytes or catalogue, this shopper's store).
      const old = state.rec;
      const rec = await reopen();
      useRecommender(rec);
      old.free();
      // What the engine reports about the model it loaded (the worker saved it in IndexedDB).
      const model = rec.stats().model;
      root.dataset.model = model.personal ? 'personal' : model.loaded ? 'pack' : 'none';
      $('train-label').textContent = 'Fine-tuned';
      say('Your personal model is fine-tuned. It stays in this browser.');
      root.dataset.training = 'done';
    } catch (e) {
      $('train-label').textContent = 'Not trained';
      say(`Training failed: ${e.message}`);
      root.dataset.training = 'error';
    } finally {
      if (!performance.getEntriesByName('alsobuy:train-end').length) performance.mark('alsobuy:train-end');
      btn.disabled = false;
    }
  });
}

// ---------- boot ----------

function selfCheck() {
  const out = $('cosine-result');
  if (typeof alsobuy.cosine === 'function') {
    out.textContent = alsobuy.cosine(new Float32Array([1, 2, 3]), new Float32Array([2, 4, 6.5])).toFixed(4);
  } else out.textContent = 'n/a';
  out.dataset.ready = 'true';
}

function wire() {
  const form = $('search-form');
  const input = $('search');
  let timer;
  let recorded = '';
  const search = (commit) => {
    state.query = input.value;
    if (state.current) location.hash = '#/';
    renderList();
    const q = input.value.trim();
    clearTimeout(timer);
    const rec = () => { if (q.length >= 2 && q !== recorded) { recorded = q; record({ kind: 'search', query: q }); } };
    if (commit) rec(); else timer = setTimeout(rec, 800);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); search(true); });
  input.addEventListener('input', () => search(false));
  $('cart-toggle').addEventListener('click', () => setCartOpen(!document.body.classList.contains('cart-open')));
  $('cart-close').addEventListener('click', () => setCartOpen(false));
  $('scrim').addEventListener('click', () => setCartOpen(false));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') setCartOpen(false); });
  $('checkout').addEventListener('click', checkout);
  $('forget').addEventListener('click', forgetMe);
  cart.addEventListener('change', renderCart);
  window.addEventListener('hashchange', route);
  document.addEventListener('alsobuy:error', (e) => console.warn(`alsobuy: ${e.detail.message}`));
}

async function boot() {
  wire();
  await ensureInit();
  selfCheck();
  const overrideUrl = catalogOverrideUrl();
  const override = overrideUrl ? await fetchJson(overrideUrl) : null;
  if (engineAvailable()) {
    try {
      const loaded = await loadRecommender(override ? { catalog: override } : {});
      setCatalog(loaded.catalog);
      state.pack = loaded.pack;
      state.source = loaded.source;
      useRecommender(loaded.rec);
      const st = loaded.rec.stats();
      $('engine-source').textContent = `${loaded.source === 'pack' ? 'the shop’s aggregated pack' : 'catalogue only, learning from your events'}, storage: ${st.persistence}`;
      if (st.persistence !== 'indexeddb') say(`Your activity is kept in memory only${st.storageNote ? ` (${st.storageNote})` : ''}.`);
    } catch (e) {
      console.warn(`alsobuy: engine failed to start: ${e.message}`);
      say('Suggestions are unavailable right now; the shop still works.');
    }
  }
  if (!state.rec) {
    const manifest = await fetchJson('data/manifest.json');
    setCatalog(override ?? await fetchJson(new URL(manifest.catalog, new URL('data/', location.href))));
    for (const s of Object.values(strips)) s.hidden = true;
    $('event-count-line').hidden = true;
    $('forget').disabled = false;
    $('engine-source').textContent = 'not in this build (the shop works without suggestions)';
  }
  root.dataset.engine = state.rec ? state.source : 'none';
  setupTraining();
  renderList();
  renderCart();
  route();
  root.dataset.saved = root.dataset.saved ?? 'true';
  root.dataset.ready = 'true';
  booted = true;
}

boot().catch((e) => {
  say(`The shop could not start: ${e.message}`);
  console.error(e);
});

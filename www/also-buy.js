// <also-buy>: a framework-agnostic custom element showing "Customers also buy" suggestions from alsobuy.
//
//   <script type="module" src="/also-buy.js"></script>
//   <also-buy for="whole milk" limit="6"></also-buy>
//
// Attributes (all live): for (the item being viewed), cart (a JSON array of ids, or whitespace-separated ids when
// no id contains a space), limit (k, default 6), include / exclude (JSON arrays or whitespace-separated category
// prefixes), heading (the strip's title; empty hides it), link (a URL template such as "#/item/{id}": suggestions
// become links; without it they are buttons), currency (ISO code for prices, default EUR), no-feedback (do not
// record a `click` event when a suggestion is chosen), external (never load the shared Recommender: the page sets
// the `recommender` property itself).
// Properties: recommender (a Recommender to use instead of the shared one), cart (array), refresh().
// Events: `alsobuy:click` ({ detail: { item, rank, reasons } }, bubbles, composed, cancelable — cancel it to stop
// a link from navigating), `alsobuy:render` ({ detail: { items } }), `alsobuy:error` ({ detail: { message } }).
// Styling: CSS custom properties --alsobuy-accent, --alsobuy-text, --alsobuy-muted, --alsobuy-card-bg,
// --alsobuy-border, --alsobuy-radius, --alsobuy-card-width, --alsobuy-gap, --alsobuy-font; parts: container,
// heading, list, item, link, image, name, price, reasons, reason, empty.
// The element initialises lazily: nothing is loaded or computed before it scrolls into view.
//
// This file holds no recommender logic: scores, ranking, filtering and reasons all come from the package.
import init, * as alsobuy from '/pkg/alsobuy.js';

let initOnce;
/** Initialises the wasm module once per page (wasm-bindgen's init is idempotent, this just shares the promise). */
export function ensureInit() {
  initOnce ??= init();
  return initOnce;
}

/** True when the package in /pkg exports the Recommender of docs/js-api.md. */
export function engineAvailable() {
  return typeof alsobuy.Recommender === 'function';
}

const defaults = { manifest: 'data/manifest.json', namespace: undefined };
let sharedPromise;

/** Sets where the shared Recommender loads its data from (call before the first element becomes visible). */
export function configure({ manifest, namespace } = {}) {
  if (manifest !== undefined) defaults.manifest = manifest;
  if (namespace !== undefined) defaults.namespace = namespace;
}

async function fetchJson(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Opens a Recommender the way the demo does: the shop's pack (named in the manifest) plus this shopper's events
 * from IndexedDB; without a pack, the catalogue JSON is set on an opened (persistent) instance; without IndexedDB
 * support in the engine, an in-memory instance. `catalog` (an array) overrides the manifest's catalogue and skips
 * the pack. Returns { rec, source: 'pack' | 'catalog', catalog, pack: Uint8Array | null }.
 */
export async function loadRecommender({ manifest = defaults.manifest, namespace = defaults.namespace, catalog } = {}) {
  await ensureInit();
  if (!engineAvailable()) throw new Error('this build of /pkg/alsobuy.js has no Recommender');
  const { Recommender } = alsobuy;
  const base = new URL(manifest, document.baseURI);
  const m = await fetchJson(base);
  const items = catalog ?? (await fetchJson(new URL(m.catalog ?? 'catalog.json', base)));
  const opts = namespace ? { namespace } : {};
  if (!catalog && m.pack) {
    const res = await fetch(new URL(m.pack, base), { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${m.pack}: HTTP ${res.status}`);
    const pack = new Uint8Array(await res.arrayBuffer());
    return { rec: await Recommender.open({ ...opts, pack }), source: 'pack', catalog: items, pack };
  }
  let rec;
  try {
    rec = await Recommender.open(opts);
  } catch (e) {
    console.warn(`alsobuy: persistent store unavailable (${e.message}); using memory`);
    rec = new Recommender();
  }
  rec.setCatalog(items);
  return { rec, source: 'catalog', catalog: items, pack: null };
}

/** The Recommender shared by every <also-buy> without its own `recommender` property (created on first use). */
export function sharedRecommender() {
  sharedPromise ??= loadRecommender().then(({ rec }) => rec);
  return sharedPromise;
}

/**
 * The display text of one reason: `nameOf(id)` gives an item's display name.
 * bought_with → "often bought with X", similar_to → "similar to X", and so on (docs/js-api.md).
 */
export function reasonText(reason, nameOf = (id) => id) {
  const name = reason.item !== undefined ? nameOf(reason.item) : undefined;
  switch (reason.kind) {
    case 'bought_with': return name ? `Often bought with ${name}` : 'Often bought together';
    case 'similar_to': return name ? `Similar to ${name}` : 'Similar to what you viewed';
    case 'matches_your_interest': return 'Matches your interests';
    case 'bought_before': return 'You bought this before';
    case 'popular': return 'Popular';
    case 'learned': return 'Picked for you';
    default: return String(reason.kind);
  }
}

/** The bundled illustration for an item's top-level category. */
export function imageFor(item) {
  const level1 = String(item?.category ?? '').split('/')[0].trim().toLowerCase();
  const slug = level1.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const known = ['meat-and-sausage', 'fruit-and-vegetables', 'fresh-products', 'processed-food', 'canned-food', 'drinks',
    'snacks-and-candies', 'detergent', 'perfumery', 'non-food'];
  return new URL(`img/cat-${known.includes(slug) ? slug : 'other'}.svg`, import.meta.url).href;
}

/** Splits a list attribute: a JSON array, or whitespace-separated tokens. */
export function parseList(value) {
  if (value === null || value === undefined) return [];
  const v = String(value).trim();
  if (!v) return [];
  if (v.startsWith('[')) {
    try {
      const a = JSON.parse(v);
      if (Array.isArray(a)) return a.map(String);
    } catch { /* fall through: treat as tokens */ }
  }
  return v.split(/\s+/);
}

const CSS = `
:host { display: block; font-family: var(--alsobuy-font, inherit); color: var(--alsobuy-text, #1f2a24); }
:host([hidden]) { display: none; }
.wrap { display: grid; grid-template-columns: minmax(0, 1fr); gap: .75rem; }
h2 { margin: 0; font-size: 1.05rem; font-weight: 650; letter-spacing: -.01em; }
ul { list-style: none; margin: 0; padding: .25rem .1rem .5rem; display: grid; grid-auto-flow: column;
  grid-auto-columns: var(--alsobuy-card-width, 9.5rem); gap: var(--alsobuy-gap, .75rem); overflow-x: auto;
  scroll-snap-type: x proximity; }
li { scroll-snap-align: start; display: flex; }
.card { all: unset; box-sizing: border-box; cursor: pointer; display: flex; flex-direction: column; gap: .3rem;
  width: 100%; padding: .5rem .5rem .65rem; border-radius: var(--alsobuy-radius, 12px);
  background: var(--alsobuy-card-bg, #fff); border: 1px solid var(--alsobuy-border, #e3e8e4);
  transition: border-color .15s, box-shadow .15s, transform .15s; }
.card:hover { border-color: var(--alsobuy-accent, #2f7d4f); box-shadow: 0 4px 14px rgb(0 0 0 / .07); transform: translateY(-1px); }
.card:focus-visible { outline: 3px solid var(--alsobuy-accent, #2f7d4f); outline-offset: 2px; }
img { width: 100%; aspect-ratio: 4 / 3; object-fit: cover; border-radius: calc(var(--alsobuy-radius, 12px) - 4px); display: block; }
.name { font-weight: 600; font-size: .9rem; line-height: 1.25; overflow-wrap: anywhere; }
.price { font-size: .85rem; font-variant-numeric: tabular-nums; color: var(--alsobuy-text, #1f2a24); }
.reasons { display: flex; flex-direction: column; gap: .15rem; margin-top: auto; }
.reason { font-size: .75rem; line-height: 1.3; color: var(--alsobuy-muted, #5b6b61); }
.reason:first-child { color: var(--alsobuy-accent, #2f7d4f); font-weight: 600; }
.empty { margin: 0; font-size: .85rem; color: var(--alsobuy-muted, #5b6b61); }
.skeleton { height: 10.5rem; border-radius: var(--alsobuy-radius, 12px); background: linear-gradient(90deg, #eef2ef, #f7f9f7, #eef2ef);
  background-size: 200% 100%; animation: shimmer 1.2s infinite linear; }
@keyframes shimmer { to { background-position: -200% 0; } }
@media (prefers-reduced-motion: reduce) { .skeleton { animation: none; } .card { transition: none; } }
`;

let sheet;
function styleInto(root) {
  // A constructed stylesheet: allowed by a strict `style-src 'self'` CSP (no inline <style>).
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  }
}

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

let uid = 0;

/** The `<also-buy>` element. */
export class AlsoBuyElement extends HTMLElement {
  static get observedAttributes() {
    return ['for', 'cart', 'limit', 'include', 'exclude', 'heading', 'link', 'currency'];
  }

  constructor() {
    super();
    this._rec = null;
    this._visible = false;
    this._scheduled = false;
    this._seq = 0;
    this._headingId = `alsobuy-h-${(uid += 1)}`;
    const root = this.attachShadow({ mode: 'open' });
    styleInto(root);
    this._section = el('div', { part: 'container', class: 'wrap' }); // the host is the labelled region
    this._heading = el('h2', { part: 'heading', id: this._headingId });
    this._body = el('div');
    this._body.append(el('div', { class: 'skeleton', 'aria-hidden': 'true' }));
    this._section.append(this._heading, this._body);
    root.append(this._section);
    this._updateHeading();
  }

  /** The Recommender this element asks; defaults to the shared one. */
  get recommender() { return this._rec; }
  set recommender(rec) { this._rec = rec; this._schedule(); }

  /** The cart as an array of ids (reflected to the `cart` attribute as JSON). */
  get cart() { return parseList(this.getAttribute('cart')); }
  set cart(ids) {
    const list = Array.from(ids ?? [], String);
    this.setAttribute('cart', JSON.stringify(list));
  }

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'region');
    this.setAttribute('aria-label', this._headingText() || 'Suggestions');
    if (!this.dataset.state) this.dataset.state = 'idle';
    if (this._visible) { this._schedule(); return; }
    if (typeof IntersectionObserver !== 'function') { this._visible = true; this._schedule(); return; }
    this._io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        this._io?.disconnect();
        this._io = null;
        this._visible = true;
        this._schedule();
      }
    }, { rootMargin: '200px' });
    this._io.observe(this);
  }

  disconnectedCallback() {
    this._io?.disconnect();
    this._io = null;
  }

  attributeChangedCallback(name) {
    if (name === 'heading') this._updateHeading();
    this._schedule();
  }

  /** Asks for suggestions again (call after recording events elsewhere on the page). */
  refresh() { this._schedule(); }

  _headingText() {
    return this.hasAttribute('heading') ? this.getAttribute('heading') : 'Customers also buy';
  }

  _updateHeading() {
    const t = this._headingText();
    this._heading.textContent = t;
    this._heading.hidden = !t;
    if (this.isConnected) this.setAttribute('aria-label', t || 'Suggestions');
  }

  _schedule() {
    if (!this._visible || this._scheduled) return;
    this._scheduled = true;
    queueMicrotask(() => { this._scheduled = false; this._render(); });
  }

  async _render() {
    const seq = (this._seq += 1);
    let rec = this._rec;
    try {
      if (!rec) {
        this.dataset.state = 'loading';
        if (this.hasAttribute('external')) return; // the page will set the `recommender` property
        rec = await sharedRecommender();
        if (seq !== this._seq) return;
      }
      const query = { k: Math.max(1, Math.min(50, Number.parseInt(this.getAttribute('limit') ?? '6', 10) || 6)) };
      const item = this.getAttribute('for');
      if (item) query.item = item;
      const cart = this.cart;
      if (cart.length) query.cart = cart;
      const include = parseList(this.getAttribute('include'));
      if (include.length) query.include = include;
      const exclude = parseList(this.getAttribute('exclude'));
      if (exclude.length) query.exclude = exclude;
      const suggestions = rec.alsoBuy(query);
      this._show(rec, suggestions);
    } catch (e) {
      if (seq !== this._seq) return;
      this.dataset.state = 'error';
      this._body.replaceChildren(el('p', { part: 'empty', class: 'empty' }, 'Suggestions are unavailable right now.'));
      this.dispatchEvent(new CustomEvent('alsobuy:error', { detail: { message: String(e?.message ?? e) }, bubbles: true, composed: true }));
    }
  }

  _show(rec, suggestions) {
    const nameOf = (id) => rec.item(id)?.name ?? id;
    const currency = this.getAttribute('currency') || 'EUR';
    let fmt;
    try { fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency }); } catch { fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }); }
    const link = this.getAttribute('link');
    if (!suggestions.length) {
      this.dataset.state = 'empty';
      this._body.replaceChildren(el('p', { part: 'empty', class: 'empty' }, 'No suggestions yet — look around the shop.'));
    } else {
      const list = el('ul', { part: 'list', role: 'list' });
      suggestions.forEach((s, rank) => {
        const info = rec.item(s.item) ?? { id: s.item };
        const name = info.name ?? s.item;
        const li = el('li', { part: 'item', 'data-testid': 'suggestion', 'data-item-id': s.item });
        const card = link
          ? el('a', { part: 'link', class: 'card', href: link.replaceAll('{id}', encodeURIComponent(s.item)) })
          : el('button', { part: 'link', class: 'card', type: 'button' });
        const img = el('img', { part: 'image', src: imageFor(info), alt: `${name} (illustration)`, width: '160', height: '120' });
        const reasons = el('span', { part: 'reasons', class: 'reasons' });
        const sorted = [...s.reasons].sort((a, b) => b.share - a.share);
        const shown = sorted.filter((r, i) => i === 0 || r.share >= 0.2).slice(0, 2);
        for (const r of shown) {
          const span = el('span', { part: 'reason', class: 'reason', 'data-testid': 'reason', 'data-kind': r.kind }, reasonText(r, nameOf));
          reasons.append(span);
        }
        card.title = sorted.map((r) => `${reasonText(r, nameOf)} (${Math.round(r.share * 100)}%)`).join('\n');
        card.append(img, el('span', { part: 'name', class: 'name' }, name));
        if (typeof info.price === 'number') card.append(el('span', { part: 'price', class: 'price' }, fmt.format(info.price)));
        card.append(reasons);
        card.addEventListener('click', (ev) => this._chosen(ev, rec, s, rank));
        li.append(card);
        list.append(li);
      });
      this._body.replaceChildren(list);
      this.dataset.state = 'ready';
    }
    this.dispatchEvent(new CustomEvent('alsobuy:render', { detail: { items: suggestions.map((s) => s.item) }, bubbles: true, composed: true }));
  }

  _chosen(ev, rec, suggestion, rank) {
    const go = this.dispatchEvent(new CustomEvent('alsobuy:click', {
      detail: { item: suggestion.item, rank, reasons: suggestion.reasons }, bubbles: true, composed: true, cancelable: true,
    }));
    if (!go) ev.preventDefault();
    if (!this.hasAttribute('no-feedback')) {
      try { rec.record({ kind: 'click', item: suggestion.item }); } catch (e) { console.warn(`alsobuy: click not recorded: ${e.message}`); }
    }
  }
}

if (!customElements.get('also-buy')) customElements.define('also-buy', AlsoBuyElement);

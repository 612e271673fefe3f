// DOM helpers. Data is only ever set with textContent / setAttribute, never parsed as HTML.

/** Creates an element with attributes and optional text or children. */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
/** "€1.29". */
export function formatPrice(p) {
  return typeof p === 'number' && Number.isFinite(p) ? money.format(p) : '';
}

/** "fresh products/whole milk" → ["Fresh products", "Whole milk"]. */
export function categoryLevels(category) {
  return String(category ?? '').split('/').map((s) => s.trim()).filter(Boolean)
    .map((s) => s[0].toUpperCase() + s.slice(1));
}

/** The route of an item's detail view. */
export function itemHref(id) {
  return `#/item/${encodeURIComponent(id)}`;
}

// The cart: lines { id, qty } kept in localStorage so they survive a reload. The shopper's events (and so the
// personalisation) live in the engine's IndexedDB store; the cart is page state and stays here. "Forget me" clears
// both. Nothing in this file knows about suggestions.

export const CART_KEY = 'alsobuy-demo:cart';

function read() {
  try {
    const raw = localStorage.getItem(CART_KEY);
    const lines = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(lines)) return [];
    return lines
      .filter((l) => l && typeof l.id === 'string' && Number.isInteger(l.qty) && l.qty > 0)
      .map((l) => ({ id: l.id, qty: Math.min(l.qty, 99) }));
  } catch {
    return []; // corrupted or blocked storage: start with an empty cart
  }
}

/** A small observable cart. */
export class Cart extends EventTarget {
  constructor() {
    super();
    this.lines = read();
  }

  /** The ids in the cart, in insertion order. */
  ids() { return this.lines.map((l) => l.id); }

  has(id) { return this.lines.some((l) => l.id === id); }

  add(id) {
    const line = this.lines.find((l) => l.id === id);
    if (line) line.qty = Math.min(line.qty + 1, 99);
    else this.lines.push({ id, qty: 1 });
    this._changed();
  }

  remove(id) {
    this.lines = this.lines.filter((l) => l.id !== id);
    this._changed();
  }

  clear() {
    this.lines = [];
    this._changed();
  }

  /** Forgets the cart entirely: the localStorage key is removed, not just emptied. */
  forget() {
    this.lines = [];
    try { localStorage.removeItem(CART_KEY); } catch { /* storage blocked: nothing stored either */ }
    this.dispatchEvent(new Event('change'));
  }

  _changed() {
    try {
      if (this.lines.length) localStorage.setItem(CART_KEY, JSON.stringify(this.lines));
      else localStorage.removeItem(CART_KEY);
    } catch { /* quota or blocked storage: the cart still works for this page load */ }
    this.dispatchEvent(new Event('change'));
  }
}

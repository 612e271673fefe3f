// Rendering of the product grid, the category chips, the detail view and the cart lines.
import { h, formatPrice, categoryLevels, itemHref } from './dom.js';
import { imageFor } from '../also-buy.js';

function stockBadge(item) {
  return item.inStock === false ? h('span', { class: 'stock out' }, 'Out of stock') : h('span', { class: 'stock in' }, 'In stock');
}

function addButton(item, onAdd, extraClass = '') {
  const out = item.inStock === false;
  return h('button', {
    type: 'button',
    class: `btn btn-primary ${extraClass}`,
    'data-testid': 'add-to-cart',
    'data-item-id': item.id,
    disabled: out,
    'aria-label': out ? `${item.name ?? item.id} is out of stock` : `Add ${item.name ?? item.id} to cart`,
    onclick: () => onAdd(item.id),
  }, out ? 'Sold out' : 'Add to cart');
}

/** One product card. */
export function productCard(item, onAdd) {
  const name = item.name ?? item.id;
  const [level1, level2] = categoryLevels(item.category);
  return h('li', {},
    h('article', { class: 'card', 'data-testid': 'product', 'data-item-id': item.id },
      h('a', { class: 'card-media', href: itemHref(item.id), tabindex: '-1', 'aria-hidden': 'true' },
        h('img', { src: imageFor(item), alt: `${name} (illustration)`, width: 160, height: 120 })),
      h('div', { class: 'card-body' },
        h('p', { class: 'card-cat' }, level2 ?? level1 ?? ''),
        h('h3', { class: 'card-title' }, h('a', { href: itemHref(item.id), 'data-testid': 'product-link' }, name)),
        h('div', { class: 'card-foot' },
          h('span', { class: 'price' }, formatPrice(item.price)),
          item.inStock === false ? stockBadge(item) : null),
        addButton(item, onAdd, 'btn-block'))));
}

/** The category chips ("All" + each level1 with its count). */
export function renderChips(container, catalog, active, onPick) {
  const counts = new Map();
  for (const it of catalog) {
    const l1 = categoryLevels(it.category)[0] ?? 'Other';
    counts.set(l1, (counts.get(l1) ?? 0) + 1);
  }
  const chip = (label, value, n) => h('button', {
    type: 'button', class: 'chip', 'aria-pressed': String(active === value), 'data-category': value ?? '',
    onclick: () => onPick(value),
  }, label, h('span', { class: 'chip-n' }, String(n)));
  container.replaceChildren(chip('All', null, catalog.length),
    ...[...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([l1, n]) => chip(l1, l1, n)));
}

/** The detail view of one product. */
export function renderDetail(container, item, onAdd) {
  const name = item.name ?? item.id;
  const levels = categoryLevels(item.category);
  container.replaceChildren(
    h('div', { class: 'detail-media' }, h('img', { src: imageFor(item), alt: `${name} (illustration)`, width: 480, height: 360 })),
    h('div', { class: 'detail-body' },
      h('p', { class: 'crumbs' }, levels.join(' › ')),
      h('h1', { class: 'detail-title', 'data-testid': 'detail-title', tabindex: '-1' }, name),
      h('p', { class: 'detail-price' }, formatPrice(item.price)),
      stockBadge(item),
      (item.tags?.length ? h('p', { class: 'muted' }, `Tags: ${item.tags.join(', ')}`) : null),
      addButton(item, onAdd, 'btn-large'),
      h('p', { class: 'muted small' }, 'Price is illustrative (synthetic), see the footer.')));
}

/** The "not found" detail view. */
export function renderMissing(container, id) {
  container.replaceChildren(h('div', { class: 'detail-body' },
    h('h1', { class: 'detail-title' }, 'Product not found'),
    h('p', { class: 'muted' }, `We have no product called “${id}”.`)));
}

/** The cart lines. */
export function renderCartLines(container, lines, byId, onRemove) {
  container.replaceChildren(...lines.map(({ id, qty }) => {
    const item = byId.get(id) ?? { id };
    const name = item.name ?? id;
    return h('li', { class: 'cart-line', 'data-testid': 'cart-item', 'data-item-id': id },
      h('img', { src: imageFor(item), alt: `${name} (illustration)`, width: 48, height: 36 }),
      h('div', { class: 'cart-line-text' },
        h('a', { href: itemHref(id), class: 'cart-line-name' }, name),
        h('span', { class: 'muted small' }, `${qty} × ${formatPrice(item.price)}`)),
      h('button', {
        type: 'button', class: 'btn btn-ghost btn-icon', 'data-testid': 'remove-from-cart', 'data-item-id': id,
        'aria-label': `Remove ${name} from cart`, onclick: () => onRemove(id),
      }, '✕'));
  }));
}

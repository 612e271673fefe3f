// Helpers for the shop and widget tests (the page's own hooks: data-testid attributes and <html data-*> flags).
import assert from 'node:assert/strict';

/** Opens a fresh browser context (its own storage) and the page at `path`, recording problems and every request. */
export async function openShop(browser, url, path = '', { viewport = { width: 1280, height: 900 }, before } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  const dialogs = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  context.on('request', (r) => requests.push(r.url())); // the context sees workers' requests too
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  if (before) await before(page);
  await page.goto(new URL(path, url).href);
  return { context, page, problems, requests, dialogs };
}

/** Waits until the shop booted with a working engine (a pack or the catalogue fallback). */
export async function shopReady(page) {
  await page.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 30000 });
  const engine = await page.evaluate(() => document.documentElement.dataset.engine);
  assert.notEqual(engine, 'none', 'the shop started without the alsobuy Recommender');
  return engine;
}

/** Waits until every recorded event is stored (the page sets data-saved after rec.flush()). */
export async function saved(page) {
  await page.locator('html[data-saved="true"]').waitFor({ state: 'attached', timeout: 15000 });
}

/** Ids of the products whose add-to-cart button is enabled, in grid order. */
export async function inStockIds(page) {
  return page.locator('#grid [data-testid="add-to-cart"]:not([disabled])')
    .evaluateAll((bs) => bs.map((b) => b.dataset.itemId));
}

/** Clicks the grid's add-to-cart button of `id`. */
export async function addToCart(page, id) {
  const before = await page.getByTestId('cart-item').count();
  await page.locator(`#grid [data-testid="product"][data-item-id="${cssString(id)}"] [data-testid="add-to-cart"]`).click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="cart-item"]').length > n, before);
}

/** The ids in the cart. */
export async function cartIds(page) {
  return page.getByTestId('cart-item').evaluateAll((ls) => ls.map((l) => l.dataset.itemId));
}

/** Waits for the <also-buy> strip `#id` to render (suggestions or none) and returns [{ id, reasons: [text] }]. */
export async function strip(page, id) {
  const host = page.locator(`also-buy#${id}`);
  await host.scrollIntoViewIfNeeded();
  await page.locator(`also-buy#${id}[data-state="ready"], also-buy#${id}[data-state="empty"]`)
    .waitFor({ state: 'attached', timeout: 20000 });
  return host.evaluate((el) => [...el.shadowRoot.querySelectorAll('[data-testid="suggestion"]')].map((s) => ({
    id: s.dataset.itemId,
    reasons: [...s.querySelectorAll('[data-testid="reason"]')].map((r) => r.textContent.trim()),
  })));
}

/** Navigates to an item's detail view through the hash route. */
export async function viewItem(page, id) {
  await page.evaluate((h) => { location.hash = h; }, `#/item/${encodeURIComponent(id)}`);
  await page.locator(`#view-item:not([hidden])`).waitFor();
}

/** Escapes a string for a CSS attribute selector in double quotes. */
export function cssString(s) {
  return s.replace(/["\\]/g, '\\$&');
}

/** Requests that left the page's origin. */
export function foreign(requests, url) {
  const origin = new URL(url).origin;
  return requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
}

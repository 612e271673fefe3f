// The demo shop end to end (issue 6). PENDING until the Recommender of docs/js-api.md is in pkg/: rename to
// shop.test.mjs then (node --test only picks up *.test.mjs here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, ARTIFACTS } from './helpers.mjs';
import {
  openShop, shopReady, saved, inStockIds, addToCart, cartIds, strip, viewItem, foreign,
} from './page-helpers.mjs';

const catalog = JSON.parse(readFileSync(new URL('../../www/data/catalog.json', import.meta.url), 'utf8'));
const outOfStock = new Set(catalog.filter((i) => i.inStock === false).map((i) => i.id));

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

function assertGoodSuggestions(list, forbidden, where) {
  assert.ok(list.length > 0, `${where}: no suggestions`);
  for (const s of list) {
    assert.ok(!forbidden.has(s.id), `${where}: suggests ${JSON.stringify(s.id)}, which is in the cart or being viewed`);
    assert.ok(!outOfStock.has(s.id), `${where}: suggests out-of-stock ${JSON.stringify(s.id)}`);
    assert.ok(s.reasons.length > 0 && s.reasons.every((r) => r.length > 0), `${where}: ${s.id} shows no reason`);
  }
  assert.equal(new Set(list.map((s) => s.id)).size, list.length, `${where}: duplicate suggestions`);
}

test('adding to the cart shows suggestions with reasons, never cart items', async () => {
  const { context, page, problems, requests } = await openShop(env.browser, env.url);
  await shopReady(page);
  const ids = await inStockIds(page);
  assert.ok(ids.length >= 3, 'the grid shows products with an add-to-cart button');
  const want = [ids[0], ids.find((id) => /milk/i.test(id)) ?? ids[1]];
  for (const id of want) await addToCart(page, id);
  assert.deepEqual(await cartIds(page), want);

  const inCart = new Set(want);
  assertGoodSuggestions(await strip(page, 'cart-strip'), inCart, 'cart strip');
  assertGoodSuggestions(await strip(page, 'for-you'), inCart, 'for-you strip');
  const reasonKinds = await page.locator('also-buy#cart-strip').evaluate((el) =>
    [...el.shadowRoot.querySelectorAll('[data-testid="reason"]')].map((r) => r.dataset.kind));
  assert.ok(reasonKinds.length > 0, 'reasons carry their kind');

  // The detail view: its own strip never shows the viewed item or a cart item.
  const viewed = ids[2];
  await viewItem(page, viewed);
  assertGoodSuggestions(await strip(page, 'item-strip'), new Set([...want, viewed]), 'item strip');
  await page.screenshot({ path: `${ARTIFACTS}shop-item.png` });

  // Removing a line updates the cart (and records remove_from_cart).
  const eventsBefore = Number(await page.getByTestId('event-count').textContent());
  await page.locator(`[data-testid="cart-item"][data-item-id="${want[0]}"] [data-testid="remove-from-cart"]`).click();
  assert.deepEqual(await cartIds(page), [want[1]]);
  assert.ok(Number(await page.getByTestId('event-count').textContent()) > eventsBefore, 'removal recorded as an event');
  assertGoodSuggestions(await strip(page, 'cart-strip'), new Set([want[1]]), 'cart strip after removal');

  await page.evaluate(() => { location.hash = '#/'; });
  await page.locator('#view-list:not([hidden])').waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${ARTIFACTS}shop.png` });
  await page.emulateMedia({ reducedMotion: 'reduce' }); // no drawer transition mid-screenshot
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${ARTIFACTS}shop-mobile.png` });
  assert.deepEqual(problems, []);
  assert.deepEqual(foreign(requests, env.url), [], 'every request stays on the page origin');
  await context.close();
});

test('cart and personalisation survive a reload', async () => {
  const { context, page, problems } = await openShop(env.browser, env.url);
  await shopReady(page);
  const ids = await inStockIds(page);
  const dairy = catalog.filter((i) => i.category.startsWith('fresh products/') && i.inStock !== false).map((i) => i.id);
  for (const id of dairy.slice(0, 4)) await viewItem(page, id);
  await page.evaluate(() => { location.hash = '#/'; });
  await addToCart(page, ids[0]);
  await saved(page);
  const events = Number(await page.getByTestId('event-count').textContent());
  assert.ok(events >= 5, `events were recorded (shown: ${events})`);
  const cart = await cartIds(page);
  const forYou = await strip(page, 'for-you');

  await page.reload();
  await shopReady(page);
  assert.deepEqual(await cartIds(page), cart, 'the cart survived the reload');
  assert.equal(Number(await page.getByTestId('event-count').textContent()), events, 'every event survived the reload');
  // Same suggestions (as a set: time decay between the two moments may reorder near-ties).
  const sorted = (l) => l.map((x) => x.id).sort();
  assert.deepEqual(sorted(await strip(page, 'for-you')), sorted(forYou), 'the personalised strip is the same after the reload');

  // Personalisation: a new visitor with the same cart but no history sees a different "for you" strip.
  const fresh = await openShop(env.browser, env.url);
  await shopReady(fresh.page);
  await addToCart(fresh.page, ids[0]);
  const anonymous = await strip(fresh.page, 'for-you');
  assert.notDeepEqual(anonymous.map((s) => s.id), forYou.map((s) => s.id),
    'four viewed dairy products changed nothing: the shopper\'s events do not personalise');
  assert.deepEqual(problems, []);
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  await context.close();
});

test('"forget me" leaves no alsobuy storage behind', async () => {
  const { context, page, problems } = await openShop(env.browser, env.url);
  await shopReady(page);
  const ids = await inStockIds(page);
  await viewItem(page, ids[1]);
  await page.evaluate(() => { location.hash = '#/'; });
  await addToCart(page, ids[0]);
  await page.getByTestId('search').fill('cheese');
  await page.getByTestId('search').press('Enter');
  await saved(page);
  const storedBefore = await page.evaluate(async () => ({
    dbs: (await indexedDB.databases()).map((d) => d.name).filter((n) => /alsobuy/i.test(n)),
    keys: Object.keys(localStorage).filter((k) => /alsobuy/i.test(k)),
  }));
  assert.ok(storedBefore.dbs.length > 0, 'the engine stored events in IndexedDB before "forget me"');
  assert.ok(storedBefore.keys.length > 0, 'the cart was in localStorage before "forget me"');

  await page.getByTestId('forget-me').click();
  await page.locator('html[data-forgotten="true"]').waitFor({ state: 'attached', timeout: 15000 });
  const storedAfter = await page.evaluate(async () => ({
    dbs: (await indexedDB.databases()).map((d) => d.name).filter((n) => /alsobuy/i.test(n)),
    keys: Object.keys(localStorage).filter((k) => /alsobuy/i.test(k)),
  }));
  assert.deepEqual(storedAfter, { dbs: [], keys: [] }, 'storage is empty after "forget me"');
  assert.equal(await page.getByTestId('cart-item').count(), 0, 'the cart is empty');
  assert.equal(await page.getByTestId('event-count').textContent(), '0', 'no events are left');
  assert.deepEqual(problems, []);
  await context.close();
});

test('no request leaves the origin, and the CSP forbids it', async () => {
  const { context, page, problems, requests } = await openShop(env.browser, env.url);
  const doc = await page.request.get(env.url);
  const csp = doc.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  await shopReady(page);
  const ids = await inStockIds(page);
  await page.getByTestId('search').fill('bread');
  await page.getByTestId('search').press('Enter');
  await page.locator('.chip').nth(3).click();
  await page.locator('.chip').first().click();
  await page.getByTestId('search').fill('');
  await page.getByTestId('search').press('Enter');
  await addToCart(page, ids[0]);
  await viewItem(page, ids[1]);
  await strip(page, 'item-strip');
  await page.getByTestId('checkout').click();
  await page.getByTestId('forget-me').click();
  await page.locator('html[data-forgotten="true"]').waitFor({ state: 'attached' });
  // An attempt to reach another origin from the page is refused by the CSP.
  const blocked = await page.evaluate(() => fetch('https://example.com/').then(() => false, () => true));
  assert.ok(blocked, 'a cross-origin fetch is refused');
  assert.deepEqual(foreign(requests, env.url).filter((u) => u !== 'https://example.com/'), []);
  assert.deepEqual(problems.filter((p) => !/example\.com|Content Security Policy/i.test(p)), []);
  await context.close();
});

test('a hostile product name renders as text', async () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const hostile2 = '"><script>alert(2)</script>';
  const fixture = [
    { id: hostile, name: hostile, category: 'fresh products/dairy produce', price: 1.5 },
    { id: 'plain milk', name: hostile2, category: 'fresh products/dairy produce', price: 0.99 },
    { id: 'bread', name: 'Bread', category: 'processed food/bread and backed goods', price: 1.2 },
    { id: 'butter', name: 'Butter', category: 'fresh products/dairy produce', price: 2.1 },
  ];
  const { context, page, problems, requests, dialogs } = await openShop(env.browser, env.url, '?catalog=/test-fixtures/hostile.json', {
    before: (p) => p.route((u) => u.pathname === '/test-fixtures/hostile.json', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(fixture) })),
  });
  await shopReady(page);
  const card = page.locator('[data-testid="product"]').first();
  assert.equal(await card.getAttribute('data-item-id'), hostile);
  assert.equal((await card.locator('.card-title').textContent()).trim(), hostile);
  await addToCart(page, hostile);
  assert.ok((await page.getByTestId('cart-item').first().textContent()).includes(hostile), 'the cart line shows the characters');
  await viewItem(page, hostile);
  assert.equal(await page.getByTestId('detail-title').textContent(), hostile);
  await viewItem(page, 'plain milk');
  assert.equal(await page.getByTestId('detail-title').textContent(), hostile2);
  await strip(page, 'item-strip');
  // Nothing was parsed as markup, in the document or in any shadow root (Playwright's CSS engine pierces both).
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.locator('script:not([src])').count(), 0);
  assert.deepEqual(dialogs, [], 'no alert() ran');
  assert.deepEqual(problems, []);
  assert.deepEqual(foreign(requests, env.url), []);
  await context.close();
});

// The <also-buy> element on a bare HTML page (issue 6). PENDING until the Recommender of docs/js-api.md is in
// pkg/: rename to widget.test.mjs then (node --test only picks up *.test.mjs here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, ARTIFACTS } from './helpers.mjs';
import { openShop, foreign } from './page-helpers.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const suggestions = (page) => page.locator('also-buy#widget').evaluate((el) =>
  [...el.shadowRoot.querySelectorAll('[data-testid="suggestion"]')].map((s) => ({
    id: s.dataset.itemId,
    reasons: [...s.querySelectorAll('[data-testid="reason"]')].map((r) => r.textContent.trim()),
    alt: s.querySelector('img')?.getAttribute('alt') ?? '',
    focusable: s.querySelector('button, a[href]') !== null,
  })));

test('the widget works on a bare page: lazy, accessible, live attributes, events, theming', async () => {
  const { context, page, problems, requests } = await openShop(env.browser, env.url, 'widget-demo.html',
    { viewport: { width: 900, height: 700 } });
  const widget = page.locator('also-buy#widget');
  await widget.waitFor({ state: 'attached' });
  await page.waitForTimeout(500);
  // Lazy: below the fold, nothing is loaded or computed yet.
  assert.equal(await widget.getAttribute('data-state'), 'idle', 'the widget waits until it is scrolled into view');
  assert.deepEqual(requests.filter((u) => /\.wasm$|\.pack$|catalog\.json$|manifest\.json$/.test(u)), [],
    'no engine or data download before the widget is visible');

  await widget.scrollIntoViewIfNeeded();
  await page.locator('also-buy#widget[data-state="ready"]').waitFor({ state: 'attached', timeout: 30000 });
  let list = await suggestions(page);
  assert.ok(list.length >= 1 && list.length <= 4, `limit="4" respected (got ${list.length})`);
  for (const s of list) {
    assert.ok(!['whole milk', 'rolls/buns'].includes(s.id), `suggests ${s.id}, the viewed or a cart item`);
    assert.ok(s.reasons.length > 0 && s.reasons.every(Boolean), `${s.id} shows why`);
    assert.ok(s.alt.length > 0, `${s.id}'s image has alt text`);
    assert.ok(s.focusable, `${s.id} is keyboard focusable`);
  }
  // List semantics and a labelled region.
  assert.equal(await widget.evaluate((el) => el.shadowRoot.querySelector('ul')?.getAttribute('role')), 'list');
  assert.ok((await widget.getAttribute('aria-label'))?.length > 0);

  // Keyboard: Tab reaches the first suggestion, Enter fires alsobuy:click (the page shows the item).
  await widget.evaluate((el) => el.shadowRoot.querySelector('[data-testid="suggestion"] button, [data-testid="suggestion"] a').focus());
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.getElementById('last-click').textContent === id, list[0].id);

  // Theming: ::part and custom properties from the host page reach the shadow tree.
  const look = await widget.evaluate((el) => ({
    heading: getComputedStyle(el.shadowRoot.querySelector('h2')).fontFamily,
    accent: getComputedStyle(el.shadowRoot.querySelector('[data-testid="reason"]')).color,
  }));
  assert.match(look.heading, /Georgia|DejaVu Serif/);
  assert.equal(look.accent, 'rgb(122, 62, 157)');
  await widget.screenshot({ path: `${ARTIFACTS}widget.png` });

  // Live attributes: a new `for`, a new `cart`, a new `limit` re-render at once.
  await widget.evaluate((el) => { el.setAttribute('heading', 'Goes well with beef'); el.setAttribute('for', 'beef'); el.setAttribute('cart', '["whole milk"]'); el.setAttribute('limit', '2'); });
  await page.waitForFunction(() => {
    const el = document.getElementById('widget');
    return el.dataset.state === 'ready' && el.shadowRoot.querySelectorAll('[data-testid="suggestion"]').length <= 2;
  });
  list = await suggestions(page);
  assert.ok(list.length >= 1 && list.length <= 2);
  assert.ok(list.every((s) => s.id !== 'beef' && s.id !== 'whole milk'), 'neither the new item nor the new cart is suggested');

  assert.deepEqual(problems, []);
  assert.deepEqual(foreign(requests, env.url), []);
  await page.screenshot({ path: `${ARTIFACTS}widget-page.png`, fullPage: false });
  await context.close();
});

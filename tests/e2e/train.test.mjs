// "Train now" fine-tunes in the Web Worker while the main thread stays free (issue 6): the progress bar advances,
// the page keeps answering during training, and suggestions still render with reasons afterwards. The page loads
// only the widget's module (no `train`); the worker loads alsobuy/models (pkg/models/) when training starts, and
// the page's `Recommender.open` (widget module) picks up the model the worker saved in IndexedDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, ARTIFACTS } from './helpers.mjs';
import { openShop, shopReady, saved, inStockIds, addToCart, viewItem, strip, foreign } from './page-helpers.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

test('training runs in the worker with progress, and no main-thread task exceeds 200 ms', async () => {
  const { context, page, problems, requests } = await openShop(env.browser, env.url);
  await shopReady(page);
  const ids = await inStockIds(page);
  for (const id of ids.slice(3, 7)) await viewItem(page, id);
  await page.evaluate(() => { location.hash = '#/'; });
  for (const id of ids.slice(0, 3)) await addToCart(page, id);
  await saved(page);

  const train = page.getByTestId('train');
  assert.equal(await train.isEnabled(), true, 'the "train now" button is enabled when the package can train');
  // The shop page runs on the widget's module alone: it has no train() and the second module is not fetched.
  const models = (list) => list.filter((u) => new URL(u).pathname.startsWith('/pkg/models/'));
  assert.ok(requests.some((u) => new URL(u).pathname === '/pkg/alsobuy_bg.wasm'), 'the page loads the widget module');
  assert.deepEqual(models(requests), [], 'the page does not download alsobuy/models before training');
  assert.equal(await page.evaluate(async () => typeof (await import('/pkg/alsobuy.js')).Recommender.prototype.train),
    'undefined', 'the widget module has no train()');

  // Watch long tasks on the main thread from now on (entries are > 50 ms by definition).
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
  const progress = [];
  await page.exposeFunction('__progress', (v) => progress.push(v));
  await page.evaluate(() => {
    const bar = document.querySelector('[data-testid="train-progress"]');
    new MutationObserver(() => window.__progress(Number(bar.value))).observe(bar, { attributes: true, childList: true });
  });

  await train.click();
  // The main thread keeps answering while the worker trains: the cart strip still updates.
  await addToCart(page, ids[3]);
  await strip(page, 'cart-strip');
  await page.locator('html[data-training="done"], html[data-training="error"]').waitFor({ state: 'attached', timeout: 180000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.training), 'done',
    `training failed: ${await page.getByTestId('status').textContent()}`);
  assert.equal(await page.getByTestId('train-progress').evaluate((b) => b.value), 1, 'the progress bar reached 100%');
  assert.ok(progress.some((v) => v > 0 && v < 1), `the progress bar showed intermediate progress (saw ${progress.join(', ')})`);

  const { longTasks, start, end } = await page.evaluate(() => ({
    longTasks: window.__longTasks,
    start: performance.getEntriesByName('alsobuy:train-start')[0]?.startTime,
    end: performance.getEntriesByName('alsobuy:train-end')[0]?.startTime,
  }));
  assert.ok(start !== undefined && end !== undefined && end > start, 'training start and end were marked');
  const during = longTasks.filter((t) => t.start + t.duration >= start && t.start <= end);
  const worst = Math.max(0, ...during.map((t) => t.duration));
  assert.ok(worst <= 200, `a main-thread task took ${worst.toFixed(0)} ms while training ran`);

  // The page still suggests, with reasons, after picking up the fine-tuned model.
  const after = await strip(page, 'cart-strip');
  assert.ok(after.length > 0, 'the cart strip renders suggestions after training');
  assert.ok(after.every((s) => s.reasons.length > 0 && s.reasons.every((r) => r.length > 0)),
    `every suggestion shows its reasons: ${JSON.stringify(after)}`);
  assert.equal(await page.locator('#train-label').textContent(), 'Fine-tuned');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.model), 'personal',
    'the page re-opened its recommender with the model the worker trained and saved');
  // The worker fetched the second module (wasm and glue) to train.
  const fetched = models(requests).map((u) => new URL(u).pathname);
  assert.ok(fetched.includes('/pkg/models/alsobuy_models.js') && fetched.includes('/pkg/models/alsobuy_models_bg.wasm'),
    `the training worker loaded alsobuy/models: ${JSON.stringify(fetched)}`);
  // A fresh Recommender.open of the widget's module (already initialised by the page) reads the saved model too.
  const reopened = await page.evaluate(async () => {
    const { Recommender } = await import('/pkg/alsobuy.js');
    const rec = await Recommender.open();
    const { model } = rec.stats();
    rec.free();
    return model;
  });
  assert.equal(reopened.personal, true, `the widget module loads the worker's model: ${JSON.stringify(reopened)}`);
  await page.screenshot({ path: `${ARTIFACTS}shop-trained.png` });
  assert.deepEqual(problems, []);
  assert.deepEqual(foreign(requests, env.url), []);
  await context.close();
});

// Fault tests in Chromium (issue 9): storage that fails, is missing, is shared by two tabs, or is cut off by a
// reload. Drives the package directly through www/test-fixtures/api.html (window.alsobuy, window.catalog).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './helpers.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const FIXTURE = 'test-fixtures/api.html';

/** In the page: every raw record of alsobuy's `events` store for `namespace`, in key order, as latin1 text
 *  (the records are postcard bytes; the ids inside are plain UTF-8, enough to find the test's markers). */
async function rawEvents(page, namespace) {
  return page.evaluate((name) => new Promise((ok, fail) => {
    const open = indexedDB.open(`alsobuy:${name}`);
    open.onerror = () => fail(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const all = db.transaction('events', 'readonly').objectStore('events').getAll();
      all.onerror = () => fail(all.error);
      all.onsuccess = () => {
        db.close();
        ok(all.result.map((v) => String.fromCharCode(...new Uint8Array(v.buffer ?? v))));
      };
    };
  }), namespace);
}

async function fixture(context, { init } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(new URL(FIXTURE, env.url).href);
  await page.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 15000 });
  return { page, problems };
}

test('IndexedDB unavailable (private-mode style): works in memory and says so', async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await fixture(context, {
    init: () => {
      Object.defineProperty(window, 'indexedDB', {
        configurable: true,
        get() { throw new DOMException('The user denied permission to access the database.', 'SecurityError'); },
      });
    },
  });
  const r = await page.evaluate(async () => {
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-unavailable' });
    rec.setCatalog(catalog);
    rec.record({ kind: 'cart', item: 'whole milk' });
    await rec.flush();
    return { stats: rec.stats(), suggestions: rec.alsoBuy({ cart: ['whole milk'], k: 4 }) };
  });
  assert.equal(r.stats.persistence, 'memory');
  assert.match(r.stats.storageNote, /IndexedDB is unavailable/);
  assert.equal(r.stats.events, 1);
  assert.equal(r.suggestions.length, 4);
  assert.deepEqual(problems, []);
  await context.close();
});

test('quota exceeded: the error surfaces, nothing is lost, and the write is retried once space returns', async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await fixture(context, {
    init: () => {
      const add = IDBObjectStore.prototype.add;
      window.__quotaFull = true;
      IDBObjectStore.prototype.add = function (...args) {
        if (window.__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return add.apply(this, args);
      };
    },
  });
  const r = await page.evaluate(async () => {
    await new Promise((ok) => { const d = indexedDB.deleteDatabase('alsobuy:fault-quota'); d.onsuccess = d.onerror = ok; });
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-quota' });
    rec.setCatalog(catalog);
    rec.record({ kind: 'purchase', item: 'whole milk' });
    rec.record({ kind: 'purchase', item: 'butter' });
    let error = null;
    try { await rec.flush(); } catch (e) { error = String(e.message); }
    const during = rec.stats();
    const stillWorks = rec.alsoBuy({ item: 'whole milk', k: 3 }).length;
    window.__quotaFull = false;            // space freed
    await rec.flush();                     // the queued events are retried
    const afterRetry = rec.stats();
    const reopened = await alsobuy.Recommender.open({ namespace: 'fault-quota' });
    return { error, during, stillWorks, afterRetry, reopenedEvents: reopened.stats().events };
  });
  assert.match(r.error, /quota exceeded/);
  assert.match(r.during.storageNote, /quota exceeded/);
  assert.equal(r.during.pendingWrites, 2);
  assert.equal(r.stillWorks, 3);
  assert.equal(r.afterRetry.pendingWrites, 0);
  assert.equal(r.afterRetry.storageNote, undefined);
  assert.equal(r.reopenedEvents, 2, 'both events were saved after the retry');
  assert.deepEqual(problems, []);
  await context.close();
});

test('two tabs recording at once: no event lost or duplicated', async () => {
  const context = await env.browser.newContext();
  const a = await fixture(context);
  const b = await fixture(context);
  await a.page.evaluate(async () => {
    await new Promise((ok) => { const d = indexedDB.deleteDatabase('alsobuy:fault-tabs'); d.onsuccess = d.onerror = ok; });
  });
  const N = 40;
  const run = (page, tab) => page.evaluate(async ({ tab, N }) => {
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-tabs' });
    rec.setCatalog(catalog);
    const ids = catalog.map((c) => c.id);
    for (let i = 0; i < N; i++) {
      // distinct (session, item, timestamp) per event, so cleaning keeps every one
      rec.record({ kind: 'view', item: ids[(i * 7 + tab * 3) % ids.length], session: `tab${tab}-${i}`, timestamp: 1e12 + i });
      if (i % 5 === 0) await new Promise((ok) => setTimeout(ok, 0)); // let the other tab interleave
    }
    await rec.flush();
    return rec.stats().events;
  }, { tab, N });
  const [ka, kb] = await Promise.all([run(a.page, 1), run(b.page, 2)]);
  // each tab holds its own events plus whatever the other had saved when it opened
  for (const k of [ka, kb]) assert.ok(k >= N && k <= 2 * N, `a tab holds ${k} events`);
  const c = await fixture(context);
  const total = await c.page.evaluate(async () => {
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-tabs' });
    return rec.stats();
  });
  assert.equal(total.events, 2 * N, 'every event of both tabs');
  assert.equal(total.storageNote, undefined);
  // Replay drops exact duplicates, so `events` alone cannot see a record written twice: count the raw records
  // and check that every (tab, i) marker is stored exactly once.
  const raw = await rawEvents(c.page, 'fault-tabs');
  assert.equal(raw.length, 2 * N, `raw records in IndexedDB: ${raw.length}`);
  const markers = raw.map((r) => r.match(/tab\d-\d+/)?.[0]).sort();
  const want = [1, 2].flatMap((t) => Array.from({ length: N }, (_, i) => `tab${t}-${i}`)).sort();
  assert.deepEqual(markers, want, 'each event of each tab stored once');
  await context.close();
});

test('a reload in the middle of saving loads a consistent earlier state', async () => {
  const context = await env.browser.newContext();
  const { page } = await fixture(context);
  const N = 300;
  const before = await page.evaluate(async (N) => {
    await new Promise((ok) => { const d = indexedDB.deleteDatabase('alsobuy:fault-reload'); d.onsuccess = d.onerror = ok; });
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-reload' });
    rec.setCatalog(catalog);
    rec.record({ kind: 'purchase', item: 'whole milk', session: 'first', timestamp: 1 });
    await rec.flush();                              // one event certainly saved
    const ids = catalog.map((c) => c.id);
    for (let i = 0; i < N; i++) rec.record({ kind: 'view', item: ids[i % ids.length], session: `mid-${i}-save`, timestamp: 10 + i });
    // no flush: the page goes away while the journal is writing
    return rec.stats().pendingWrites;
  }, N);
  assert.ok(before > 0, 'the reload starts with unsaved events (otherwise this tests nothing)');
  await page.reload();
  await page.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 15000 });
  const after = await page.evaluate(async () => {
    const rec = await alsobuy.Recommender.open({ namespace: 'fault-reload' });
    rec.setCatalog(catalog);
    return { stats: rec.stats(), n: rec.alsoBuy({ item: 'whole milk', k: 5 }).length };
  });
  assert.ok(after.stats.events >= 1 && after.stats.events <= N + 1, `events after reload: ${after.stats.events}`);
  assert.equal(after.stats.storageNote, undefined, 'no unreadable record');
  assert.equal(after.n, 5);
  // Consistent = the saved events are exactly a prefix of the recorded ones, in order, each once, and every raw
  // record was replayed (no torn or skipped record).
  const raw = await rawEvents(page, 'fault-reload');
  assert.equal(raw.length, after.stats.events, 'every stored record is replayed');
  assert.match(raw[0], /first/);
  const saved = raw.slice(1).map((r) => Number(r.match(/mid-(\d+)-save/)?.[1]));
  assert.deepEqual(saved, saved.map((_, i) => i), `saved events form a prefix: ${saved.slice(0, 5)}…`);
  await context.close();
});

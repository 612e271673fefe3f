// The vertical slice: the page loads the wasm package and shows a value computed by the Rust core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, ARTIFACTS } from './helpers.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

test('the demo page shows a cosine computed in wasm', async () => {
  const { page, problems, requests } = await openPage(env.browser, env.url);
  const out = page.getByTestId('cosine-result');
  await out.and(page.locator('[data-ready="true"]')).waitFor({ timeout: 15000 });
  // cosine([1,2,3],[2,4,6.5]) = 29.5 / (sqrt(14) * sqrt(62.25)) ≈ 0.9987, computed here independently.
  const shown = Number(await out.textContent());
  const expected = 29.5 / (Math.sqrt(14) * Math.sqrt(62.25));
  assert.ok(Math.abs(shown - expected) < 1e-4, `page shows ${shown}, expected ${expected.toFixed(4)}`);
  assert.deepEqual(problems, []);
  const origin = new URL(env.url).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin)), [], 'no request leaves the origin');
  await page.screenshot({ path: `${ARTIFACTS}slice.png` });
});

// The npm package as a frontend team gets it: `npm pack` the wasm-pack output, install the tarball into an
// empty project, import it by name and use it; and the bundler build carries the same typed API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snippetImports } from '../../scripts/size.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('the web package installs from a tarball and works when imported by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alsobuy-consumer-'));
  const tarball = npm(['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--offline', join(dir, tarball)], dir);
  const installed = join(dir, 'node_modules', 'alsobuy');
  for (const f of ['alsobuy.js', 'alsobuy_bg.wasm', 'alsobuy.d.ts', 'package.json']) {
    assert.ok(existsSync(join(installed, f)), `${f} is in the installed package`);
  }
  // The glue's local JS modules (src/wasm/storage.js → snippets/…) ship with it, for both modules.
  for (const glue of ['alsobuy.js', 'models/alsobuy_models.js']) {
    const snippets = snippetImports(readFileSync(join(installed, glue), 'utf8'));
    assert.ok(snippets.some((s) => s.endsWith('/src/wasm/storage.js')), `${glue} imports storage.js`);
    for (const s of snippets) {
      const path = join(installed, glue.includes('/') ? 'models' : '', s);
      assert.ok(existsSync(path), `${glue}'s import ${s} is in the installed package`);
    }
  }
  writeFileSync(join(dir, 'use.mjs'), `
    import { readFileSync } from 'node:fs';
    import { initSync, Recommender } from 'alsobuy';
    initSync({ module: readFileSync(new URL('./node_modules/alsobuy/alsobuy_bg.wasm', import.meta.url)) });
    const rec = new Recommender();
    rec.setCatalog([{ id: 'milk', category: 'dairy/milk' }, { id: 'bread', category: 'bakery' }, { id: 'jam', category: 'pantry' }]);
    rec.recordMany([{ kind: 'purchase', item: 'milk', session: 'a' }, { kind: 'purchase', item: 'bread', session: 'a' }]);
    let error = '';
    try { rec.record({ kind: 'teleport', item: 'milk' }); } catch (e) { error = e.message; }
    console.log(JSON.stringify({ top: rec.alsoBuy({ item: 'milk', k: 2 }), error }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' }));
  assert.equal(out.top.length, 2);
  assert.equal(out.top[0].item, 'bread');
  assert.equal(out.top[0].reasons[0].kind, 'bought_with');
  assert.match(out.error, /teleport/);
});

test('alsobuy/models installs with the package and fits + recommends in Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alsobuy-models-consumer-'));
  const tarball = npm(['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--offline', join(dir, tarball)], dir);
  const installed = join(dir, 'node_modules', 'alsobuy', 'models');
  for (const f of ['alsobuy_models.js', 'alsobuy_models_bg.wasm', 'alsobuy_models.d.ts']) {
    assert.ok(existsSync(join(installed, f)), `models/${f} is in the installed package`);
  }
  writeFileSync(join(dir, 'fit.mjs'), `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { initSync, Model } from 'alsobuy/models';
    const require = createRequire(import.meta.url);
    initSync({ module: readFileSync(new URL('./models/alsobuy_models_bg.wasm', 'file://' + require.resolve('alsobuy/package.json'))) });
    const events = [
      { user: 'u1', session: 'a', item: 'milk', kind: 'purchase', timestamp: 1 },
      { user: 'u1', session: 'a', item: 'bread', kind: 'purchase', timestamp: 2 },
      { session: 'b', item: 'milk', kind: 'cart', timestamp: 3 },
      { session: 'b', item: 'bread', kind: 'purchase', timestamp: 4 },
      { session: 'c', item: 'milk', kind: 'view', timestamp: 5 },
      { session: 'c', item: 'jam', kind: 'purchase', timestamp: 6 },
    ];
    const items = [{ item: 'tea', category: 'drinks', price: 2 }];
    const out = {};
    for (const name of Model.modelNames()) {
      const m = Model.fit({ model: name, events, items, seed: 7 });
      out[name] = m.recommend({ context: ['milk'], k: 2 });
      m.free();
    }
    let error = '';
    try { Model.fit({ model: 'magic', events }); } catch (e) { error = e.message; }
    console.log(JSON.stringify({ names: Model.modelNames(), out, error }));
  `);
  const res = JSON.parse(execFileSync(process.execPath, ['fit.mjs'], { cwd: dir, encoding: 'utf8' }));
  assert.deepEqual(res.names, ['popular', 'cooccur', 'content', 'knn', 'ease', 'blend', 'mlp', 'hybrid']);
  for (const name of res.names) {
    const recs = res.out[name];
    assert.equal(recs.length, 2, name);
    assert.ok(recs.every((r) => typeof r.item === 'string' && typeof r.score === 'number' && r.item !== 'milk'), name);
  }
  assert.equal(res.out.cooccur[0].item, 'bread', 'bought with milk in two baskets');
  assert.match(res.error, /^alsobuy: unknown model "magic"/);
  const dts = readFileSync(join(installed, 'alsobuy_models.d.ts'), 'utf8');
  for (const decl of ['export class Model', 'static fit(options: ModelFitOptions): Model',
    'recommend(query: ModelQuery): ScoredItem[]', 'static modelNames(): string[]', 'export interface TrainingEvent']) {
    assert.ok(dts.includes(decl), `alsobuy_models.d.ts declares: ${decl}`);
  }
  // The widget's module stays without the models (its download must not grow).
  assert.doesNotMatch(readFileSync(join(ROOT, 'pkg', 'alsobuy.d.ts'), 'utf8'), /class Model\b/);
});

test('the generated TypeScript types name every argument and result precisely', () => {
  const dts = readFileSync(join(ROOT, 'pkg', 'alsobuy.d.ts'), 'utf8');
  for (const decl of [
    'export interface CatalogItem', 'export interface ShopEvent', 'export interface AlsoBuyQuery',
    'export interface Suggestion', 'export interface Reason', 'export interface Stats',
    'setCatalog(items: CatalogItem[]): void', 'alsoBuy(query: AlsoBuyQuery): Suggestion[]',
    'recordMany(events: ShopEvent[]): RecordSummary', 'static open(options?: OpenOptions): Promise<Recommender>',
    'flush(): Promise<void>', 'forget(): Promise<void>', 'exportPack(): Uint8Array',
  ]) {
    assert.ok(dts.includes(decl), `alsobuy.d.ts declares: ${decl}`);
  }
  const classBody = dts.slice(dts.indexOf('export class Recommender'), dts.indexOf('}', dts.indexOf('export class Recommender')));
  assert.doesNotMatch(classBody, /:\s*any\b/, 'no `any` in the Recommender class');
});

test('the bundler build exists and carries the same typed API', { skip: !existsSync(join(ROOT, 'pkg-bundler')) && 'pkg-bundler/ not built' }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'pkg-bundler', 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'alsobuy');
  assert.ok(pkg.types);
  const dts = readFileSync(join(ROOT, 'pkg-bundler', 'alsobuy.d.ts'), 'utf8');
  assert.ok(dts.includes('alsoBuy(query: AlsoBuyQuery): Suggestion[]'));
});

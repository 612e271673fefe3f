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
    const widget = await import('alsobuy');
    // The widget's entry: no training from scratch and no ML primitives (they are in alsobuy/models).
    const lean = { Mlp: 'Mlp' in widget, VectorIndex: 'VectorIndex' in widget, TopK: 'TopK' in widget,
      train: typeof Recommender.prototype.train, cosine: typeof widget.cosine };
    console.log(JSON.stringify({ top: rec.alsoBuy({ item: 'milk', k: 2 }), error, lean }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' }));
  assert.equal(out.top.length, 2);
  assert.equal(out.top[0].item, 'bread');
  assert.equal(out.top[0].reasons[0].kind, 'bought_with');
  assert.match(out.error, /teleport/);
  assert.deepEqual(out.lean, { Mlp: false, VectorIndex: false, TopK: false, train: 'undefined', cosine: 'function' });
});

test('alsobuy/models carries Mlp, VectorIndex and Recommender.train, imported by name from the tarball in Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alsobuy-ml-consumer-'));
  const tarball = npm(['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--offline', join(dir, tarball)], dir);
  writeFileSync(join(dir, 'ml.mjs'), `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const wasm = new URL('./models/alsobuy_models_bg.wasm', 'file://' + require.resolve('alsobuy/package.json'));
    // The lazy-loading recipe of docs/js-api.md: a dynamic import of the second module.
    const { initSync, Mlp, VectorIndex, Recommender } = await import('alsobuy/models');
    initSync({ module: readFileSync(wasm) });
    const mlp = new Mlp({ inputs: 2, hidden: [4], seed: 1 });
    const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
    const y = new Float32Array([0, 1, 1, 0]);
    const loss = mlp.fit(x, y, 3);
    const p = Array.from(mlp.predict(x));
    let mlpError = '';
    try { mlp.predict(new Float32Array([1, 2, 3])); } catch (e) { mlpError = e.message; }
    const index = new VectorIndex(new Float32Array([1, 0, 0, 1]), 2);
    const top = index.topK(new Float32Array([0.1, 2]), 1);
    const rec = new Recommender();
    rec.setCatalog([{ id: 'milk' }, { id: 'bread' }, { id: 'jam' }]);
    rec.recordMany(['a', 'b', 'c'].flatMap((s) => [{ kind: 'view', item: 'milk', session: s, timestamp: 1 },
      { kind: 'purchase', item: 'bread', session: s, timestamp: 2 }]));
    const info = await rec.train({ epochs: 2 });
    let trainError = '';
    try { await rec.train({ sliceMs: 0 }); } catch (e) { trainError = e.message; }
    console.log(JSON.stringify({ loss, p, mlpError, top: Array.from(top.indices), info, trainError }));
  `);
  const res = JSON.parse(execFileSync(process.execPath, ['ml.mjs'], { cwd: dir, encoding: 'utf8' }));
  assert.ok(Number.isFinite(res.loss) && res.loss > 0, `loss ${res.loss}`);
  assert.equal(res.p.length, 4);
  assert.ok(res.p.every((v) => v > 0 && v < 1), `${res.p}`);
  assert.match(res.mlpError, /^alsobuy: x has 3 values, not a multiple of the input width 2/);
  assert.deepEqual(res.top, [1]);
  assert.equal(res.info.loaded, true);
  assert.equal(res.info.personal, true);
  assert.equal(res.info.epochs, 2);
  assert.equal(res.trainError, 'alsobuy: invalid train options: sliceMs 0: must be between 1 and 1000');
  const dts = readFileSync(join(dir, 'node_modules', 'alsobuy', 'models', 'alsobuy_models.d.ts'), 'utf8');
  for (const decl of ['export class Mlp', 'export class VectorIndex', 'export class TopK',
    'train(options?: TrainOptions): Promise<ModelInfo>', 'export interface TrainOptions', 'export interface TrainProgress',
    'export interface MlpOptions']) {
    assert.ok(dts.includes(decl), `alsobuy_models.d.ts declares: ${decl}`);
  }
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
  // The widget's module stays without the models, the training and the primitives (its download must not grow).
  const widgetDts = readFileSync(join(ROOT, 'pkg', 'alsobuy.d.ts'), 'utf8');
  for (const re of [/class Model\b/, /class Mlp\b/, /class VectorIndex\b/, /class TopK\b/, /\btrain\(/,
    /interface TrainOptions\b/, /interface TrainProgress\b/, /interface MlpOptions\b/]) {
    assert.doesNotMatch(widgetDts, re);
  }
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
  // The same split as the web build: train and the primitives only in alsobuy/models.
  assert.doesNotMatch(dts, /class Mlp\b|class VectorIndex\b|\btrain\(|interface TrainOptions\b/);
  assert.equal(pkg.exports['./models'].default, './models/alsobuy_models.js');
  const models = readFileSync(join(ROOT, 'pkg-bundler', 'models', 'alsobuy_models.d.ts'), 'utf8');
  for (const decl of ['export class Mlp', 'export class VectorIndex', 'train(options?: TrainOptions): Promise<ModelInfo>',
    'export interface TrainOptions']) {
    assert.ok(models.includes(decl), `pkg-bundler/models/alsobuy_models.d.ts declares: ${decl}`);
  }
});

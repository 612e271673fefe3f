// The npm package as a frontend team gets it: `npm pack` the wasm-pack output, install the tarball into an
// empty project, import it by name and use it; and the bundler build carries the same typed API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

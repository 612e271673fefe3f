// Download size: the bytes a page must fetch to use alsobuy (pkg/alsobuy_bg.wasm + pkg/alsobuy.js + the
// pkg/snippets/ JS modules alsobuy.js imports, e.g. src/wasm/storage.js: the widget's module, what a shop page
// downloads on its critical path) and, separately, the lazily loaded second module alsobuy/models (pkg/models/:
// training from scratch, the ML primitives Mlp / VectorIndex, the offline models' Model; a page that trains loads
// it in a worker, on demand) against the
// same for TensorFlow.js core + layers + wasm backend (4.22.0, pinned in package.json), raw and gzip (node:zlib
// level 9). Usage: node scripts/size.mjs [--json]
//
// TF.js is counted as its modular ESM bundles (tf-*.fesm.min.js, what a bundler ships) plus the one wasm binary a
// SIMD-capable browser fetches (tfjs-backend-wasm-simd.wasm). The UMD bundles the bench page loads are printed
// too, for information. alsobuy_bg.wasm.d.ts / alsobuy.d.ts are build-time only and not counted.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TF = 'node_modules/@tensorflow';

export const ALSOBUY_FILES = ['alsobuy_bg.wasm', 'alsobuy.js'];
export const TFJS_ESM_FILES = [
  `${TF}/tfjs-core/dist/tf-core.fesm.min.js`,
  `${TF}/tfjs-layers/dist/tf-layers.fesm.min.js`,
  `${TF}/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.min.js`,
  `${TF}/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm`,
];
export const TFJS_UMD_FILES = [
  `${TF}/tfjs-core/dist/tf-core.min.js`,
  `${TF}/tfjs-layers/dist/tf-layers.min.js`,
  `${TF}/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`,
  `${TF}/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm`,
];

/** Raw and gzip-9 byte counts of each file and their total; throws naming the first missing file. */
export function measure(paths) {
  const files = paths.map((p) => {
    if (!existsSync(p)) throw new Error(`missing ${p}`);
    const bytes = readFileSync(p);
    return { path: p, raw: bytes.length, gzip: gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length };
  });
  return {
    files,
    raw: files.reduce((s, f) => s + f.raw, 0),
    gzip: files.reduce((s, f) => s + f.gzip, 0),
  };
}

/** The local JS modules (`./snippets/…`) that the glue `js` (alsobuy.js's text) imports, each once. */
export function snippetImports(js) {
  return [...new Set([...js.matchAll(/\bfrom\s*["'](\.\/snippets\/[^"']+)["']/g)].map((m) => m[1].slice(2)))];
}

/** alsobuy's download from `pkgDir` (default pkg/, or env ALSOBUY_PKG_DIR): wasm, glue and the glue's snippets. */
export function measureAlsobuy(pkgDir = process.env.ALSOBUY_PKG_DIR ?? join(ROOT, 'pkg')) {
  const glue = join(pkgDir, 'alsobuy.js');
  const snippets = existsSync(glue) ? snippetImports(readFileSync(glue, 'utf8')) : [];
  return measure([...ALSOBUY_FILES, ...snippets].map((f) => join(pkgDir, f)));
}

export const MODELS_FILES = ['models/alsobuy_models_bg.wasm', 'models/alsobuy_models.js'];

/** The second module's download (alsobuy/models, `pkgDir`/models/): wasm, glue and the glue's snippets. */
export function measureModels(pkgDir = process.env.ALSOBUY_PKG_DIR ?? join(ROOT, 'pkg')) {
  const glue = join(pkgDir, MODELS_FILES[1]);
  const snippets = existsSync(glue) ? snippetImports(readFileSync(glue, 'utf8')).map((s) => `models/${s}`) : [];
  return measure([...MODELS_FILES, ...snippets].map((f) => join(pkgDir, f)));
}

/**
 * The downloads and their ratios to TF.js's (gzip / TF.js ESM gzip): `alsobuy` is the widget's module (what a
 * shop page fetches), `models` the module with the ML primitives and training (what a page that trains fetches
 * in addition, lazily; the one comparable to TF.js's functionality).
 */
export function measureAll() {
  const alsobuy = measureAlsobuy();
  const models = measureModels();
  const tfjs = measure(TFJS_ESM_FILES.map((f) => join(ROOT, f)));
  const tfjsUmd = measure(TFJS_UMD_FILES.map((f) => join(ROOT, f)));
  return {
    alsobuy, models, tfjs, tfjsUmd,
    ratioGzip: alsobuy.gzip / tfjs.gzip, ratioRaw: alsobuy.raw / tfjs.raw,
    modelsRatioGzip: models.gzip / tfjs.gzip, modelsRatioRaw: models.raw / tfjs.raw,
  };
}

export const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

function print(m) {
  const rel = (p) => p.replace(`${ROOT}/`, '');
  const block = (title, s) => {
    console.log(`${title}: ${kb(s.raw)} raw, ${kb(s.gzip)} gzip`);
    for (const f of s.files) console.log(`  ${rel(f.path).padEnd(72)} ${String(f.raw).padStart(9)} B  ${String(f.gzip).padStart(8)} B gz`);
  };
  block('alsobuy, the widget\'s module (pkg/alsobuy_bg.wasm + pkg/alsobuy.js + its pkg/snippets/ imports; '
    + 'no training from scratch, no Mlp / VectorIndex)', m.alsobuy);
  block('alsobuy/models, loaded lazily (pkg/models/: training, Mlp, VectorIndex, Model; the ML primitives)', m.models);
  block('TF.js 4.22.0 core + layers + wasm backend (ESM .fesm.min.js + SIMD .wasm)', m.tfjs);
  block('TF.js 4.22.0 as the bench page loads it (UMD .min.js + SIMD .wasm), for information', m.tfjsUmd);
  console.log(`ratio widget module / TF.js: ${(m.ratioGzip * 100).toFixed(1)}% gzip (1/${(1 / m.ratioGzip).toFixed(1)}), `
    + `${(m.ratioRaw * 100).toFixed(1)}% raw`);
  console.log(`ratio alsobuy/models (the ML primitives) / TF.js: ${(m.modelsRatioGzip * 100).toFixed(1)}% gzip `
    + `(1/${(1 / m.modelsRatioGzip).toFixed(1)}), ${(m.modelsRatioRaw * 100).toFixed(1)}% raw`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const m = measureAll();
    if (process.argv.includes('--json')) console.log(JSON.stringify(m));
    else print(m);
  } catch (e) {
    console.error(`size: ${e.message} (build the package first: bash scripts/build-pkg.sh web; npm ci for TF.js)`);
    process.exit(1);
  }
}

// Removes the JSDoc blocks that wasm-bindgen copies from the Rust doc comments into the JS glue
// (pkg*/alsobuy.js): about 6.6 KB raw / 2.5 KB gzip of the download, read by no browser. The same docs and the
// types stay in alsobuy.d.ts, which the glue names with its `@ts-self-types` header, so editors and TypeScript
// see no difference. Usage: node scripts/strip-glue-docs.mjs pkg/alsobuy.js
// Fails (exit 1) if the result no longer parses as a module, so a glue change that puts `/**` inside a string
// cannot ship a broken file.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const path = process.argv[2];
if (!path) {
  console.error('usage: node scripts/strip-glue-docs.mjs <glue.js>');
  process.exit(2);
}
const src = readFileSync(path, 'utf8');
// Only whole-line blocks (indentation, `/**`, …, `*/`), never a `/*` comment or code on the same line.
const out = src.replace(/^[ \t]*\/\*\*(?:(?!\*\/)[\s\S])*\*\/[ \t]*\n/gm, '');
const dir = mkdtempSync(join(tmpdir(), 'alsobuy-glue-'));
try {
  const probe = join(dir, 'glue.mjs');
  writeFileSync(probe, out);
  execFileSync(process.execPath, ['--check', probe], { stdio: 'inherit' });
} catch {
  console.error(`strip-glue-docs: ${path} does not parse after stripping; left unchanged`);
  process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(path, out);

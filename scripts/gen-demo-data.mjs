#!/usr/bin/env node
// Build-time data for the demo shop: turns the Groceries item list into www/data/catalog.json.
//
//   node scripts/gen-demo-data.mjs [ITEMS_CSV] [OUT_JSON]
//
// ITEMS_CSV defaults to ../shared/data/groceries/groceries_items.csv (relative to the repo root), with columns
// item,level2,level1. OUT_JSON defaults to www/data/catalog.json. The output is deterministic: the same input
// gives byte-identical output.
//
// Each item becomes { id, name, category: "level1/level2", price, inStock, tags }:
// - `id` is the item as in the CSV, trimmed (the alsobuy CLI trims CSV fields too: "cream cheese " → "cream cheese");
// - `name` is a title-cased display name;
// - `price` is SYNTHETIC and illustrative: a hash of the id picks a price in a plausible range for its level1
//   category (the dataset has no prices); the page footer says so;
// - `inStock` is false for a few items (picked by the same hash) so the "never suggest out-of-stock items" rule is
//   visible in the demo;
// - `tags` are the level2 group words (e.g. "sausage"), a small signal for the item encoder.
//
// It also writes data/manifest.json next to the catalogue: { catalog, pack } where `pack` names groceries.pack if
// that file exists in the same folder at generation time, else null. The page reads the manifest first, so it never
// requests a file that is not there (a 404 would be a console error). Run this script again after building the pack.
//
// Data: the Groceries dataset from the R package arules — Hahsler, Hornik & Reutterer (2006), "Implications of
// probabilistic data modeling for mining association rules", package licence GPL-3.
import { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = resolve(root, process.argv[2] ?? '../shared/data/groceries/groceries_items.csv');
const output = resolve(root, process.argv[3] ?? 'www/data/catalog.json');

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across runs and platforms. */
export function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SMALL = new Set(['and', 'or', 'of', 'with', 'for', 'the', 'a', 'in']);
/** "whole milk" → "Whole Milk", "UHT-milk" → "UHT-Milk", "nuts/prunes" → "Nuts/Prunes", "artif. sweetener" → "Artif. Sweetener". */
export function titleCase(s) {
  return s.trim().replace(/\s+/g, ' ').split(' ').map((word, i) => word.replace(/[A-Za-z][A-Za-z]*/g, (w) => {
    if (w.length > 1 && w === w.toUpperCase()) return w; // acronyms: UHT
    if (i > 0 && SMALL.has(w.toLowerCase())) return w.toLowerCase();
    return w[0].toUpperCase() + w.slice(1);
  })).join(' ');
}

// Plausible (illustrative) price ranges per level1 category, in euros.
const PRICE_RANGE = {
  'meat and sausage': [1.99, 8.99],
  'fruit and vegetables': [0.79, 3.99],
  'fresh products': [0.49, 4.49],
  'processed food': [0.69, 4.99],
  'canned food': [0.79, 3.49],
  'drinks': [0.39, 14.99],
  'snacks and candies': [0.59, 3.99],
  'detergent': [1.49, 6.99],
  'perfumery': [0.99, 7.99],
  'non-food': [0.99, 12.99],
};
const DEFAULT_RANGE = [0.99, 5.99];

/** A deterministic price in the level1 range, ending in 9 cents (x.x9). */
export function syntheticPrice(id, level1) {
  const [lo, hi] = PRICE_RANGE[level1] ?? DEFAULT_RANGE;
  const steps = Math.round((hi - lo) * 10); // 10-cent steps
  const step = fnv1a(`price:${id}`) % (steps + 1);
  return Math.round((lo + step / 10) * 100) / 100;
}

/** About one item in twenty is out of stock, chosen by hash so the choice is stable. */
export function syntheticInStock(id) {
  return fnv1a(`stock:${id}`) % 20 !== 7;
}

export function buildCatalog(csvText) {
  const rows = parseCsv(csvText);
  const header = rows.shift()?.map((h) => h.trim().toLowerCase()) ?? [];
  const col = (name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`items CSV has no column "${name}" (header: ${header.join(',')})`);
    return i;
  };
  const [iItem, iL2, iL1] = [col('item'), col('level2'), col('level1')];
  const seen = new Set();
  const items = [];
  for (const [n, r] of rows.entries()) {
    const id = (r[iItem] ?? "").trim(); // ids are trimmed, as the alsobuy CLI trims CSV fields
    if (!id || !id.trim()) throw new Error(`items CSV row ${n + 2}: empty item id`);
    if (seen.has(id)) throw new Error(`items CSV row ${n + 2}: duplicate item id ${JSON.stringify(id)}`);
    seen.add(id);
    const level1 = (r[iL1] ?? '').trim();
    const level2 = (r[iL2] ?? '').trim();
    items.push({
      id,
      name: titleCase(id),
      category: `${level1}/${level2}`,
      price: syntheticPrice(id, level1),
      inStock: syntheticInStock(id),
      tags: level2.split(/[\s/]+/).filter((w) => w.length > 2),
    });
  }
  return items;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let text;
  try {
    text = readFileSync(input, 'utf8');
  } catch (e) {
    console.error(`gen-demo-data: cannot read ${input}: ${e.message}`);
    process.exit(1);
  }
  const items = buildCatalog(text);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]\n`); // one item a line
  const packFile = resolve(dirname(output), 'groceries.pack');
  const pack = existsSync(packFile) ? 'groceries.pack' : null;
  const manifest = {
    catalog: 'catalog.json',
    pack,
    packBytes: pack ? statSync(packFile).size : null,
    source: 'Groceries dataset, R package arules (Hahsler, Hornik & Reutterer 2006), GPL-3; prices and stock are synthetic',
  };
  writeFileSync(resolve(dirname(output), 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const out = items.filter((i) => !i.inStock).map((i) => i.name);
  console.log(`gen-demo-data: ${items.length} items → ${output} (out of stock: ${out.join(', ') || 'none'}); pack: ${pack ?? 'none'}`);
}

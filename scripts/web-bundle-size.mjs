#!/usr/bin/env node
/**
 * Part of `npm run build` (after `vite build`): prints the gzipped size of the JavaScript the first screen of
 * the admin web app loads (the entry chunk of web/index.html and every chunk it imports statically, from
 * dist/web/.vite/manifest.json; lazily loaded screens are not counted) and fails above the budget.
 *
 *   node scripts/web-bundle-size.mjs [dist/web] [budget KB, default 300]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = resolve(process.argv[2] ?? 'dist/web');
const budgetKb = Number(process.argv[3] ?? 300);
const manifest = JSON.parse(readFileSync(join(dir, '.vite', 'manifest.json'), 'utf8'));

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry);
if (entries.length === 0) {
  console.error('web bundle: no entry chunk in the manifest');
  process.exit(1);
}
const files = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
for (const [key] of entries) visit(key);

const kb = (bytes) => (bytes / 1024).toFixed(1);
let total = 0;
for (const file of [...files].filter((name) => name.endsWith('.js'))) {
  const gzipped = gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
  total += gzipped;
  console.log(`web bundle: ${file} ${kb(gzipped)} KB gzipped`);
}
const lazy = Object.values(manifest).filter((chunk) => chunk.file.endsWith('.js') && !files.has(chunk.file)).length;
console.log(`web bundle: first screen loads ${kb(total)} KB of gzipped JavaScript (budget ${budgetKb} KB; ${lazy} lazily loaded chunks not counted)`);
if (total > budgetKb * 1024) {
  console.error(`web bundle: over budget by ${kb(total - budgetKb * 1024)} KB: lazy-load screens (React.lazy) or drop a dependency`);
  process.exit(1);
}

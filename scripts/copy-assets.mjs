#!/usr/bin/env node
/**
 * Part of `npm run build`: copies the files the compiled app reads at run time that tsc does not emit
 * (mail templates, src/modules/<module>/templates) into dist/, next to the compiled code that reads them.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'src', 'modules');
for (const module of readdirSync(modules)) {
  const templates = join(modules, module, 'templates');
  if (!existsSync(templates)) continue;
  const target = join(root, 'dist', 'src', 'modules', module, 'templates');
  rmSync(target, { recursive: true, force: true });
  cpSync(templates, target, { recursive: true });
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const WEB_DIST = join(process.cwd(), 'dist', 'web');

/** Builds dist/web (`npm run build:web`) when a file under web/ is newer than it; one build at a time across test files. */
export function ensureWebBuilt() {
  const newest = (dir: string): number =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .reduce((latest, entry) => Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
  const builtAt = () => (existsSync(join(WEB_DIST, 'index.html')) ? statSync(join(WEB_DIST, 'index.html')).mtimeMs : 0);
  const sources = newest(join(process.cwd(), 'web'));
  if (builtAt() > sources) return;
  const lock = join(process.cwd(), 'dist', '.web-build.lock');
  mkdirSync(join(process.cwd(), 'dist'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building: wait for it (or take over a lock left by a killed run).
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('waited too long for another web build');
      spawnSync('sleep', ['0.2']);
    }
  }
  try {
    if (builtAt() > sources) return;
    const result = spawnSync('npm', ['run', 'build:web'], { cwd: process.cwd(), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build:web failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

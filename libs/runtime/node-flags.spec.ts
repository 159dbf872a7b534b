import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from './node-flags.js';

describe('node flags', () => {
  const root = join(import.meta.dirname, '..', '..');

  it('are the ones the start scripts and the Docker image use', () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const script of ['start', 'start:prod']) expect(scripts[script]).toContain(`node ${NODE_FLAGS.join(' ')} dist/src/main.js`);
    const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`CMD ["node", ${NODE_FLAGS.map((f) => `"${f}"`).join(', ')}, "dist/src/main.js"]`);
  });
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests run the TypeScript sources. The package.json "imports" map sends `#libs/*.js` to the compiled
 * dist/libs/*.js by default (what `node dist/src/main.js` needs); tsc and dependency-cruiser use its
 * `credential-import-source` condition (libs/*.ts). Vitest's module runner does not apply custom
 * conditions to subpath imports in every environment (global setup included), so the same mapping is an
 * alias here: tests never run stale or missing compiled files.
 */
const libs = fileURLToPath(new URL('./libs/', import.meta.url));

export default defineConfig({
  resolve: { alias: [{ find: /^#libs\/(.+)\.js$/, replacement: `${libs}$1.ts` }] },
  test: {
    // web/src specs: the web app's pure logic (no DOM), in Node; its screens are tested in Chromium (test/browser).
    include: ['src/**/*.spec.ts', 'libs/**/*.spec.ts', 'web/src/**/*.spec.{ts,tsx}', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    onUnhandledError(error) {
      // A known Bull/ioredis shutdown race: when an app closes, ioredis rejects the commands still queued on
      // a connection Bull closes, from its own close handler, with no caller left to hand the rejection to.
      // Only exactly that is ignored (message, and a stack inside ioredis with no frame of ours); any other
      // unhandled error still fails the run.
      const stack = String((error as Error).stack ?? '');
      if ((error as Error).message === 'Connection is closed.' && stack.includes('ioredis/built/redis/event_handler') && !/\/(src|libs|test)\//.test(stack)) return false;
    },
  },
});

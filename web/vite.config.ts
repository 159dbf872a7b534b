import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The admin web app (`npm run build:web`, part of `npm run build`): built into dist/web and served by the
 * product at /admin (src/platform/web/admin-app.ts). The manifest lets scripts/web-bundle-size.mjs measure
 * the JavaScript the first screen loads. `npm run dev:web` serves it with hot reload at
 * http://localhost:5173/admin/ and passes /api to the product on PORT (default 3000).
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/admin/',
  plugins: [react()],
  // The CSP allows no inline script: no module-preload polyfill (every browser the app supports has it).
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    modulePreload: { polyfill: false },
    target: 'es2022',
    // Inline data: URLs are allowed by the CSP for images only; keep scripts and styles as files.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': `http://127.0.0.1:${process.env.PORT ?? 3000}` },
  },
});

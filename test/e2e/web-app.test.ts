import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_APP_CSP } from '../../src/platform/web/admin-app.js';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { ensureWebBuilt } from '../support/web-build.js';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

/** The admin web app as the product serves it: /admin with its own CSP, next to the Bull Board and the API docs. */
describe('admin web app: serving and CSP', () => {
  let app: TestApp;
  let http: Http;

  beforeAll(async () => {
    ensureWebBuilt();
    app = await startTestApp();
    http = new Http(app.url);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('prints the admin URL in the start banner', () => {
    expect(app.running.banner).toContain(`  Admin app:    ${app.url}/admin/`);
    expect(app.running.banner).toContain(`  Try the admin app: open ${app.url}/admin/ and sign in as admin@example.com / demo-password-1`);
  });

  it('serves the app at /admin with a CSP that allows only its own assets, and no inline script or style', async () => {
    const page = await fetch(`${app.url}/admin/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(ADMIN_APP_CSP);
    const policy = directives(csp);
    for (const name of ['default-src', 'script-src', 'style-src', 'font-src', 'connect-src']) expect(policy.get(name), name).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);

    const html = await page.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/<style|\sstyle="/);
    const assets = [
      ...scripts.map(([, attributes, body]) => {
        const src = /src="([^"]+)"/.exec(attributes!)?.[1];
        expect(src, `inline script: ${body!.slice(0, 80)}`).toBeDefined();
        return src!;
      }),
      ...[...html.matchAll(/<link[^>]+rel="(?:stylesheet|modulepreload)"[^>]*href="([^"]+)"/g)].map((m) => m[1]!),
    ];
    expect(assets.some((src) => src.endsWith('.css'))).toBe(true);
    for (const src of assets) {
      const url = new URL(src, `${app.url}/admin/`);
      expect(url.origin).toBe(new URL(app.url).origin);
      expect(url.pathname).toMatch(/^\/admin\/assets\//);
      const asset = await fetch(url);
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('content-type'), src).toMatch(src.endsWith('.css') ? /text\/css/ : /javascript/);
      expect(asset.headers.get('cache-control'), src).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers client routes with the app (a reload of a deep link works), but a missing asset with 404', async () => {
    for (const path of ['/admin', '/admin/imports', '/admin/imports/0b8e6f3a-1111-4222-8333-444455556666', '/admin/users/x?tab=credentials']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain('<div id="root">');
      expect(response.headers.get('content-security-policy'), path).toBe(ADMIN_APP_CSP);
    }
    const missing = await fetch(`${app.url}/admin/assets/does-not-exist.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(ADMIN_APP_CSP);
  });

  it('keeps the Bull Board at /admin/queues (its guard and its own CSP) and the API docs at /api/docs', async () => {
    const anonymous = await fetch(`${app.url}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');

    const admin = await http.login('admin@example.com');
    const cookie = (await admin.post('/api/ops/queue-dashboard/session')).headers.get('set-cookie')!.split(';')[0]!;
    const board = await fetch(`${app.url}/admin/queues`, { headers: { cookie } });
    expect(board.status).toBe(200);
    const boardHtml = await board.text();
    expect(boardHtml).toContain('Credential Import queues');
    expect(board.headers.get('content-security-policy')).not.toBe(ADMIN_APP_CSP);
    expect(directives(board.headers.get('content-security-policy') ?? '').get('style-src')).toContain("'unsafe-inline'");
    const queues = await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie } });
    expect(queues.status).toBe(200);
    expect(((await queues.json()) as { queues: unknown[] }).queues.length).toBe(3);

    const docs = await fetch(`${app.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    expect(docs.headers.get('content-security-policy')).not.toBe(ADMIN_APP_CSP);
    const document = await http.get('/api/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.paths['/api/notifications/unread-count']).toBeDefined();
  });

  it('measures the first screen\'s gzipped JavaScript and fails the build above the budget', () => {
    const run = (budgetKb: number) => spawnSync(process.execPath, ['scripts/web-bundle-size.mjs', 'dist/web', String(budgetKb)], { encoding: 'utf8' });
    const within = run(300);
    expect(within.status, within.stderr).toBe(0);
    const measured = /first screen loads ([\d.]+) KB of gzipped JavaScript/.exec(within.stdout);
    expect(measured).not.toBeNull();
    expect(Number(measured![1])).toBeGreaterThan(10);
    // The screens are lazy chunks: not counted in the first screen.
    expect(within.stdout).toMatch(/[1-9]\d* lazily loaded chunks not counted/);
    const over = run(Math.floor(Number(measured![1])) - 1);
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/over budget/);
  });

  it('leaves the API alone: an /api path is never answered with the app', async () => {
    const unknown = await http.get('/api/no-such-endpoint');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.headers.get('content-security-policy')).not.toBe(ADMIN_APP_CSP);
  });
});

/**
 * Browser tests: the real product (startTestApp: PostgreSQL, Redis, mail catcher) driven through the admin web app
 * in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) with playwright-core.
 *
 *   const web = useBrowserApp();                       // one app, one browser per test file (beforeAll/afterAll)
 *   web.test('signs in', async ({ page }) => {
 *     await signIn(page, 'admin@example.com');
 *     await expectAccessible(page);                     // axe-core: no serious or critical violation
 *   });
 *
 * Every `web.test` gets a fresh browser context and FAILS when the page requested any host other than the
 * product, broke the CSP, or threw an uncaught error. When a test fails, a screenshot and a Playwright trace
 * (`npx playwright-core show-trace <file>`, or https://trace.playwright.dev offline) are kept under
 * test-results/browser/<test name>/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, test as vitestTest } from 'vitest';
import { Http } from '../../support/http.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../../support/test-app.js';
import { ensureWebBuilt } from '../../support/web-build.js';

export { ensureWebBuilt };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often give /dev/shm 64 MB: Chromium's tabs then crash now and then.
  '--disable-dev-shm-usage',
];
export const DEMO_PASSWORD = 'demo-password-1';
/**
 * Chromium's built-in PDF viewer (a component extension with a fixed id) and the chrome://resources it loads:
 * what shows a PDF inline (the review task's blob: frame). Browser-internal, never a network request.
 */
export const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai';
const BROWSER_INTERNAL = [`${PDF_VIEWER}/`, 'chrome://resources/'];
const RESULTS = join(process.cwd(), 'test-results', 'browser');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** What a page did that a test must not allow. */
export interface PageGuard {
  /** Requests to any origin other than the product (aborted). */
  foreign: string[];
  /** Content-Security-Policy violations reported in the console. */
  cspViolations: string[];
  /** Uncaught errors in the page. */
  pageErrors: string[];
}

export interface BrowserTestContext {
  page: Page;
  context: BrowserContext;
  guard: PageGuard;
  /** The product's base URL (http://127.0.0.1:port). */
  url: string;
  app: TestApp;
  http: Http;
}

export interface BrowserApp {
  readonly app: TestApp;
  readonly url: string;
  readonly http: Http;
  readonly browser: Browser;
  /** A vitest test with a fresh guarded page; screenshot + trace on failure. */
  test(name: string, body: (context: BrowserTestContext) => Promise<void>, timeoutMs?: number): void;
  /** What `test` runs: the body on a fresh guarded page; on failure keeps the evidence and rethrows. */
  run(name: string, body: (context: BrowserTestContext) => Promise<void>): Promise<void>;
  /** A fresh guarded context and page, for tests that need several users at once. Close it yourself. */
  newPage(name: string): Promise<{ page: Page; context: BrowserContext; guard: PageGuard }>;
}

/** Starts the product (its own database) and Chromium once for the test file, and stops both after it. */
export function useBrowserApp(options: TestAppOptions & { viewport?: { width: number; height: number } } = {}): BrowserApp {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  const viewport = options.viewport ?? { width: 1280, height: 800 };

  beforeAll(async () => {
    ensureWebBuilt();
    app = await startTestApp(options);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const self: BrowserApp = {
    get app() {
      return app!;
    },
    get url() {
      return app!.url;
    },
    get http() {
      return new Http(app!.url);
    },
    get browser() {
      return browser!;
    },
    async newPage(_name: string) {
      const context = await browser!.newContext({ baseURL: app!.url, locale: 'en-US', viewport });
      const guard = await guardContext(context, app!.url);
      const page = await context.newPage();
      watchPage(page, guard);
      return { page, context, guard };
    },
    test(name, body, timeoutMs = 90_000) {
      vitestTest(name, () => self.run(name, body), timeoutMs);
    },
    async run(name, body) {
      const { page, context, guard } = await self.newPage(name);
      await context.tracing.start({ screenshots: true, snapshots: true, sources: false });
      try {
        await body({ page, context, guard, url: app!.url, app: app!, http: new Http(app!.url) });
        expectCleanGuard(guard);
        await context.tracing.stop();
      } catch (error) {
        await keepEvidence(name, page, context);
        throw error;
      } finally {
        await context.close();
      }
    },
  };
  return self;
}

/** Aborts and records every request to an origin other than the product's. */
export async function guardContext(context: BrowserContext, productUrl: string): Promise<PageGuard> {
  const origin = new URL(productUrl).origin;
  const guard: PageGuard = { foreign: [], cspViolations: [], pageErrors: [] };
  await context.route(
    (url) => (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && url.origin !== origin,
    async (route) => {
      guard.foreign.push(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (BROWSER_INTERNAL.some((prefix) => request.url().startsWith(prefix))) return;
    if (!['http:', 'https:', 'data:', 'blob:'].includes(url.protocol) && !guard.foreign.includes(request.url())) guard.foreign.push(request.url());
  });
  return guard;
}

export function watchPage(page: Page, guard: PageGuard) {
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) guard.cspViolations.push(text);
  });
  page.on('pageerror', (error) => guard.pageErrors.push(error.stack ?? error.message));
}

export function expectCleanGuard(guard: PageGuard) {
  const problems = [
    ...guard.foreign.map((url) => `request to a host other than the product: ${url}`),
    ...guard.cspViolations.map((text) => `CSP violation: ${text}`),
    ...guard.pageErrors.map((text) => `uncaught error in the page: ${text}`),
  ];
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Where a failed test's screenshot and trace go. */
export function evidenceDirectory(name: string): string {
  return join(RESULTS, name.replace(/[^\w.-]+/g, '-').slice(0, 120));
}

async function keepEvidence(name: string, page: Page, context: BrowserContext) {
  const dir = evidenceDirectory(name);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, 'failure.png'), fullPage: true }).catch(() => {});
  await context.tracing.stop({ path: join(dir, 'trace.zip') }).catch(() => {});
  process.stderr.write(`[browser] kept ${join(dir, 'failure.png')} and ${join(dir, 'trace.zip')}\n`);
}

/** Signs in through the sign-in screen and waits for the shell (its main navigation). */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD, path = '/admin/') {
  if (!page.url().startsWith('http')) await page.goto(path);
  await page.locator('#signin-email').fill(email);
  await page.locator('#signin-password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('header nav').waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation (WCAG 2.x A/AA and
 * best practices). axe is evaluated through the DevTools protocol, which the page's CSP does not restrict.
 */
export async function expectAccessible(page: Page, what = page.url()): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axe.source);
  const violations = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`)) as AxeViolation[];
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  if (serious.length > 0) {
    throw new Error(`accessibility violations on ${what}:\n${serious.map((v) => `- [${v.impact}] ${v.id}: ${v.help} (${v.nodes.join(', ')})`).join('\n')}`);
  }
  return violations;
}

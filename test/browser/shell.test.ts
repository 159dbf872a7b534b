import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceDirectory, expectAccessible, signIn, useBrowserApp } from './support/browser.js';

/** True when `expected` appear in `entries` in this order (other entries may come between). */
const inOrder =
  (...expected: string[]) =>
  (entries: string[]) =>
    expected.every((entry, index) => entries.indexOf(entry) >= 0 && (index === 0 || entries.indexOf(entry) > entries.indexOf(expected[index - 1]!)));

/** The shell of the admin web app: sign-in, navigation by permissions, language, session in memory only. */
describe('admin web app: shell', () => {
  const web = useBrowserApp();

  web.test('signs in, shows the navigation the user may use, switches to Dutch; accessible in both languages', async ({ page }) => {
    await page.goto('/admin/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'the sign-in screen');

    await signIn(page, 'admin@example.com');
    const nav = page.getByRole('navigation', { name: 'Main' });
    // (Other areas may add entries; these three are there, in this order.)
    await expect.poll(() => nav.getByRole('link').allTextContents().then(inOrder('Imports', 'Reviews', 'Notifications'))).toBe(true);
    await page.getByRole('heading', { level: 1, name: /^Welcome, / }).waitFor();
    await expectAccessible(page, 'the start page');

    await page.getByLabel('Language').selectOption('nl');
    const dutchNav = page.getByRole('navigation', { name: 'Hoofdmenu' });
    await expect.poll(() => dutchNav.getByRole('link').allTextContents().then(inOrder('Imports', 'Beoordelingen', 'Meldingen'))).toBe(true);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('nl');
    await page.getByRole('button', { name: 'Uitloggen' }).waitFor();
    await expectAccessible(page, 'the start page in Dutch');

    // Client-side navigation; the title follows the screen.
    await dutchNav.getByRole('link', { name: 'Beoordelingen' }).click();
    await page.waitForURL('**/admin/reviews');
    await expect.poll(() => page.title()).toMatch(/^Beoordelingen/);
    await expect(dutchNav.getByRole('link', { name: 'Beoordelingen' }).getAttribute('aria-current')).resolves.toBe('page');
  });

  web.test('opens a deep link after sign-in, keeps the session in memory only (a reload asks again), signs out', async ({ page, http }) => {
    await page.goto('/admin/imports');
    await signIn(page, 'admin@example.com');
    await expect.poll(() => page.title()).toMatch(/^Imports · /);
    expect(page.url()).toMatch(/\/admin\/imports$/);
    await expect(page.evaluate('JSON.stringify([localStorage.length, sessionStorage.length, document.cookie])')).resolves.toBe('[0,0,""]');

    await page.reload();
    await page.locator('#signin-email').waitFor();

    await signIn(page, 'admin@example.com');
    const loggedOut = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    // The API refuses the token from then on: signing out is not only forgetting it in the page.
    const response = await loggedOut;
    expect(response.status()).toBe(204);
    const token = response.request().headers().authorization!.replace(/^Bearer /, '');
    expect((await http.as(token).get('/api/auth/me')).status).toBe(401);
  });

  web.test('follows the user\'s own language (lena: Dutch); a learner sees neither imports nor reviews', async ({ page }) => {
    await page.goto('/admin/imports/00000000-0000-0000-0000-000000000000');
    await signIn(page, 'lena@example.com');
    const nav = page.getByRole('navigation', { name: 'Hoofdmenu' });
    await expect.poll(() => nav.getByRole('link').allTextContents().then(inOrder('Meldingen'))).toBe(true);
    const entries = await nav.getByRole('link').allTextContents();
    expect(entries).not.toContain('Imports');
    expect(entries).not.toContain('Beoordelingen');
    await page.getByRole('heading', { level: 1, name: 'Geen toegang' }).waitFor();
    await expectAccessible(page, '"no access" in Dutch');
  });

  web.test('says the app was updated when a screen of the old version is gone, and reloads into the new one', async ({ page }) => {
    await signIn(page, 'manager@example.com');
    // A deploy since the page loaded: the reviews screen's file (its name carries the old content hash) is gone.
    await page.route('**/admin/assets/ReviewsPage-*.js', (route) => route.fulfill({ status: 404, body: 'Not Found' }));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { level: 1, name: 'This app was updated' }).waitFor();
    await expectAccessible(page, 'the "app was updated" message');
    // Not "Try again": that would fetch the same missing file.
    await expect(page.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(0);

    await page.unroute('**/admin/assets/ReviewsPage-*.js');
    await page.getByRole('button', { name: 'Reload the page' }).click();
    // The session lives in memory only: the reloaded page asks to sign in, then opens the screen it was on.
    await signIn(page, 'manager@example.com');
    await expect.poll(() => page.title()).toMatch(/^Reviews · /);
    await page.getByRole('heading', { level: 1, name: 'Reviews' }).waitFor();
  });

  web.test('asks for the password again in place when the session ends, and keeps the screen', async ({ page, http }) => {
    await page.goto('/admin/reviews');
    await signIn(page, 'manager@example.com');
    await expect.poll(() => page.title()).toMatch(/^Reviews · /);

    // The password is changed elsewhere: every session of this user ends, this tab's token included.
    const elsewhere = await http.login('manager@example.com');
    expect((await elsewhere.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'a-new-password-2' })).status).toBe(200);

    // The next API call (the unread count on navigation) is refused: a modal dialog asks for the password.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
    await dialog.waitFor();
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('resume-password');
    // Refused, also when pressed again (a browser lets a page refuse Escape once per user activation): closing
    // it would leave a page that cannot work.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expectAccessible(page, 'the session-ended dialog');

    await dialog.getByLabel('Password').fill('demo-password-1');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/password/i);

    await dialog.getByLabel('Password').fill('a-new-password-2');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(page.url()).toMatch(/\/admin\/imports$/);
    await expect.poll(() => page.title()).toMatch(/^Imports · /);
    await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
  });

  web.test("a wrong password shows the API's message", async ({ page }) => {
    await page.goto('/admin/');
    await page.locator('#signin-email').fill('admin@example.com');
    await page.locator('#signin-password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password/i);
    await expectAccessible(page, 'the sign-in error');
  });

  web.test('the guard sees a request to another host and a CSP violation (so the other tests can fail on them)', async ({ page, guard }) => {
    await page.goto('/admin/');
    // The app's CSP (connect-src 'self') stops a script's request to another host before it leaves the page…
    await page.evaluate(`fetch('http://example.invalid/track').catch(() => undefined)`);
    await expect.poll(() => guard.cspViolations.length).toBeGreaterThan(0);
    // …and whatever still reaches the network for another host is aborted and recorded.
    await page.goto('http://example.invalid/').catch(() => undefined);
    expect(guard.foreign).toEqual(['http://example.invalid/']);
    guard.foreign.length = 0; // seen: the guard works; this test itself must not fail on them
    guard.cspViolations.length = 0;
  });

  it('keeps a screenshot and a trace of a failed test, and fails it on a foreign request it did not look at', async () => {
    const name = 'evidence self-check (expected to fail)';
    const dir = evidenceDirectory(name);
    rmSync(dir, { recursive: true, force: true });
    try {
      await expect(
        web.run(name, async ({ page }) => {
          await page.goto('/admin/');
          await page.locator('#signin-email').waitFor();
          throw new Error('planted failure');
        }),
      ).rejects.toThrow('planted failure');
      expect(statSync(join(dir, 'failure.png')).size).toBeGreaterThan(1000);
      expect(statSync(join(dir, 'trace.zip')).size).toBeGreaterThan(1000);

      // A body that passes but let the page reach another host fails all the same.
      await expect(
        web.run(name, async ({ page }) => {
          await page.goto('/admin/');
          await page.goto('http://example.invalid/').catch(() => undefined);
        }),
      ).rejects.toThrow('request to a host other than the product: http://example.invalid/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});

import { describe, expect } from 'vitest';
import { expectAccessible, signIn, useBrowserApp } from './support/browser.js';

/** The shell of the admin web app: sign-in, navigation by permissions, language, session in memory only. */
describe('admin web app: shell', () => {
  const web = useBrowserApp();

  web.test('signs in, shows the navigation the user may use, switches to Dutch; accessible in both languages', async ({ page }) => {
    await page.goto('/admin/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'the sign-in screen');

    await signIn(page, 'admin@example.com');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['Imports', 'Reviews', 'Users', 'My certificates', 'Notifications']);
    await page.getByRole('heading', { level: 1, name: /^Welcome, / }).waitFor();
    await expectAccessible(page, 'the start page');

    await page.getByLabel('Language').selectOption('nl');
    const dutchNav = page.getByRole('navigation', { name: 'Hoofdmenu' });
    await expect.poll(() => dutchNav.getByRole('link').allTextContents()).toEqual(['Imports', 'Beoordelingen', 'Gebruikers', 'Mijn certificaten', 'Meldingen']);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('nl');
    await page.getByRole('button', { name: 'Uitloggen' }).waitFor();
    await expectAccessible(page, 'the start page in Dutch');

    // Client-side navigation; the title follows the screen.
    await dutchNav.getByRole('link', { name: 'Beoordelingen' }).click();
    await page.waitForURL('**/admin/reviews');
    await expect.poll(() => page.title()).toMatch(/^Beoordelingen/);
    await expect(dutchNav.getByRole('link', { name: 'Beoordelingen' }).getAttribute('aria-current')).resolves.toBe('page');
  });

  web.test('opens a deep link after sign-in, keeps the session in memory only (a reload asks again), signs out', async ({ page }) => {
    await page.goto('/admin/imports');
    await signIn(page, 'admin@example.com');
    await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
    await expect(page.evaluate('JSON.stringify([localStorage.length, sessionStorage.length, document.cookie])')).resolves.toBe('[0,0,""]');

    await page.reload();
    await page.locator('#signin-email').waitFor();

    await signIn(page, 'admin@example.com');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
  });

  web.test('follows the user\'s own language (lena: Dutch); a learner sees neither imports nor reviews', async ({ page }) => {
    await page.goto('/admin/imports/00000000-0000-0000-0000-000000000000');
    await signIn(page, 'lena@example.com');
    const nav = page.getByRole('navigation', { name: 'Hoofdmenu' });
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['Mijn certificaten', 'Meldingen']);
    await page.getByRole('heading', { level: 1, name: 'Geen toegang' }).waitFor();
    await expectAccessible(page, '"no access" in Dutch');
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
});

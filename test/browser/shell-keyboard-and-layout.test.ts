import { describe, expect } from 'vitest';
import { DEMO_PASSWORD, expectAccessible, signIn, useBrowserApp } from './support/browser.js';

/** The shell with the keyboard only, on a tablet, the unread notifications badge, and its neighbours at /admin/queues and /api/docs. */
describe('admin web app: keyboard, layout, unread count', () => {
  const web = useBrowserApp();

  /** The focused element's description and whether its focus is visible (an outline or a box-shadow ring). */
  const focused = (page: import('playwright-core').Page) =>
    page.evaluate(`(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
      return { tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim(), visible: ring };
    })()`) as Promise<{ tag: string; id: string; text: string; visible: boolean }>;

  web.test('signs in and moves around with the keyboard only, with visible focus', async ({ page }) => {
    await page.goto('/admin/');
    await page.locator('#signin-email').waitFor();
    // Tab order on the sign-in screen: language, email, password, submit; Enter submits.
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ id: 'language-switch', visible: true });
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ id: 'signin-email', visible: true });
    await page.keyboard.type('admin@example.com');
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ id: 'signin-password', visible: true });
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    // Signed in, focus is on the screen itself; the skip link is the first thing in the page's tab order.
    await expect(focused(page)).resolves.toMatchObject({ tag: 'main', id: 'main' });
    await expect(page.evaluate(`document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])').textContent`)).resolves.toBe('Skip to content');
    await page.locator('.skip-link').focus();
    await expect(focused(page)).resolves.toMatchObject({ tag: 'a', text: 'Skip to content', visible: true });
    await expect(page.getByRole('link', { name: 'Skip to content' }).isVisible()).resolves.toBe(true);
    // Then brand, and the navigation: Enter on "Reviews" opens it and puts focus on the new screen.
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ text: 'Credential Import', visible: true });
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ tag: 'a', text: 'Imports', visible: true });
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toMatchObject({ tag: 'a', text: 'Reviews', visible: true });
    await page.keyboard.press('Enter');
    await page.waitForURL('**/admin/reviews');
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'main', id: 'main' });
    // The skip link, used: focus lands on the content.
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('location.hash')).toBe('#main');
    await expect(focused(page)).resolves.toMatchObject({ tag: 'main' });
  });

  web.test('fits a tablet in portrait and a laptop without sideways scrolling', async ({ page }) => {
    await page.goto('/admin/');
    await signIn(page, 'admin@example.com');
    for (const viewport of [{ width: 768, height: 1024 }, { width: 1024, height: 768 }, { width: 1366, height: 768 }]) {
      await page.setViewportSize(viewport);
      await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
      for (const name of ['Imports', 'Reviews', 'Sign out']) {
        await expect(page.getByRole(name === 'Sign out' ? 'button' : 'link', { name, exact: true }).first().isVisible(), `${name} at ${viewport.width}px`).resolves.toBe(true);
      }
      await expectAccessible(page, `the start page at ${viewport.width}×${viewport.height}`);
    }
  });

  web.test('shows the unread notifications count, refreshed on navigation', async ({ page, app, http }) => {
    const [admin] = await app.sql<{ id: string }>(`select id from users where email = 'admin@example.com'`);
    await app.sql(`update in_app_notifications set read_at = now() where user_id = $1`, [admin!.id]);
    await page.goto('/admin/');
    await signIn(page, 'admin@example.com');
    const badge = page.getByTestId('unread-link');
    await expect.poll(() => badge.getAttribute('title')).toBe('No unread notifications');
    await expect(page.getByTestId('unread-count').count()).resolves.toBe(0);

    for (let i = 0; i < 3; i++) {
      await app.sql(`insert into in_app_notifications (id, user_id, kind, title_key, params, link) values (gen_random_uuid(), $1, 'import-completed', 'NOTIFICATIONS.IMPORT_FAILED', '{"fileName":"x.csv"}', null)`, [admin!.id]);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
    await expect.poll(() => badge.getAttribute('title')).toBe('3 unread notifications');
    await expect(page.getByTestId('unread-count').textContent()).resolves.toBe('3');
    await page.getByRole('link', { name: 'Notifications 3 unread', exact: true }).waitFor();
    await expect(badge.textContent()).resolves.toBe('Notifications3 unread');
    await expectAccessible(page, 'the header with an unread count');

    const session = await http.login('admin@example.com');
    expect((await session.post('/api/notifications/read-all')).status).toBe(200);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
    await expect.poll(() => badge.getAttribute('title')).toBe('No unread notifications');
    await badge.click();
    await page.waitForURL('**/admin/notifications');
  });

  web.test('the Bull Board and the API docs still work in the browser next to the app', async ({ page, context, http, guard }) => {
    const session = await http.login('admin@example.com');
    const cookie = (await session.post('/api/ops/queue-dashboard/session')).headers.get('set-cookie')!.split(';')[0]!;
    const [name, value] = cookie.split('=');
    await context.addCookies([{ name: name!, value: value!, url: `${web.url}/admin/queues` }]);
    await page.goto('/admin/queues');
    await page.getByText('Credential Import queues').first().waitFor();
    await page.getByText('imports').first().waitFor();
    // The Bull Board's own page asks Google Fonts for its typeface (the global CSP allows that host for it);
    // the admin app never does. Only that is let through here.
    expect(guard.foreign.every((url) => /^https:\/\/fonts\.(googleapis|gstatic)\.com\//.test(url)), guard.foreign.join(', ')).toBe(true);
    guard.foreign.length = 0;

    await page.goto('/api/docs/');
    await page.locator('.swagger-ui .info .title').waitFor();
    await expect(page.locator('.swagger-ui .info .title').textContent()).resolves.toContain('Credential Import API');
  });
});

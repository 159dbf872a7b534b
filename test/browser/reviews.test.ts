import { describe, expect } from 'vitest';
import { minimalPdf } from '../../src/modules/certificates/infrastructure/certificates-demo.seeder.js';
import type { Http } from '../support/http.js';
import { expectAccessible, PDF_VIEWER, signIn, useBrowserApp } from './support/browser.js';

/**
 * Reviews in the admin web app (W3): a learner uploads through the API, the reviewer (manager@) signs in, opens
 * the task, sees the PDF, validates one (with a catalogue definition) and rejects another (refused without a
 * comment: the API's message is shown; then with one); a version conflict is shown; a user's certificates and
 * the notifications page; every screen checked with axe; one screen switched to Dutch.
 */
describe('admin web app: reviews, a user\u2019s certificates, notifications', () => {
  const web = useBrowserApp();

  const upload = async (learner: Http, name: string) => {
    const response = await learner.upload('/api/external-certificates', { name, deliveredOn: '2026-03-14', expiresOn: '2028-03-14' }, [
      { field: 'file', fileName: `${name}.pdf`, content: minimalPdf(`${name} - certificate`), contentType: 'application/pdf' },
    ]);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ state: 'pending_review', reviewer: { tier: 'manager' } });
    return response.body as { id: string; version: number; user: { id: string } };
  };

  web.test('the reviewer opens the task, sees the PDF, validates one and rejects another (a comment is required)', async ({ page, http }) => {
    const lars = await http.login('lars@example.com');
    const lotte = await http.login('lotte@example.com');
    const manager = await http.login('manager@example.com');
    const firstAid = await upload(lars, 'First aid');
    const forklift = await upload(lotte, 'Forklift');

    await page.goto('/admin/reviews');
    await signIn(page, 'manager@example.com');
    await page.getByRole('heading', { level: 1, name: 'Reviews' }).waitFor();
    await page.getByText('2 waiting for you').waitFor();
    await expectAccessible(page, 'the reviews list');

    // The task: details, the PDF inline from a blob: URL holding the uploaded bytes.
    await page.getByRole('link', { name: 'Open First aid' }).click();
    await page.waitForURL(`**/admin/reviews/${firstAid.id}`);
    await page.getByRole('heading', { level: 1, name: 'Review: First aid' }).waitFor();
    const frame = page.getByTitle('PDF of First aid');
    await frame.waitFor();
    const src = (await frame.getAttribute('src')) ?? '';
    expect(src).toMatch(/^blob:/);
    // Chromium's own PDF viewer opened the blob (a fetch of it from the page is not allowed: connect-src 'self').
    await expect.poll(() => (frame.elementHandle().then((handle) => handle?.contentFrame()).then((inner) => inner?.url() ?? ''))).toBe(src);
    await expect.poll(() => page.frames().some((f) => f.url().startsWith(`${PDF_VIEWER}/`))).toBe(true);
    expect((await frame.boundingBox())?.height ?? 0).toBeGreaterThan(300);
    await page.getByRole('region', { name: 'Details' }).getByRole('link', { name: 'Lars Bakker' }).waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByText('Uploaded', { exact: true }).first().waitFor();
    await expectAccessible(page, 'a review task');

    // Edit the name, associate the catalogue definition, comment, validate.
    await page.getByLabel('Certificate name').fill('First aid level 2');
    await page.getByLabel('Catalogue definition').selectOption({ label: 'VCA-BASIS — VCA Basic safety' });
    await page.getByLabel('Comment (required to reject)').fill('Looks right');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('status').filter({ hasText: 'The certificate is validated.' }).waitFor();
    await page.getByText('This certificate has been decided; it can no longer be edited.').waitFor();
    const validated = await manager.get(`/api/external-certificates/${firstAid.id}`);
    expect(validated.body).toMatchObject({ state: 'validated', name: 'First aid level 2', comment: 'Looks right', definitionId: expect.any(String) });
    await page.getByText('Name: First aid → First aid level 2', { exact: true }).waitFor();

    // Back to the list: one left. Reject it: refused without a comment (the API's words), then with one.
    await page.getByRole('link', { name: 'Back to reviews' }).click();
    await page.getByText('1 waiting for you').waitFor();
    await page.getByRole('link', { name: 'Open Forklift' }).click();
    await page.getByTitle('PDF of Forklift').waitFor();
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('alert').filter({ hasText: 'A rejection needs a comment saying why.' }).waitFor();
    expect((await manager.get(`/api/external-certificates/${forklift.id}`)).body.state).toBe('pending_review');
    await page.getByLabel('Comment (required to reject)').fill('The scan is unreadable');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('status').filter({ hasText: 'The certificate is rejected.' }).waitFor();
    expect((await manager.get(`/api/external-certificates/${forklift.id}`)).body).toMatchObject({ state: 'rejected', comment: 'The scan is unreadable' });
    await expectAccessible(page, 'a decided task');

    await page.getByRole('link', { name: 'Back to reviews' }).click();
    await page.getByText('Nothing waits for you.').waitFor();
    await page.getByLabel('Show').selectOption('validated');
    await page.getByRole('link', { name: 'Open First aid level 2' }).waitFor();
  });

  web.test('a change made elsewhere meanwhile is a clear conflict (in Dutch, with the API\'s Dutch message), the current values can be loaded; keyboard and tablet', async ({ page, http }) => {
    const lars = await http.login('lars@example.com');
    const manager = await http.login('manager@example.com');
    const task = await upload(lars, 'Crane operator');

    await page.goto(`/admin/reviews/${task.id}`);
    await signIn(page, 'manager@example.com');
    await page.getByRole('heading', { level: 1, name: 'Review: Crane operator' }).waitFor();

    const elsewhere = await manager.patch(`/api/external-certificates/${task.id}`, { name: 'Crane operator (tower)', version: task.version });
    expect(elsewhere.status).toBe(200);

    // In Dutch: the screen and the API's message (the app asks in the UI language).
    await page.getByLabel('Language').selectOption('nl');
    await page.getByRole('heading', { level: 1, name: 'Beoordeling: Crane operator' }).waitFor();
    await page.getByLabel('Naam van het certificaat').fill('Crane operator (mobile)');
    await page.getByRole('button', { name: 'Wijzigingen bewaren' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'Iemand anders heeft dit certificaat intussen gewijzigd.' }).waitFor();
    await expect(alert.textContent()).resolves.toMatch(/gewijzigd sinds je het las \(versie 1, nu 2\)/);
    await expectAccessible(page, 'a version conflict, in Dutch');
    await page.getByRole('button', { name: 'De huidige waarden laden' }).click();
    await expect.poll(() => page.getByLabel('Naam van het certificaat').inputValue()).toBe('Crane operator (tower)');
    // 14 March 2026 as Dutch writes it, in the details.
    await page.getByRole('region', { name: 'Gegevens' }).getByText('14 mrt 2026').waitFor();

    // Keyboard only: Enter in a field saves (the form's first button), and focus goes to the outcome.
    await page.getByLabel('Naam van het certificaat').fill('Crane operator (tower crane)');
    await page.getByLabel('Naam van het certificaat').press('Enter');
    await page.getByRole('status').filter({ hasText: 'Wijzigingen bewaard.' }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement?.className')).toBe('w3-outcome');
    // A tablet in portrait: one column, no sideways scrolling.
    await page.setViewportSize({ width: 768, height: 1024 });
    await expect.poll(() => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    const pdfBox = await page.getByTitle('Pdf van Crane operator (tower crane)').boundingBox();
    const formBox = await page.getByLabel('Naam van het certificaat').boundingBox();
    expect(formBox!.y).toBeGreaterThan(pdfBox!.y + pdfBox!.height);
    await expectAccessible(page, 'a review task on a tablet');
    expect((await manager.get(`/api/external-certificates/${task.id}`)).body).toMatchObject({ name: 'Crane operator (tower crane)', state: 'pending_review' });
  });

  web.test("a user's certificates and credentials; the notifications page, read one and all; switched to Dutch", async ({ page, http }) => {
    const lars = await http.login('lars@example.com');
    const task = await upload(lars, 'Welding');
    const larsId = task.user.id;

    // Find the user, open their certificates.
    await page.goto('/admin/users');
    await signIn(page, 'manager@example.com');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByText('3 found').waitFor(); // a manager's scope: themselves and their two managees
    await expectAccessible(page, 'the users list');
    await page.getByLabel('Search by name, email address or user code').fill('lars');
    await page.getByLabel('Search by name, email address or user code').press('Enter');
    await page.getByText('1 found').waitFor();
    await page.getByRole('link', { name: 'Certificates of Lars Bakker' }).click();
    await page.waitForURL(`**/admin/users/${larsId}`);
    await page.getByRole('heading', { level: 1, name: 'Certificates of Lars Bakker' }).waitFor();
    const external = page.getByRole('region', { name: 'External certificates' });
    await external.getByRole('link', { name: 'Open Welding' }).waitFor();
    await external.getByText('Waiting for review').first().waitFor();
    await page.getByRole('region', { name: 'Credits' }).getByText(/^Total: /).waitFor();
    await page.getByRole('region', { name: 'Licences' }).waitFor();
    await page.getByRole('region', { name: 'Credentials' }).waitFor();
    await page.getByRole('region', { name: 'Obtained certificates' }).waitFor();
    await expectAccessible(page, "a user's certificates");

    // The uploads asked manager@ to review: in-app notifications.
    await page.getByRole('navigation').getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const list = page.locator('.w3-notifications > li');
    await expect.poll(() => list.count()).toBeGreaterThan(0);
    const unreadBefore = await list.count();
    await expectAccessible(page, 'the notifications page');
    await list.first().getByRole('button', { name: /^Mark as read\b.*Welding/ }).click();
    await page.getByRole('status').filter({ hasText: 'Marked as read.' }).waitFor();
    await expect.poll(() => list.count()).toBe(unreadBefore - 1);

    // Dutch, then mark all read.
    await page.getByLabel('Language').selectOption('nl');
    await page.getByRole('heading', { level: 1, name: 'Meldingen' }).waitFor();
    await page.getByRole('button', { name: 'Alles markeren als gelezen' }).waitFor();
    await expectAccessible(page, 'the notifications page in Dutch');
    if (unreadBefore > 1) {
      await page.getByRole('button', { name: 'Alles markeren als gelezen' }).click();
      await page.getByText(`${unreadBefore - 1} gemarkeerd als gelezen.`).waitFor();
    }
    await page.getByText('Geen ongelezen meldingen.').waitFor();
    await page.getByText('Alles is gelezen.').waitFor();
    await page.getByLabel('Alle').check();
    await expect.poll(() => list.count()).toBe(unreadBefore);
  });

  web.test('a learner sees their own certificates with the state of an upload, in their own language (lars: Dutch)', async ({ page, http }) => {
    const lars = await http.login('lars@example.com');
    await upload(lars, 'Scaffolding');
    await page.goto('/admin/my-certificates');
    await signIn(page, 'lars@example.com');
    await page.getByRole('heading', { level: 1, name: 'Mijn certificaten' }).waitFor();
    const external = page.getByRole('region', { name: 'Externe certificaten' });
    await external.getByRole('row', { name: /Scaffolding/ }).getByText('Wacht op beoordeling').waitFor();
    // 14 March 2026 as Dutch writes it.
    await external.getByRole('row', { name: /Scaffolding/ }).getByText(/14 mrt 2026/).waitFor();
    // Credentials: the list, or (without the credentials API in this build) a placeholder that says so.
    await page.getByRole('region', { name: 'Credentials' }).getByText(/nog geen credentials-API|^Geen\.$/).waitFor();
    await expect(page.getByRole('region', { name: 'Licenties' }).count()).resolves.toBe(0);
    await expectAccessible(page, 'my certificates');
  });
});

import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { expectAccessible, signIn, useBrowserApp } from './support/browser.js';

/**
 * The import screens of the admin web app, driven in Chromium against the real product: choose a type and
 * download its template, upload a CSV with Dutch headers (users import, as the platform admin) with the
 * upload's progress bar, fix the suggested mapping (after the API refused a clash, shown next to the field),
 * options from the API's lists, a validation with errors, confirm, the run's progress bar at 100 %, the error
 * file downloaded and read back; a warning that must be acknowledged (the test-only type, whose 409 names
 * the code); the server's refusal of an upload; the import log with its filters and a detail page.
 * axe-core on every screen; the support module fails a test on any request to another host.
 */
const DUTCH_CSV = [
  'E-mailadres;Voornaam;Familienaam;Taal;Opmerking',
  'nieuw.een@example.com;Noor;Eenhoorn;nl;eerste',
  'nieuw.twee@example.com;Bram;Tweedehands;en;tweede',
  'geen-adres;Kees;Fout;nl;ongeldig adres',
  'nieuw.drie@example.com;Saar;Driehoek;xx;taal bestaat niet',
  'nieuw.vier@example.com;Lot;;nl;achternaam ontbreekt',
].join('\r\n');

async function mappingSelect(page: Page, header: string) {
  return page.locator(`tr[data-header="${header}"] select`);
}

async function readXlsx(path: string): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const rows: string[][] = [];
  workbook.worksheets[0].eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1).map((value) => (value === null || value === undefined ? '' : String(value))));
  });
  return rows;
}

describe('admin web app: imports', () => {
  const web = useBrowserApp({ env: { IMPORT_TEST_TYPES: 'true' } });

  web.test(
    'users import with Dutch headers: template, upload with progress, mapping fixed, validation with errors, confirm, run to 100 %, error file',
    async ({ page, app }) => {
      const streams: string[] = [];
      page.on('request', (request) => {
        if (/\/api\/imports\/[0-9a-f-]{36}\/events(\?|$)/.test(request.url())) streams.push(request.url());
      });
      await page.goto('/admin/imports');
      await signIn(page, 'admin@example.com');
      await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
      await expectAccessible(page, 'the import log');

      // 1. Choose a type, read what it does, download its template.
      await page.getByRole('link', { name: 'New import' }).click();
      await page.getByRole('heading', { level: 1, name: 'New import' }).waitFor();
      const card = page.locator('li[data-type="users"]');
      await card.getByText('Bulk create and update users').waitFor();
      await expectAccessible(page, 'choosing an import type');
      const [template] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download the template (XLSX)' }).click()]);
      expect(template.suggestedFilename()).toBe('users_template.xlsx');
      const templateRows = await readXlsx((await template.path())!);
      expect(templateRows[0].slice(0, 5)).toEqual(['Email', 'First Name', 'Last Name', 'User Code', 'Language']);

      // 2. Upload a CSV with Dutch headers, with the upload's own progress bar.
      await card.getByRole('link', { name: /Upload a file/ }).click();
      await page.getByRole('heading', { level: 1, name: /^Upload: Users/ }).waitFor();
      await expectAccessible(page, 'the upload screen');
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.getByText('Choose a file first.').waitFor();
      await page.locator('#imp-file').setInputFiles({ name: 'medewerkers.csv', mimeType: 'text/csv', buffer: Buffer.from(DUTCH_CSV, 'utf8') });
      await page.getByText(/Chosen: medewerkers\.csv/).waitFor();
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/);
      const importId = page.url().split('/').pop()!;

      // 3. The mapping: headers with samples, suggestions with their confidence, Skip, open mandatory columns.
      await page.getByRole('heading', { level: 2, name: 'Map the columns' }).waitFor();
      await expect(page.locator('tr[data-header="E-mailadres"] .imp-samples').textContent()).resolves.toContain('nieuw.een@example.com');
      await expect(page.locator('tr[data-header="E-mailadres"] .imp-confidence').textContent()).resolves.toMatch(/^Email · Sure \(\d+ %\)$/);
      await expect((await mappingSelect(page, 'E-mailadres')).inputValue()).resolves.toBe('email');
      await expect((await mappingSelect(page, 'Voornaam')).inputValue()).resolves.toBe('firstName');
      await expect((await mappingSelect(page, 'Taal')).inputValue()).resolves.toBe('language');
      await expect((await mappingSelect(page, 'Familienaam')).inputValue()).resolves.toBe('');
      await expectAccessible(page, 'the mapping screen');
      // Skipping the mandatory Email leaves it open, highlighted.
      await (await mappingSelect(page, 'E-mailadres')).selectOption('');
      await expect(page.getByTestId('open-mandatory').textContent()).resolves.toContain('Mandatory columns still open: Email');
      await (await mappingSelect(page, 'E-mailadres')).selectOption('email');
      await expect(page.getByTestId('open-mandatory').textContent()).resolves.toContain('Every mandatory column is mapped');
      // A clash is sent as is: the API refuses it (400) and the refusal shows next to the header.
      await (await mappingSelect(page, 'Opmerking')).selectOption('firstName');
      await page.getByText('Also chosen for “Voornaam”').waitFor();
      // The options: groups from GET /api/groups, the welcome mail and language as selects.
      await page.locator('[data-option="groupIds"]').getByLabel('Operations', { exact: true }).check();
      await page.getByLabel('Welcome mail').selectOption('none');
      await page.getByLabel('Language of new users').selectOption('nl');
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.getByRole('alert').filter({ hasText: 'The mapping was refused' }).waitFor();
      await expect(page.locator('tr[data-header="Opmerking"] .imp-field-error').textContent()).resolves.toMatch(/First Name|firstName/);
      await expectAccessible(page, 'the mapping screen with a refusal');
      // Fix the suggested mapping: Familienaam is the last name, Opmerking is skipped.
      await (await mappingSelect(page, 'Familienaam')).selectOption('lastName');
      await (await mappingSelect(page, 'Opmerking')).selectOption('');
      await page.getByRole('button', { name: 'Check the file' }).click();

      // 4-5. Validation, then the outcome with errors per row.
      await page.getByRole('heading', { level: 2, name: 'Check the outcome' }).waitFor({ timeout: 30_000 });
      const count = (key: string) => page.locator(`[data-count="${key}"] dd`).textContent();
      await expect(count('total')).resolves.toBe('5');
      await expect(count('valid')).resolves.toBe('2');
      await expect(count('failed')).resolves.toBe('3');
      await expect.poll(() => page.locator('tr[data-row]').count()).toBe(3);
      await expect(page.locator('tr[data-row="4"]').textContent()).resolves.toMatch(/geen-adres/);
      await expectAccessible(page, 'the outcome of the validation');
      // Filters: by outcome and by message code.
      const codes = await page.locator('#imp-rows-code option').allTextContents();
      expect(codes.length).toBeGreaterThan(1);
      await page.locator('#imp-rows-outcome').selectOption('valid');
      await expect.poll(() => page.locator('tr[data-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-row')))).toEqual(['2', '3']);
      await page.locator('#imp-rows-outcome').selectOption('');
      const languageCode = codes.find((text) => /LANGUAGE/.test(text));
      expect(languageCode, codes.join(' | ')).toBeDefined();
      await page.locator('#imp-rows-code').selectOption({ label: languageCode! });
      await expect.poll(() => page.locator('tr[data-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-row')))).toEqual(['5']);

      // Confirm, and follow the run to 100 %.
      await page.getByRole('button', { name: /Import the valid rows/ }).click();
      await page.getByTestId('end-notice').waitFor({ timeout: 30_000 });
      await expect(page.getByTestId('end-notice').textContent()).resolves.toMatch(/The import has ended: Completed with errors\. 2 succeeded, 3 failed/);
      await expect(page.getByTestId('run-progress').getAttribute('aria-valuenow')).resolves.toBe('100');
      await expect(page.locator('.imp-progress__percent').first().textContent()).resolves.toBe('100 %');
      // The progress came from the events stream, opened with a ticket (never with the token in the URL).
      expect(streams.length).toBeGreaterThan(0);
      for (const url of streams) expect(url).toMatch(new RegExp(`/api/imports/${importId}/events\\?ticket=[^&]+$`));
      await expectAccessible(page, 'the ended import');
      const created = await app.sql<{ email: string; language: string; groups: string }>(
        `select u.email, u.language, string_agg(g.name, ',') as groups from users u
           join group_members m on m.user_id = u.id join groups g on g.id = m.group_id
          where u.email like 'nieuw.%' group by u.email, u.language order by u.email`,
      );
      expect(created).toEqual([
        { email: 'nieuw.een@example.com', language: 'nl', groups: 'Operations' },
        { email: 'nieuw.twee@example.com', language: 'en', groups: 'Operations' },
      ]);

      // 7. The error file, opened: the failed rows as uploaded plus their errors.
      const [errorFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the error file' }).click()]);
      expect(errorFile.suggestedFilename()).toBe('medewerkers_errors.xlsx');
      const errorRows = await readXlsx((await errorFile.path())!);
      expect(errorRows[0]).toEqual(['E-mailadres', 'Voornaam', 'Familienaam', 'Taal', 'Opmerking', 'Errors']);
      expect(errorRows.slice(1).map((row) => row[0])).toEqual(['geen-adres', 'nieuw.drie@example.com', 'nieuw.vier@example.com']);
      expect(errorRows[1][5]).toMatch(/geen-adres|email/i);
      expect(errorRows[3][5]).toMatch(/last name|Last Name|Achternaam/i);
      // The results file as CSV.
      await page.getByLabel('File format').selectOption('csv');
      const [results] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the results file' }).click()]);
      expect(results.suggestedFilename()).toBe('medewerkers_results.csv');
      expect(readFileSync((await results.path())!, 'utf8')).toContain('nieuw.twee@example.com');

      // Undo: a new import that reverts what this one wrote, with its own page.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Undo this import' }).click();
      await page.getByText('This import undoes').waitFor();
      expect(page.url()).not.toContain(importId);
      await expect.poll(() => page.getByTestId('import-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
      await expect(page.locator('[data-count="succeeded"] dd').textContent()).resolves.toBe('2');
      await expect(page.getByRole('button', { name: 'Undo this import' }).count()).resolves.toBe(0);
      await expectAccessible(page, 'an undo');
      await page.getByRole('link', { name: 'the earlier import' }).click();
      await page.waitForURL(`**/admin/imports/${importId}`);

      // The import log lists both; the detail page of the import is this page.
      await page.getByRole('link', { name: 'All imports' }).click();
      await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
      await page.getByRole('link', { name: 'medewerkers.csv' }).last().click();
      await page.waitForURL(`**/admin/imports/${importId}`);
      await page.getByRole('heading', { level: 1, name: 'Import of medewerkers.csv' }).waitFor();
    },
    180_000,
  );

  web.test('a warning that needs confirming: Confirm shows the 409 naming the code until it is acknowledged', async ({ page }) => {
    await page.goto('/admin/imports/new/test-records');
    await signIn(page, 'admin@example.com');
    await page.getByRole('heading', { level: 1, name: /^Upload: Test records/ }).waitFor();
    const csv = ['Code,Name,Amount', 'A1,Alpha,5', 'A2,Beta,500', 'A3,Gamma,7'].join('\n');
    await page.locator('#imp-file').setInputFiles({ name: 'records.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('heading', { level: 2, name: 'Map the columns' }).waitFor();
    // On a tablet: the mapping fits the width (no sideways scrolling of the page).
    await page.setViewportSize({ width: 768, height: 1024 });
    await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    await expectAccessible(page, 'the mapping screen on a tablet');
    // An option the API refuses (400, not a number) shows next to that option.
    await page.getByLabel('Budget', { exact: true }).fill('ten');
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.locator('[data-option="budget"] .imp-field-error').waitFor();
    await expect(page.getByLabel('Budget', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('Budget', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Check the file' }).click();

    await page.getByRole('heading', { level: 2, name: 'Check the outcome' }).waitFor({ timeout: 30_000 });
    await expect(page.locator('.imp-warning-groups li[data-code="TEST_RECORDS.BIG_AMOUNT"]').textContent()).resolves.toMatch(/^1 rows The amount is more than 100/);
    const acknowledge = page.getByRole('checkbox', { name: /I accept: The amount is more than 100/ });
    await expectAccessible(page, 'a warning to confirm');
    await page.getByRole('button', { name: /Import the valid rows/ }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The import did not start' });
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('Not confirmed: TEST_RECORDS.BIG_AMOUNT');
    await expect(acknowledge.getAttribute('aria-invalid')).resolves.toBe('true');
    await expectAccessible(page, 'the refused confirmation');
    // With the keyboard: tick the warning, then confirm.
    await acknowledge.focus();
    await page.keyboard.press('Space');
    await expect(acknowledge.isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toMatch(/Import the valid rows/);
    await page.keyboard.press('Enter');
    await page.getByTestId('end-notice').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('end-notice').textContent()).resolves.toContain('3 succeeded, 0 failed');
    await expect(page.getByTestId('run-progress').getAttribute('aria-valuenow')).resolves.toBe('100');
    // This type has no undo: not offered.
    await page.getByRole('button', { name: 'Download the results file' }).waitFor();
    await expect(page.getByRole('button', { name: 'Undo this import' }).count()).resolves.toBe(0);
  });

  web.test("the server's refusal of an upload is shown; the import log filters by type, status, who and date, in Dutch too", async ({ page }) => {
    await page.goto('/admin/imports/new/users');
    await signIn(page, 'admin@example.com');
    await page.getByRole('heading', { level: 1, name: /^Upload: Users/ }).waitFor();
    // An old Excel file under a .csv name: refused by its bytes (415), with the API's message.
    // 4 MB: sent whole (the bytes are checked once stored), so its upload progress bar reaches 100 % first.
    const ole2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(4 * 1024 * 1024, 7)]);
    await page.locator('#imp-file').setInputFiles({ name: 'oud.csv', mimeType: 'text/csv', buffer: ole2 });
    await page.getByText('Chosen: oud.csv (4 MB)').waitFor();
    await page.evaluate(`window.uploadProgress = []; new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="upload-progress"]');
      if (bar) window.uploadProgress.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] })`);
    await page.getByRole('button', { name: 'Upload' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The upload was refused' });
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toMatch(/415 IMPORTS\.LEGACY_XLS/);
    await expect(refusal.textContent()).resolves.toMatch(/\.xlsx/);
    const seen = (await page.evaluate('window.uploadProgress')) as number[];
    expect(seen).toContain(100);
    expect(seen.every((value, index) => index === 0 || value >= seen[index - 1])).toBe(true);
    await expectAccessible(page, 'a refused upload');

    // The log: the imports of the earlier tests, filtered.
    await page.getByRole('link', { name: 'Other import types' }).click();
    await page.getByRole('link', { name: 'All imports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Imports' }).waitFor();
    const files = () => page.locator('table.imp-table tbody tr td:first-child a').allTextContents();
    await expect.poll(files).toEqual(['records.csv', 'medewerkers.csv', 'medewerkers.csv']);
    await page.getByLabel('Type', { exact: true }).selectOption('users');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(files).toEqual(['medewerkers.csv', 'medewerkers.csv']);
    await page.getByLabel('Status', { exact: true }).selectOption('completed_with_errors');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(files).toEqual(['medewerkers.csv']);
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No imports match these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Started by').fill('nobody like this');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No imports match these filters.').waitFor();
    await page.getByLabel('Started by').fill('Admin');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(files).toEqual(['records.csv', 'medewerkers.csv', 'medewerkers.csv']);
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await page.getByLabel('To', { exact: true }).fill('2020-12-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No imports match these filters.').waitFor();
    await page.getByLabel('To', { exact: true }).fill(day);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(files).toEqual(['records.csv', 'medewerkers.csv', 'medewerkers.csv']);
    await expectAccessible(page, 'the filtered import log');

    // In Dutch: statuses and dates as Dutch writes them.
    await page.getByLabel('Language').selectOption('nl');
    await page.getByRole('button', { name: 'Filters toepassen' }).waitFor();
    await expect(page.locator('table.imp-table tbody tr').first().textContent()).resolves.toContain('Voltooid');
    const shown = await page.locator('table.imp-table tbody tr time').first().textContent();
    expect(shown).toBe(new Intl.DateTimeFormat('nl-NL', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(await page.locator('table.imp-table tbody tr time').first().getAttribute('datetime') as string)));
    await expectAccessible(page, 'the import log in Dutch');

    // A detail page with its rows, paginated by the API.
    await page.getByRole('link', { name: 'medewerkers.csv' }).last().click();
    await page.getByRole('heading', { level: 1, name: 'Import van medewerkers.csv' }).waitFor();
    await expect.poll(() => page.locator('tr[data-row]').count()).toBe(5);
    await expectAccessible(page, 'an import detail page in Dutch');
    // On a tablet the page itself does not scroll sideways (wide tables scroll inside their own box).
    await page.setViewportSize({ width: 768, height: 1024 });
    await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    await expectAccessible(page, 'an import detail page on a tablet');
  });
  web.test('a group admin (users import switched on; Gerrit reads Dutch): only their groups offered, the role typed (roles are not theirs to list), cancel', async ({ page, http }) => {
    const platform = await http.login('admin@example.com');
    expect((await platform.put('/api/settings/imports.users.group-admins', { value: true })).status).toBe(200);
    await page.goto('/admin/imports/new');
    await signIn(page, 'groupadmin@example.com');
    await page.locator('li[data-type="users"]').getByRole('link', { name: /Bestand uploaden/ }).click();
    await page.locator('#imp-file').setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from('Email,First Name,Last Name\nteam.een@example.com,Tim,Team\n') });
    await page.getByRole('button', { name: 'Uploaden', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Kolommen koppelen' }).waitFor();
    const groups = page.locator('[data-option="groupIds"] label');
    await expect.poll(() => groups.allTextContents()).toEqual(['Operations', 'Warehouse']);
    await expect(page.getByRole('textbox', { name: 'Rol van nieuwe gebruikers' }).count()).resolves.toBe(1);
    await page.locator('[data-option="role"]').getByText('De lijst kon niet worden geladen').waitFor();
    await expectAccessible(page, "a group admin's mapping screen");
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Deze import annuleren' }).click();
    await expect.poll(() => page.getByTestId('import-status').getAttribute('data-status')).toBe('cancelled');
    await expect(page.getByRole('heading', { level: 2, name: 'Kolommen koppelen' }).count()).resolves.toBe(0);
  });
});

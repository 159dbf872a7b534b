import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEYS = {
  enabled: 'external-certificates.enabled',
  validationRequired: 'external-certificates.validation-required',
  reviewerType: 'external-certificates.reviewer-type',
  credits: 'external-certificates.credits',
  reminderDays: 'external-certificates.reminder-days',
};

/**
 * The platform settings (the feature, validation, the reviewer type, credits, the reminder delay)
 * are listed by GET /api/settings, set by PUT /api/settings/:key with their type checked, and every change
 * is in the audit: which setting, from what, to what, by whom, when. Only platform admins reach them.
 */
describe('external certificate settings and their audit', () => {
  let app: TestApp;
  let admin: Http;
  let adminId: string;

  beforeAll(async () => {
    app = await startTestApp({ env: { REVIEW_SWEEP_INTERVAL_MS: '0', REVIEW_REMINDER_INTERVAL_MS: '0' } });
    admin = await new Http(app.url).login('admin@example.com');
    [{ id: adminId }] = await app.sql<{ id: string }>(`select id from users where email = 'admin@example.com'`);
  });
  afterAll(async () => {
    await app?.close();
  });

  const listed = async () => {
    const response = await admin.get('/api/settings');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return new Map((response.body.items as { key: string }[]).map((item) => [item.key, item]));
  };

  it('lists every external-certificates setting with its default', async () => {
    const settings = await listed();
    expect(settings.get(KEYS.enabled)).toMatchObject({ value: true, defaultValue: true, updatedBy: null, updatedAt: null });
    expect(settings.get(KEYS.validationRequired)).toMatchObject({ value: true, defaultValue: true, updatedBy: null });
    expect(settings.get(KEYS.reviewerType)).toMatchObject({ value: 'managers', defaultValue: 'managers', updatedBy: null });
    expect(settings.get(KEYS.credits)).toMatchObject({ value: false, defaultValue: false, updatedBy: null });
    expect(settings.get(KEYS.reminderDays)).toMatchObject({ value: 7, defaultValue: 7, updatedBy: null });
    for (const key of Object.values(KEYS)) expect(settings.get(key)).toMatchObject({ description: expect.stringMatching(/\w/) });
  });

  it('refuses values of the wrong type or out of range, and audits nothing for them', async () => {
    for (const [key, value] of [
      [KEYS.enabled, 'yes'],
      [KEYS.reviewerType, 'coaches'],
      [KEYS.reminderDays, 0],
      [KEYS.reminderDays, 366],
      [KEYS.reminderDays, 2.5],
      [KEYS.credits, 1],
    ] as const) {
      const response = await admin.put(`/api/settings/${key}`, { value });
      expect([response.status, response.body.code], `${key} = ${JSON.stringify(value)}`).toEqual([400, 'SETTINGS.VALUE_INVALID']);
    }
    expect((await admin.get('/api/settings/history')).body.items.filter((item: { key: string }) => item.key.startsWith('external-certificates.'))).toEqual([]);
  });

  it('changes each setting and records who changed it from what to what, and when', async () => {
    const before = Date.now();
    const changes: [string, unknown, unknown][] = [
      [KEYS.enabled, true, false],
      [KEYS.validationRequired, true, false],
      [KEYS.reviewerType, 'managers', 'group-admins'],
      [KEYS.credits, false, true],
      [KEYS.reminderDays, 7, 3],
    ];
    for (const [key, , value] of changes) {
      const response = await admin.put(`/api/settings/${key}`, { value });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ key, value, updatedBy: adminId });
    }
    const settings = await listed();
    for (const [key, , value] of changes) expect(settings.get(key)).toMatchObject({ value, updatedBy: adminId, updatedAt: expect.any(String) });

    for (const [key, oldValue, newValue] of changes) {
      const history = await admin.get(`/api/settings/history?key=${key}`);
      expect(history.body.items).toEqual([{ key, oldValue: null, newValue, changedBy: adminId, changedAt: expect.any(String) }]);
      const changedAt = Date.parse(history.body.items[0].changedAt);
      expect(changedAt).toBeGreaterThanOrEqual(before - 1000);
      // The audit keeps the value before the first change as null (the default, never stored): say what that was.
      expect(settings.get(key)).toMatchObject({ defaultValue: oldValue });
    }

    // A second change names the first one's value as its old value.
    expect((await admin.put(`/api/settings/${KEYS.reviewerType}`, { value: 'managers' })).status).toBe(200);
    const history = await admin.get(`/api/settings/history?key=${KEYS.reviewerType}`);
    expect(history.body.items.map((item: { oldValue: unknown; newValue: unknown }) => [item.oldValue, item.newValue])).toEqual([
      ['group-admins', 'managers'],
      [null, 'group-admins'],
    ]);
  });

  it('is for platform admins only', async () => {
    const groupAdmin = await new Http(app.url).login('groupadmin@example.com');
    expect((await groupAdmin.get('/api/settings')).status).toBe(403);
    expect((await groupAdmin.put(`/api/settings/${KEYS.enabled}`, { value: false })).status).toBe(403);
    expect((await groupAdmin.get('/api/settings/history')).status).toBe(403);
  });
});

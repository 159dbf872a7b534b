import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notificationsMessages } from '../notifications/messages';
import { appLinkOf } from '../notifications/links';
import { peopleMessages } from '../people/messages';
import { editsBetween, fieldsOf } from './edits';
import { reviewsMessages } from './messages';
import { formatDay, problemCode, problemText } from './shared';

const ID = '0b7f4a8e-2b1c-4c55-9d7e-3f1a2b3c4d5e';

describe('W3: review edits', () => {
  const original = fieldsOf({ name: 'First aid', deliveredOn: '2026-03-14', expiresOn: null, definitionId: null });

  it('sends nothing for an untouched form (so a validate never counts an edit that was not made)', () => {
    expect(editsBetween(original, { ...original })).toEqual({});
  });

  it('sends only the changed fields; a blanked expiry or definition is null (none)', () => {
    expect(editsBetween(original, { ...original, name: 'First aid level 2', definitionId: ID })).toEqual({ name: 'First aid level 2', definitionId: ID });
    const withBoth = fieldsOf({ name: 'X', deliveredOn: '2026-03-14', expiresOn: '2028-03-14', definitionId: ID });
    expect(editsBetween(withBoth, { ...withBoth, expiresOn: '', definitionId: '' })).toEqual({ expiresOn: null, definitionId: null });
  });
});

describe('W3: notification links', () => {
  it("maps the API links of notices to the app's screens", () => {
    expect(appLinkOf(`/api/external-certificates/${ID}`)).toBe(`/admin/reviews/${ID}`);
    expect(appLinkOf(`https://example.test/api/imports/${ID}/rows`)).toBe(`/admin/imports/${ID}`);
    expect(appLinkOf(`/api/imports/${ID}`)).toBe(`/admin/imports/${ID}`);
    expect(appLinkOf('/admin/notifications')).toBe('/admin/notifications');
    expect(appLinkOf('/api/something-else')).toBeNull();
    expect(appLinkOf(null)).toBeNull();
  });
});

describe('W3: dates and problems', () => {
  it('writes a calendar date as the locale does, on the same day whatever the time zone', () => {
    expect(formatDay('2026-03-14', 'nl-NL')).toBe('14 mrt 2026');
    expect(formatDay('2026-03-14', 'en-US')).toBe('Mar 14, 2026');
    expect(formatDay('2026-01-01', 'en-GB')).toBe('1 Jan 2026');
    expect(formatDay(null, 'en-GB')).toBe('');
    const zone = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(formatDay('2026-03-14', 'en-US'), tz).toBe('Mar 14, 2026');
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("shows the API's own message, with field messages, else a fallback", () => {
    expect(problemText({ code: 'VALIDATION.REJECTION_NEEDS_COMMENT', detail: 'A rejection needs a comment saying why.' }, 'failed')).toBe(
      'A rejection needs a comment saying why.',
    );
    expect(problemText({ detail: 'Invalid input.', errors: [{ code: 'X', message: 'name is too long' }] }, 'failed')).toBe('Invalid input. name is too long');
    expect(problemText(undefined, 'failed')).toBe('failed');
    expect(problemCode({ code: 'VALIDATION.VERSION_CONFLICT' })).toBe('VALIDATION.VERSION_CONFLICT');
  });
});

describe('W3: texts', () => {
  const dictionaries = [reviewsMessages, peopleMessages, notificationsMessages];
  const known = new Set(dictionaries.flatMap((dictionary) => Object.keys(dictionary.en)));
  const sources = ['reviews', 'people', 'notifications'].flatMap((dir) =>
    readdirSync(join(__dirname, '..', dir))
      .filter((file) => file.endsWith('.tsx') || (file.endsWith('.ts') && !file.endsWith('.spec.ts')))
      .map((file) => readFileSync(join(__dirname, '..', dir, file), 'utf8')),
  );

  it('has no key twice across the three dictionaries (one t() looks through all of them)', () => {
    const all = dictionaries.flatMap((dictionary) => Object.keys(dictionary.en));
    expect(all.length).toBe(known.size);
  });

  it('has a text, in both languages, for every key the screens ask for', () => {
    const used = sources.flatMap((source) => [...source.matchAll(/\bt\(\s*'([\w.-]+)'/g)].map((match) => match[1]!));
    expect(used.length).toBeGreaterThan(50);
    for (const key of used) expect(known.has(key), key).toBe(true);
    for (const dictionary of dictionaries) expect(Object.keys(dictionary.nl).sort()).toEqual(Object.keys(dictionary.en).sort());
  });

  it('has a text for every value a computed key can take (states, tiers, history actions, licence and credential statuses)', () => {
    const values: Record<string, string[]> = {
      state: ['pending_review', 'validated', 'rejected', 'recorded'],
      tier: ['manager', 'coach', 'group-admin', 'platform-admin'],
      action: ['submitted', 'recorded', 'edited', 'validated', 'rejected', 'reviewer-changed'],
      field: ['name', 'deliveredOn', 'expiresOn', 'definitionId'],
      'reviews.filter': ['pending', 'validated', 'rejected'],
      licence: ['active', 'expiring', 'expired'],
      credential: ['active', 'expired', 'revoked'],
      source: ['manual', 'import', 'external'],
      notifications: ['unread', 'all'],
      'users.status': ['active', 'deleted', 'all'],
    };
    const prefixes = sources.flatMap((source) => [...source.matchAll(/\b(?:t|label)\(\s*`([\w.-]+)\.\$\{/g)].map((match) => match[1]!));
    expect(new Set(prefixes)).toEqual(new Set(Object.keys(values)));
    for (const [prefix, list] of Object.entries(values)) for (const value of list) expect(known.has(`${prefix}.${value}`), `${prefix}.${value}`).toBe(true);
  });
});

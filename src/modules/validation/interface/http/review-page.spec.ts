import { describe, expect, it } from 'vitest';
import { DomainError } from '#libs/errors/domain-error.js';
import { decisionFrom, editsFrom } from './review-page.controller.js';
import { deadLinkPage, reviewFormPage } from './review-page.js';

const task = { name: 'First aid', deliveredOn: '2026-10-01', expiresOn: '2029-10-01', definitionId: null };
const fields = { name: 'First aid', deliveredOn: '2026-10-01', expiresOn: '2029-10-01', definitionId: '', comment: '', originalDefinitionId: '', version: '3' };
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('the review form’s edits', () => {
  it('are only the fields that differ from the task; blank expiry and definition mean none', () => {
    expect(editsFrom(fields, task)).toEqual({});
    const definitionId = '0b6f1b9e-4a4f-4e55-9d8e-3c2f4f1a2b3c';
    expect(editsFrom({ ...fields, name: '  First aid (basic) ', expiresOn: '', definitionId }, task)).toEqual({
      name: 'First aid (basic)',
      expiresOn: null,
      definitionId,
    });
    expect(editsFrom({ ...fields, expiresOn: '' }, { ...task, expiresOn: null })).toEqual({});
  });

  it('refuse a blank or long name, a date that is not one, a definition that is not an id, an overlong comment', () => {
    expect(codeOf(() => editsFrom({ ...fields, name: '  ' }, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_NAME');
    expect(codeOf(() => editsFrom({ ...fields, name: 'x'.repeat(201) }, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_NAME');
    expect(codeOf(() => editsFrom({ ...fields, deliveredOn: '2026-02-30' }, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_DATE');
    expect(codeOf(() => editsFrom({ ...fields, expiresOn: 'tomorrow' }, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_DATE');
    expect(codeOf(() => editsFrom({ ...fields, definitionId: "1' or '1'='1" }, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_DEFINITION');
    expect(codeOf(() => decisionFrom('validate', { ...fields, comment: 'x'.repeat(2001) }, task))).toBe('VALIDATION.REVIEW_PAGE.COMMENT_TOO_LONG');
    expect(codeOf(() => decisionFrom('reject', { ...fields, comment: 'x'.repeat(2001) }, task))).toBe('VALIDATION.REVIEW_PAGE.COMMENT_TOO_LONG');
  });

  it('change the definition only when the choice differs from the one the form started with', () => {
    const current = '0b6f1b9e-4a4f-4e55-9d8e-3c2f4f1a2b3c';
    const other = '1c7f2c0f-5b5f-4f66-8e9f-4d3f5f2b3c4d';
    const withDefinition = { ...task, definitionId: current };
    // The select showed no choice of it (beyond the list's cut-off): posting "none" as it started is no edit.
    expect(editsFrom({ ...fields, definitionId: '', originalDefinitionId: '' }, withDefinition)).toEqual({});
    expect(editsFrom({ ...fields, definitionId: current, originalDefinitionId: current }, withDefinition)).toEqual({});
    expect(editsFrom({ ...fields, definitionId: '', originalDefinitionId: current }, withDefinition)).toEqual({ definitionId: null });
    expect(editsFrom({ ...fields, definitionId: other, originalDefinitionId: current }, withDefinition)).toEqual({ definitionId: other });
  });
});

describe('the decision a posted form asks for', () => {
  it('a rejection neither reads nor applies the edit fields', () => {
    const blanked = { ...fields, name: '', deliveredOn: '', expiresOn: 'soon', definitionId: 'junk', comment: ' Not readable ' };
    expect(decisionFrom('reject', blanked, task)).toEqual({ action: 'reject', edits: {}, comment: 'Not readable', expectedVersion: 3 });
    expect(codeOf(() => decisionFrom('validate', blanked, task))).toBe('VALIDATION.REVIEW_PAGE.INVALID_NAME');
  });

  it('carries the version the page was made from; a form without a readable one is out of date', () => {
    expect(decisionFrom('validate', { ...fields, name: 'CPR' }, task)).toEqual({ action: 'validate', edits: { name: 'CPR' }, comment: null, expectedVersion: 3 });
    expect(decisionFrom('validate', { ...fields, version: '' }, task).expectedVersion).toBe(-1);
    expect(decisionFrom('validate', { ...fields, version: '2x' }, task).expectedVersion).toBe(-1);
  });
});

describe('the review pages', () => {
  const model = {
    token: 'A'.repeat(43),
    csrfField: 'f"><script>',
    learnerName: '<img src=x onerror=alert(1)>',
    uploaderName: 'Lars',
    submittedAt: new Date('2026-11-30T10:00:00Z'),
    linkExpiresAt: new Date('2026-12-07T10:00:00Z'),
    current: { name: '<script>alert(1)</script>', deliveredOn: '2026-10-01', expiresOn: null, definitionId: null, credits: 2.5, fileName: '"quoted".pdf' },
    fields: { name: '<script>alert(1)</script>', deliveredOn: '2026-10-01', expiresOn: '', definitionId: '', comment: '</textarea><script>', originalDefinitionId: '', version: '4' },
    definitions: [{ id: 'd-1', code: 'FA', name: 'First <aid>' }],
  };

  it('escape every value that comes from the data', () => {
    const html = reviewFormPage('en', model);
    expect(html).not.toMatch(/<script|<img|<aid>|<\/textarea><script/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('value="f&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('First &lt;aid&gt; (FA)');
    expect(html).toContain('<dt>Credits</dt><dd>2.5</dd>');
  });

  it('carry the version and the original definition, and show the task’s definition even when deleted', () => {
    const gone = '0b6f1b9e-4a4f-4e55-9d8e-3c2f4f1a2b3c';
    const html = reviewFormPage('en', {
      ...model,
      current: { ...model.current, definitionId: gone },
      fields: { ...model.fields, definitionId: gone, originalDefinitionId: gone },
      definitions: [{ id: gone, code: '', name: '', deleted: true }, ...model.definitions],
    });
    expect(html).toContain('<input type="hidden" name="version" value="4">');
    expect(html).toContain(`<input type="hidden" name="originalDefinitionId" value="${gone}">`);
    expect(html).toContain(`<option value="${gone}" selected>a certificate no longer in the catalogue (${gone})</option>`);
  });

  it('say in words why a link is dead, and offer sign-in', () => {
    const expiredAt = new Date('2026-12-07T10:00:00Z');
    expect(deadLinkPage('en', 'expired', 'https://x.example', expiredAt)).toContain('expired on 7 December 2026 at 10:00 UTC');
    expect(deadLinkPage('nl', 'used', 'https://x.example')).toContain('al gebruikt');
    expect(deadLinkPage('en', 'forged', 'https://x.example')).toContain('<a href="https://x.example">Sign in</a>');
  });
});

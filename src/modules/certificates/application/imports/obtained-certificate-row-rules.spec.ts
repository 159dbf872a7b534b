import { describe, expect, it } from 'vitest';
import type { CertificateDefinitionSummary } from '#libs/contracts/certificates/index.js';
import type { ImportColumn, RawImportRow } from '#libs/contracts/imports/index.js';
import type { UserSummary } from '#libs/contracts/users/index.js';
import { checkCertificateRow, type CertificateRowFacts } from './obtained-certificate-row-rules.js';

const columns: ImportColumn[] = [
  { key: 'userCode', header: 'User Code', mandatory: true, note: '', kind: 'text' },
  { key: 'definitionCode', header: 'Certificate Definition Code', mandatory: true, note: '', kind: 'text' },
  { key: 'dateObtained', header: 'Date Obtained', mandatory: false, note: '', kind: 'date' },
  { key: 'dateExpires', header: 'Date Expires', mandatory: false, note: '', kind: 'date' },
  { key: 'number', header: 'Number', mandatory: false, note: '', kind: 'text' },
  { key: 'autoNumber', header: 'Auto Number', mandatory: false, note: '', kind: 'boolean' },
];
const user: UserSummary = { id: 'u-1', userCode: 'L-1', email: 'l@example.com', firstName: 'L', lastName: 'One', language: 'en', status: 'active' } as UserSummary;
const definition: CertificateDefinitionSummary = { id: 'd-1', code: 'VCA', name: 'VCA', categoryId: 'c', validityMonths: 12, numberPrefix: null } as CertificateDefinitionSummary;
const facts: CertificateRowFacts = { user, definition, seesEveryone: true, today: '2026-11-30' };

function row(values: Partial<Record<string, string>>): RawImportRow {
  return { rowNumber: 7, values: { userCode: 'L-1', definitionCode: 'VCA', dateObtained: '', dateExpires: '', number: '', autoNumber: '', ...values } as Record<string, string> };
}
const codes = (result: ReturnType<typeof checkCertificateRow>) => ('errors' in result ? result.errors.map((e) => e.code) : []);

describe('obtained-certificate row rules', () => {
  it('passes a good row, with today for an empty Date Obtained and d-m-yyyy text read', () => {
    expect(checkCertificateRow(row({}), columns, facts)).toMatchObject({ dateObtained: '2026-11-30', dateExpires: null, autoNumber: false, number: null });
    expect(checkCertificateRow(row({ dateObtained: '1-2-2025', dateExpires: '01-02-2026', number: 'N-1' }), columns, facts)).toMatchObject({
      dateObtained: '2025-02-01',
      dateExpires: '2026-02-01',
      number: 'N-1',
    });
  });

  it('names every problem of a row at once', () => {
    const result = checkCertificateRow(row({ userCode: '', dateExpires: 'soon', autoNumber: 'ja', number: 'N-1' }), columns, facts);
    expect(result).toMatchObject({ rowNumber: 7, status: 'failed' });
    expect(codes(result)).toEqual(['CERTIFICATES.IMPORT_VALUE_REQUIRED', 'CERTIFICATES.IMPORT_DATE_EXPIRES_NOT_RECOGNISED', 'CERTIFICATES.AUTO_NUMBER_WITH_NUMBER', 'CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED']);
  });

  it('names unknown codes only to whoever sees every user', () => {
    expect(codes(checkCertificateRow(row({}), columns, { ...facts, user: undefined, definition: undefined }))).toEqual([
      'CERTIFICATES.IMPORT_DEFINITION_CODE_UNKNOWN',
      'CERTIFICATES.IMPORT_USER_CODE_UNKNOWN',
    ]);
    expect(codes(checkCertificateRow(row({}), columns, { ...facts, user: undefined, seesEveryone: false }))).toEqual(['CERTIFICATES.IMPORT_NOT_FOUND_OR_UNAUTHORISED']);
  });

  it('replaces an unreadable Date Obtained by today with a warning, and fails an expiry before it', () => {
    const unreadable = checkCertificateRow(row({ dateObtained: 'gisteren' }), columns, facts);
    expect(unreadable).toMatchObject({ dateObtained: '2026-11-30', warnings: [{ code: 'CERTIFICATES.IMPORT_DATE_OBTAINED_NOT_RECOGNISED', column: 'dateObtained' }] });
    expect(codes(checkCertificateRow(row({ dateObtained: '1-1-2025', dateExpires: '1-1-2024' }), columns, facts))).toEqual(['CERTIFICATES.EXPIRY_BEFORE_OBTAINED']);
  });

  it('checks the attachment a File Name found', () => {
    const withFile = (attachment: CertificateRowFacts['attachment']) => checkCertificateRow(row({ fileName: 'a.pdf' }), columns, { ...facts, attachment });
    const pdf = { name: 'a.pdf', storageKey: 'k', size: 1, mediaType: 'application/pdf' };
    expect(withFile({ file: pdf })).toMatchObject({ file: pdf });
    expect(codes(withFile({ file: { ...pdf, mediaType: null } }))).toEqual(['CERTIFICATES.IMPORT_ATTACHMENT_NOT_ALLOWED']);
    expect(withFile({ suggestion: 'A.pdf' })).toMatchObject({ errors: [{ code: 'CERTIFICATES.IMPORT_FILE_NOT_FOUND_NEAR_MISS', params: { suggestion: 'A.pdf' } }] });
    expect(codes(withFile({}))).toEqual(['CERTIFICATES.IMPORT_FILE_NOT_FOUND']);
  });
});

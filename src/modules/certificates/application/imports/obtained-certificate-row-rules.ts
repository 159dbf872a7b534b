import type { CertificateDefinitionSummary } from '#libs/contracts/certificates/index.js';
import type { ImportColumn, ImportedFile, ImportMessage, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import type { UserSummary } from '#libs/contracts/users/index.js';
import { parseDateCell } from '#libs/spreadsheet/dates.js';

/** A row that passed its checks, with what it refers to resolved. */
export interface CheckedCertificateRow {
  row: RawImportRow;
  user: UserSummary;
  definition: CertificateDefinitionSummary;
  dateObtained: string;
  dateExpires: string | null;
  number: string | null;
  autoNumber: boolean;
  file?: ImportedFile;
  warnings: ImportMessage[];
}

/** What the chunk's lookups found for one row. */
export interface CertificateRowFacts {
  /** The user with the row's user code, if in the admin's scope. */
  user?: UserSummary;
  /** The definition with the row's code. */
  definition?: CertificateDefinitionSummary;
  /** The admin sees every user: unknown codes may be named as such. */
  seesEveryone: boolean;
  /** YYYY-MM-DD, the default date obtained. */
  today: string;
  /** For a type with attachments: the ZIP entry the File Name found, or a near miss to suggest. */
  attachment?: { file?: ImportedFile; suggestion?: string };
}

const TRUE_TEXT = ['true', 'waar', 'ja', 'yes', '1'];

/**
 * The row rules of an obtained-certificates import, all of a row's problems at once: mandatory values,
 * unknown codes (named only to whoever sees every user: others learn nothing about people outside their
 * scope), dates (an unreadable Date Obtained becomes today with a warning; an unreadable or earlier Date
 * Expires fails), automatic numbering, and the attachment. Pure: the lookups are done by the caller.
 */
export function checkCertificateRow(row: RawImportRow, columns: ImportColumn[], facts: CertificateRowFacts): CheckedCertificateRow | RowOutcome {
  const values = row.values;
  const errors: ImportMessage[] = [];
  const warnings: ImportMessage[] = [];
  for (const column of columns.filter((c) => c.mandatory)) {
    if (!values[column.key]) errors.push({ code: 'CERTIFICATES.IMPORT_VALUE_REQUIRED', column: column.key, params: { column: column.header } });
  }
  const { user, definition, seesEveryone, today } = facts;
  if (values.userCode && values.definitionCode && (!user || !definition)) {
    if (seesEveryone) {
      if (!definition) errors.push({ code: 'CERTIFICATES.IMPORT_DEFINITION_CODE_UNKNOWN', column: 'definitionCode' });
      if (!user) errors.push({ code: 'CERTIFICATES.IMPORT_USER_CODE_UNKNOWN', column: 'userCode' });
    } else {
      errors.push({ code: 'CERTIFICATES.IMPORT_NOT_FOUND_OR_UNAUTHORISED' });
    }
  }

  let dateObtained = today;
  const obtained = parseDateCell(values.dateObtained ?? '');
  if (obtained.ok && obtained.date) dateObtained = obtained.date;
  if (!obtained.ok) {
    warnings.push({ code: 'CERTIFICATES.IMPORT_DATE_OBTAINED_NOT_RECOGNISED', column: 'dateObtained', params: { value: values.dateObtained, today } });
  }
  const expires = parseDateCell(values.dateExpires ?? '');
  if (!expires.ok) errors.push({ code: 'CERTIFICATES.IMPORT_DATE_EXPIRES_NOT_RECOGNISED', column: 'dateExpires', params: { value: values.dateExpires } });
  const dateExpires = expires.ok ? expires.date : null;
  if (dateExpires && dateExpires < dateObtained) {
    errors.push({ code: 'CERTIFICATES.EXPIRY_BEFORE_OBTAINED', column: 'dateExpires', params: { dateObtained, dateExpires } });
  }
  const autoNumber = TRUE_TEXT.includes((values.autoNumber ?? '').toLowerCase());
  if (autoNumber && values.number) errors.push({ code: 'CERTIFICATES.AUTO_NUMBER_WITH_NUMBER', column: 'autoNumber', params: { number: values.number } });
  if (autoNumber && definition && definition.numberPrefix === null) {
    errors.push({ code: 'CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED', column: 'autoNumber', params: { code: definition.code } });
  }

  let file: ImportedFile | undefined;
  if (facts.attachment && values.fileName) {
    const found = facts.attachment;
    if (found.file) {
      if (found.file.mediaType === null) errors.push({ code: 'CERTIFICATES.IMPORT_ATTACHMENT_NOT_ALLOWED', column: 'fileName', params: { fileName: values.fileName } });
      file = found.file;
    } else if (found.suggestion) {
      errors.push({ code: 'CERTIFICATES.IMPORT_FILE_NOT_FOUND_NEAR_MISS', column: 'fileName', params: { suggestion: found.suggestion } });
    } else {
      errors.push({ code: 'CERTIFICATES.IMPORT_FILE_NOT_FOUND', column: 'fileName' });
    }
  }
  if (errors.length > 0 || !user || !definition) return { rowNumber: row.rowNumber, status: 'failed', errors, warnings };
  return { row, user, definition, dateObtained, dateExpires, number: values.number || null, autoNumber, file, warnings };
}

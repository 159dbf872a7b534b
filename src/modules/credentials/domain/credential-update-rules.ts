import type { ImportColumn, ImportMessage, RawImportRow, RowOutcome } from '#libs/contracts/imports/index.js';
import { readDate, type DateFormat } from './credential-dates.js';
import type { AttributeDefinition } from './credential-group.js';
import { Credential, STANDARD_FIELDS, type CredentialFields, type CredentialInput, type CredentialState } from './credential.js';

/** Column keys of a group's custom attributes: `attributes.<attribute key>`. */
export const ATTRIBUTE_COLUMN_PREFIX = 'attributes.';
/** The entity of a credential-update row's RowChange. */
export const CREDENTIAL_ENTITY = 'credential';
/** Keys of a RowChange that are not credential fields: the ledger entry that paid a renewal, the corrected flags. */
export const DEBIT_ENTRY = '$debitEntryId';
export const CORRECTED = '$correctedFields';
export const VERSION = '$version';

/** Warnings an admin must acknowledge before the run. */
export const OVERWRITES_CORRECTED_NAME = 'CREDENTIALS.OVERWRITES_CORRECTED_NAME';
export const EMAIL_CHANGE = 'CREDENTIALS.EMAIL_CHANGE';
/** Informational: the row renews an expired credential and costs one credit (counted by the import-level check). */
export const RENEWAL = 'CREDENTIALS.IMPORT_RENEWAL';
/** The warnings of a row that need the admin's acknowledgement (the type's warningsToConfirm). */
export const CONFIRM_REQUIRED: readonly string[] = [OVERWRITES_CORRECTED_NAME, EMAIL_CHANGE];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A well-formed credential id (a uuid): only those reach the lookup's uuid[] (anything else would fail the chunk's query). */
export function isCredentialId(value: string): boolean {
  return UUID.test(value);
}

/** A credential as the chunk's lookup found it, with what the row rules need to know about its group. */
export interface CredentialNow extends CredentialState {
  groupName: string;
  /** The principal may manage the credential's group (else the credential is treated as not there: no match). */
  groupInScope: boolean;
}

export type CustomAttribute = AttributeDefinition;

/** What the chunk's lookups found for the rows: credentials by id, and by recipient id and email (lowercased). */
export interface CredentialLookups {
  byId: Map<string, CredentialNow>;
  byRecipientId: Map<string, CredentialNow[]>;
  byEmail: Map<string, CredentialNow[]>;
}

export interface UpdateSettings {
  groupId: string;
  dateFormat: DateFormat;
  today: string;
  attributes: AttributeDefinition[];
}

/** The fields an update writes, as recorded: standard fields by name, custom attributes as `attributes.<key>`. */
export type CredentialValues = Record<string, string | number | null>;

export interface PlannedCredentialUpdate {
  row: RawImportRow;
  credential: CredentialNow;
  /** What the row sets, for the aggregate's update (empty cells are absent: unchanged). */
  patch: CredentialInput;
  /** Only the fields that change: before and after. */
  before: CredentialValues;
  after: CredentialValues;
  /** The recipient's corrected fields after the update (a corrected name overwritten loses its flag). */
  correctedAfter: string[];
  renewal: boolean;
  warnings: ImportMessage[];
}

/** The value the lookups use for a row's match: which column, and the value (emails lowercased). */
export function matchKeyOf(row: RawImportRow): { column: 'credentialId' | 'recipientId' | 'recipientEmail'; value: string } | undefined {
  const credentialId = (row.values.credentialId ?? '').trim();
  if (credentialId) return { column: 'credentialId', value: credentialId.toLowerCase() };
  const recipientId = (row.values.recipientId ?? '').trim();
  if (recipientId) return { column: 'recipientId', value: recipientId };
  const email = (row.values.recipientEmail ?? '').trim();
  if (email) return { column: 'recipientEmail', value: email.toLowerCase() };
  return undefined;
}

/**
 * One row of a credential-update file: which credential it updates (credential id, then recipient id,
 * then email, within the chosen group), and what it changes: the cells read in the chosen date format
 * become a patch that the Credential aggregate plans (its own field rules, renewal, reverted correction,
 * email change). Every problem of the row at once.
 */
export function checkCredentialUpdateRow(
  row: RawImportRow,
  columns: ImportColumn[],
  lookups: CredentialLookups,
  settings: UpdateSettings,
): PlannedCredentialUpdate | RowOutcome {
  const headerOf = (key: string) => columns.find((column) => column.key === key)?.header ?? key;
  const errors: ImportMessage[] = [];
  const fail = (): RowOutcome => ({ rowNumber: row.rowNumber, status: 'failed', errors, warnings: [] });

  const credential = matchCredential(row, lookups, settings.groupId, headerOf, errors);
  const value = (key: string) => (row.values[key] ?? '').normalize('NFC').trim();
  const dateOf = (key: string, text: string): string | undefined => {
    const read = readDate(text, settings.dateFormat);
    if ('date' in read) return read.date;
    const code = read.error === 'ambiguous' ? 'CREDENTIALS.IMPORT_DATE_AMBIGUOUS' : read.error === 'no-such-day' ? 'CREDENTIALS.IMPORT_DATE_NO_SUCH_DAY' : 'CREDENTIALS.IMPORT_DATE_NOT_IN_FORMAT';
    errors.push({ code, params: { column: headerOf(key), value: text, format: settings.dateFormat }, column: key });
    return undefined;
  };

  // The patch, read whatever the match found, so that a row shows all of its problems. Empty cells: unchanged.
  const patch: CredentialInput = {};
  const matchedBy = matchKeyOf(row)?.column;
  if (value('recipientName')) patch.recipientName = value('recipientName');
  if (value('recipientEmail') && matchedBy !== 'recipientEmail') patch.recipientEmail = value('recipientEmail');
  if (value('recipientId') && matchedBy === 'credentialId') patch.recipientId = value('recipientId');
  for (const key of ['issuedOn', 'expiresOn'] as const) {
    if (value(key)) patch[key] = dateOf(key, value(key));
  }
  if (value('grade')) patch.grade = value('grade');
  const attributes: Record<string, unknown> = {};
  for (const attribute of settings.attributes) {
    const key = `${ATTRIBUTE_COLUMN_PREFIX}${attribute.key}`;
    const text = value(key);
    if (!text) continue;
    attributes[attribute.key] = attribute.kind === 'date' ? dateOf(key, text) : text;
  }
  if (Object.keys(attributes).length > 0) patch.attributes = attributes;

  if (!credential || errors.length > 0) return fail();

  const planned = Credential.restore(credential).plan(patch, settings.attributes, settings.today);
  if (planned.issues.length > 0) {
    for (const issue of planned.issues) {
      const column = issue.field === 'id' ? matchedBy : issue.field;
      errors.push({ code: issue.code, params: column ? { ...issue.params, column: headerOf(column) } : issue.params, column });
    }
    return fail();
  }
  const { update } = planned;
  const before: CredentialValues = {};
  const after: CredentialValues = {};
  for (const [key, change] of Object.entries(update.changes)) {
    before[key] = recorded(change.before);
    after[key] = recorded(change.after);
  }
  if (Object.keys(after).length === 0) {
    return { rowNumber: row.rowNumber, status: 'skipped', errors: [], warnings: [{ code: 'CREDENTIALS.IMPORT_NOTHING_CHANGES' }], entityId: credential.id };
  }

  const warnings: ImportMessage[] = [];
  if (update.revertedCorrection) {
    warnings.push({ code: OVERWRITES_CORRECTED_NAME, params: { old: update.revertedCorrection.before, new: update.revertedCorrection.after }, column: 'recipientName' });
  }
  if (update.emailChange) warnings.push({ code: EMAIL_CHANGE, params: { old: update.emailChange.before, new: update.emailChange.after }, column: 'recipientEmail' });
  if (update.renewal) warnings.push({ code: RENEWAL, params: { previous: update.renewal.previousExpiresOn, expiresOn: update.renewal.expiresOn }, column: 'expiresOn' });
  const correctedAfter = update.revertedCorrection ? credential.correctedFields.filter((field) => field !== 'recipientName') : [...credential.correctedFields];
  return { row, credential, patch, before, after, correctedAfter, renewal: update.renewal !== null, warnings };
}

function recorded(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : String(value);
}

/** The credential the row names, or the errors that say why there is none to update. */
function matchCredential(row: RawImportRow, lookups: CredentialLookups, groupId: string, headerOf: (key: string) => string, errors: ImportMessage[]): CredentialNow | undefined {
  const key = matchKeyOf(row);
  if (!key) {
    errors.push({ code: 'CREDENTIALS.IMPORT_NO_MATCH_VALUE', params: { columns: [headerOf('credentialId'), headerOf('recipientId'), headerOf('recipientEmail')].join(', ') } });
    return undefined;
  }
  const column = key.column;
  const params = { column: headerOf(column), value: (row.values[column] ?? '').trim() };
  let candidates: CredentialNow[];
  if (column === 'credentialId') {
    if (!isCredentialId(key.value)) {
      errors.push({ code: 'CREDENTIALS.IMPORT_CREDENTIAL_ID_INVALID', params, column });
      return undefined;
    }
    const found = lookups.byId.get(key.value);
    candidates = found ? [found] : [];
  } else {
    candidates = ((column === 'recipientId' ? lookups.byRecipientId : lookups.byEmail).get(key.value) ?? []).filter((c) => !c.revokedAt);
  }
  // A credential of a group the admin may not manage is not theirs to learn of: the same answer as none at all.
  candidates = candidates.filter((c) => c.groupInScope);
  const inGroup = candidates.filter((c) => c.groupId === groupId);
  if (inGroup.length === 0) {
    const elsewhere = candidates.filter((c) => c.groupId !== groupId);
    if (elsewhere.length === 0) errors.push({ code: 'CREDENTIALS.IMPORT_NO_MATCH', params, column });
    else errors.push({ code: 'CREDENTIALS.IMPORT_OTHER_GROUP', params: { ...params, group: [...new Set(elsewhere.map((c) => c.groupName))].join(', ') }, column });
    return undefined;
  }
  if (inGroup.length > 1) {
    const named = inGroup
      .slice(0, 10)
      .map((c) => `${c.id} (${c.recipientName})`)
      .join(', ');
    errors.push({ code: 'CREDENTIALS.IMPORT_AMBIGUOUS_MATCH', params: { ...params, count: inGroup.length, candidates: inGroup.length > 10 ? `${named}, ...` : named }, column });
    return undefined;
  }
  if (inGroup[0].revokedAt) {
    errors.push({ code: 'CREDENTIALS.IMPORT_CREDENTIAL_REVOKED', params, column });
    return undefined;
  }
  return inGroup[0];
}

/**
 * Rows of one chunk that update the same credential: every occurrence fails, naming the other rows
 * (a file that says two things about one credential is not the admin's decision to leave to row order).
 */
export function sameCredentialTwice(plans: PlannedCredentialUpdate[]): { keep: PlannedCredentialUpdate[]; failed: RowOutcome[] } {
  const rowsOf = new Map<string, number[]>();
  for (const plan of plans) rowsOf.set(plan.credential.id, [...(rowsOf.get(plan.credential.id) ?? []), plan.row.rowNumber]);
  const keep: PlannedCredentialUpdate[] = [];
  const failed: RowOutcome[] = [];
  for (const plan of plans) {
    const rows = rowsOf.get(plan.credential.id)!;
    if (rows.length === 1) keep.push(plan);
    else
      failed.push({
        rowNumber: plan.row.rowNumber,
        status: 'failed',
        errors: [{ code: 'CREDENTIALS.IMPORT_SAME_CREDENTIAL_TWICE', params: { credential: plan.credential.id, rows: rows.filter((n) => n !== plan.row.rowNumber).join(', ') } }],
        warnings: [],
      });
  }
  return { keep, failed };
}

/** What validation recorded for a row, as the run is handed it (ImportChunkContext.validated). */
export interface ValidatedRow {
  warnings: ImportMessage[];
  change: { before: Record<string, unknown> | null } | null;
}

/**
 * Why a row planned at run may not be applied: the admin confirmed what validation showed, so the run applies
 * only that. The credential's version moved since validation (a recipient's name correction, an email changed
 * through REST), its renewal status changed (its expiry passed meanwhile: the credit check counted validation's
 * renewals), or its plan now carries a warning to confirm that the admin did not acknowledge.
 */
export function changedSinceValidation(plan: PlannedCredentialUpdate, seen: ValidatedRow | undefined, acknowledged: readonly string[]): ImportMessage | undefined {
  if (seen) {
    if (seen.change?.before?.[VERSION] !== plan.credential.version) return { code: 'CREDENTIALS.IMPORT_CHANGED_MEANWHILE' };
    if (seen.warnings.some((warning) => warning.code === RENEWAL) !== plan.renewal) return { code: 'CREDENTIALS.IMPORT_RENEWAL_CHANGED', column: 'expiresOn' };
  }
  const missing = plan.warnings.map((warning) => warning.code).filter((code) => CONFIRM_REQUIRED.includes(code) && !acknowledged.includes(code));
  if (missing.length > 0) return { code: 'CREDENTIALS.IMPORT_WARNING_NOT_ACKNOWLEDGED', params: { codes: missing.join(', ') } };
  return undefined;
}

export type UndoDecision = { kind: 'revert' } | { kind: 'skip'; code: string } | { kind: 'fail'; code: string };

/**
 * Undo of one updated credential: only while it is untouched since the import (its version is still the
 * one the update left), else skipped. Gone (deleted) is skipped too.
 */
export function decideCredentialUndo(after: Record<string, unknown> | null, now: { version: number } | undefined): UndoDecision {
  if (!after || typeof after[VERSION] !== 'number') return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED' };
  if (!now) return { kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' };
  if (now.version !== after[VERSION]) return { kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' };
  return { kind: 'revert' };
}

/**
 * A credential's fields with recorded values put back (undo): standard fields by name, custom attributes as
 * `attributes.<key>` (null: the attribute had no value). Fields the record does not hold keep their value.
 */
export function withRecordedValues(fields: CredentialFields, recorded: Record<string, unknown>): CredentialFields {
  const next: CredentialFields = { ...fields, attributes: { ...fields.attributes } };
  for (const [key, value] of Object.entries(recorded)) {
    if (key.startsWith(ATTRIBUTE_COLUMN_PREFIX)) {
      const attribute = key.slice(ATTRIBUTE_COLUMN_PREFIX.length);
      if (value === null || value === undefined) delete next.attributes[attribute];
      else next.attributes[attribute] = typeof value === 'number' ? value : String(value);
    } else if ((STANDARD_FIELDS as readonly string[]).includes(key)) {
      (next as unknown as Record<string, unknown>)[key] = value === undefined ? null : value;
    }
  }
  return next;
}

import { conflict, DomainError, invalid } from '#libs/errors/domain-error.js';
import { checkAttributes, type AttributeDefinition, type AttributeIssue, type AttributeValue } from './credential-group.js';
import { isLocalDate, type LocalDate } from './local-date.js';

/** The fields of a credential an admin (or an import row) sets. */
export interface CredentialFields {
  recipientName: string;
  recipientEmail: string;
  recipientId: string | null;
  issuedOn: LocalDate;
  expiresOn: LocalDate | null;
  grade: string | null;
  attributes: Record<string, AttributeValue>;
}

export const STANDARD_FIELDS = ['recipientName', 'recipientEmail', 'recipientId', 'issuedOn', 'expiresOn', 'grade'] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];

/** Fields a recipient may correct themselves; a correction is flagged so an admin's overwrite can be warned about. */
export const CORRECTABLE_FIELDS = ['recipientName'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];

export interface CredentialState extends CredentialFields {
  id: string;
  groupId: string;
  correctedFields: CorrectableField[];
  /** ISO timestamp, or null. */
  revokedAt: string | null;
  version: number;
}

export type CredentialStatus = 'active' | 'expired' | 'revoked';

/** Revoked wins; otherwise expired once the expiry date lies before today (the expiry day itself is still valid). */
export function statusOf(credential: { expiresOn: LocalDate | null; revokedAt: string | null }, today: LocalDate): CredentialStatus {
  if (credential.revokedAt) return 'revoked';
  return credential.expiresOn !== null && credential.expiresOn < today ? 'expired' : 'active';
}

/** Recertification: an expired credential (expiry before today) given an expiry after today. Costs a credit. */
export function isRenewal(before: LocalDate | null, after: LocalDate | null, today: LocalDate): boolean {
  return before !== null && before < today && after !== null && after > today;
}

/** A change of one field, by field name (`attributes.<key>` for custom attributes). */
export type FieldChanges = Record<string, { before: unknown; after: unknown }>;

/** The fields that differ between two versions of a credential. */
export function diffFields(before: CredentialFields, after: CredentialFields): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of STANDARD_FIELDS) {
    if (before[field] !== after[field]) changes[field] = { before: before[field], after: after[field] };
  }
  const keys = new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)]);
  for (const key of [...keys].sort()) {
    const own = (attributes: Record<string, unknown>) => (Object.hasOwn(attributes, key) ? (attributes[key] ?? null) : null);
    const [old, next] = [own(before.attributes), own(after.attributes)];
    if (old !== next) changes[`attributes.${key}`] = { before: old, after: next };
  }
  return changes;
}

/** A field's problem, for an import row's error list or a REST validation error. */
export type FieldIssue = { field: string; code: string; params: Record<string, string | number> };

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A credential's input before normalisation: what a DTO or an import row carries. */
export interface CredentialInput {
  recipientName?: unknown;
  recipientEmail?: unknown;
  recipientId?: unknown;
  issuedOn?: unknown;
  expiresOn?: unknown;
  grade?: unknown;
  /** Merged into the current values: a key with null or '' clears that attribute. */
  attributes?: Record<string, unknown>;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * Checks a complete set of fields (after a patch was applied) against the rules: a name of 1-200
 * characters, a valid email (kept in lower case), a recipient id of at most 100 characters, dates as real
 * YYYY-MM-DD dates with the expiry not before the issue date, a grade of at most 100 characters, and the
 * group's attribute definitions. Returns the normalised fields, or every issue found.
 */
export function checkFields(
  input: CredentialInput,
  definitions: readonly AttributeDefinition[],
): { fields: CredentialFields; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const name = text(input.recipientName);
  if (name === null || name.length > 200 || CONTROL.test(name)) issues.push({ field: 'recipientName', code: 'CREDENTIALS.RECIPIENT_NAME_INVALID', params: { max: 200 } });
  const email = text(input.recipientEmail)?.toLowerCase() ?? null;
  if (email === null || email.length > 254 || !EMAIL.test(email)) issues.push({ field: 'recipientEmail', code: 'CREDENTIALS.RECIPIENT_EMAIL_INVALID', params: { value: String(input.recipientEmail ?? '') } });
  const recipientId = text(input.recipientId);
  if (recipientId !== null && (recipientId.length > 100 || CONTROL.test(recipientId))) issues.push({ field: 'recipientId', code: 'CREDENTIALS.RECIPIENT_ID_INVALID', params: { max: 100 } });
  const issuedOn = text(input.issuedOn);
  if (issuedOn === null || !isLocalDate(issuedOn)) issues.push({ field: 'issuedOn', code: 'CREDENTIALS.DATE_INVALID', params: { field: 'issuedOn', value: String(input.issuedOn ?? '') } });
  const expiresOn = text(input.expiresOn);
  if (expiresOn !== null && !isLocalDate(expiresOn)) issues.push({ field: 'expiresOn', code: 'CREDENTIALS.DATE_INVALID', params: { field: 'expiresOn', value: String(input.expiresOn) } });
  else if (expiresOn !== null && issuedOn !== null && isLocalDate(issuedOn) && expiresOn < issuedOn) {
    issues.push({ field: 'expiresOn', code: 'CREDENTIALS.EXPIRY_BEFORE_ISSUE', params: { expiresOn, issuedOn } });
  }
  const grade = text(input.grade);
  if (grade !== null && (grade.length > 100 || CONTROL.test(grade))) issues.push({ field: 'grade', code: 'CREDENTIALS.GRADE_INVALID', params: { max: 100 } });
  const attributes = checkAttributes(definitions, input.attributes ?? {});
  issues.push(...attributes.issues.map((issue: AttributeIssue) => ({ field: `attributes.${issue.key}`, code: issue.code, params: issue.params })));
  return {
    fields: {
      recipientName: name ?? '',
      recipientEmail: email ?? '',
      recipientId,
      issuedOn: issuedOn ?? '',
      expiresOn,
      grade,
      attributes: attributes.values,
    },
    issues,
  };
}

function assertNoIssues(issues: FieldIssue[]): void {
  if (issues.length > 0) {
    const [first] = issues;
    throw new DomainError(first.code, 'validation', first.params, issues.map((issue) => ({ field: issue.field, code: issue.code, params: issue.params })));
  }
}

/** What an update did: the changed fields, and what callers must act on. */
export interface CredentialUpdate {
  changes: FieldChanges;
  /** Set when the update renewed an expired credential (one credit). */
  renewal: { previousExpiresOn: LocalDate; expiresOn: LocalDate } | null;
  /** The admin overwrote a name the recipient had corrected (the flag is cleared). */
  revertedCorrection: { before: string; after: string } | null;
  /** The recipient's email changed (they were contacted at the old address). */
  emailChange: { before: string; after: string } | null;
}

/**
 * An issued credential. Its status is derived from its expiry (and revocation); fields the recipient
 * corrected themselves are flagged, and an admin's change of such a field clears the flag (a correction
 * reverted, which imports warn about before doing it).
 */
export class Credential {
  private constructor(private state: CredentialState) {}

  static restore(state: CredentialState): Credential {
    return new Credential({ ...state, attributes: { ...state.attributes }, correctedFields: [...state.correctedFields] });
  }

  static issue(id: string, groupId: string, input: CredentialInput, definitions: readonly AttributeDefinition[]): Credential {
    const { fields, issues } = checkFields(input, definitions);
    assertNoIssues(issues);
    return new Credential({ id, groupId, ...fields, correctedFields: [], revokedAt: null, version: 1 });
  }

  get snapshot(): CredentialState {
    return { ...this.state, attributes: { ...this.state.attributes }, correctedFields: [...this.state.correctedFields] };
  }

  get fields(): CredentialFields {
    const { recipientName, recipientEmail, recipientId, issuedOn, expiresOn, grade, attributes } = this.state;
    return { recipientName, recipientEmail, recipientId, issuedOn, expiresOn, grade, attributes: { ...attributes } };
  }

  status(today: LocalDate): CredentialStatus {
    return statusOf(this.state, today);
  }

  /**
   * Plans an admin's update without applying it: the patch merged onto the current fields (attributes
   * per key), checked, and compared. Issues are returned rather than thrown so an import row can list them.
   */
  plan(patch: CredentialInput, definitions: readonly AttributeDefinition[], today: LocalDate): { fields: CredentialFields; issues: FieldIssue[]; update: CredentialUpdate } {
    const current = this.fields;
    const merged: CredentialInput = {
      recipientName: 'recipientName' in patch ? patch.recipientName : current.recipientName,
      recipientEmail: 'recipientEmail' in patch ? patch.recipientEmail : current.recipientEmail,
      recipientId: 'recipientId' in patch ? patch.recipientId : current.recipientId,
      issuedOn: 'issuedOn' in patch ? patch.issuedOn : current.issuedOn,
      expiresOn: 'expiresOn' in patch ? patch.expiresOn : current.expiresOn,
      grade: 'grade' in patch ? patch.grade : current.grade,
      attributes: { ...current.attributes, ...(patch.attributes ?? {}) },
    };
    const { fields, issues } = checkFields(merged, definitions);
    if (this.state.revokedAt) issues.unshift({ field: 'id', code: 'CREDENTIALS.CREDENTIAL_REVOKED', params: {} });
    const changes = issues.length > 0 ? {} : diffFields(current, fields);
    const nameChanged = 'recipientName' in changes;
    return {
      fields,
      issues,
      update: {
        changes,
        renewal: 'expiresOn' in changes && isRenewal(current.expiresOn, fields.expiresOn, today) ? { previousExpiresOn: current.expiresOn!, expiresOn: fields.expiresOn! } : null,
        revertedCorrection: nameChanged && this.state.correctedFields.includes('recipientName') ? { before: current.recipientName, after: fields.recipientName } : null,
        emailChange: 'recipientEmail' in changes ? { before: current.recipientEmail, after: fields.recipientEmail } : null,
      },
    };
  }

  /** An admin's update (REST or an import row). Throws a validation error listing every issue; a revoked credential cannot change. */
  update(patch: CredentialInput, definitions: readonly AttributeDefinition[], today: LocalDate): CredentialUpdate {
    if (this.state.revokedAt) throw conflict('CREDENTIALS.CREDENTIAL_REVOKED');
    const { fields, issues, update } = this.plan(patch, definitions, today);
    assertNoIssues(issues);
    if (Object.keys(update.changes).length === 0) return update;
    this.state = {
      ...this.state,
      ...fields,
      correctedFields: update.revertedCorrection ? this.state.correctedFields.filter((field) => field !== 'recipientName') : this.state.correctedFields,
      version: this.state.version + 1,
    };
    return update;
  }

  /**
   * Restores fields recorded before an update (undo), flags included. Not checked against today's
   * definitions: it puts back exactly what was there.
   */
  restore(fields: CredentialFields, correctedFields: CorrectableField[]): FieldChanges {
    const changes = diffFields(this.fields, fields);
    this.state = { ...this.state, ...fields, attributes: { ...fields.attributes }, correctedFields: [...correctedFields], version: this.state.version + 1 };
    return changes;
  }

  /** The recipient corrects their own name: the flag is set. The same name again changes nothing. */
  correctNameByRecipient(name: unknown): FieldChanges {
    if (this.state.revokedAt) throw conflict('CREDENTIALS.CREDENTIAL_REVOKED');
    const checked = text(name);
    if (checked === null || checked.length > 200 || CONTROL.test(checked)) throw invalid('CREDENTIALS.RECIPIENT_NAME_INVALID', { max: 200 });
    if (checked === this.state.recipientName) return {};
    const changes = { recipientName: { before: this.state.recipientName, after: checked } };
    this.state = {
      ...this.state,
      recipientName: checked,
      correctedFields: this.state.correctedFields.includes('recipientName') ? this.state.correctedFields : [...this.state.correctedFields, 'recipientName'],
      version: this.state.version + 1,
    };
    return changes;
  }

  /** Revoking is final; revoking again is refused. */
  revoke(at: Date): void {
    if (this.state.revokedAt) throw conflict('CREDENTIALS.CREDENTIAL_REVOKED');
    this.state = { ...this.state, revokedAt: at.toISOString(), version: this.state.version + 1 };
  }
}

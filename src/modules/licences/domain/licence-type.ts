import { invalid } from '#libs/errors/domain-error.js';
import { assertNoControlCharacters } from './licence.js';

/** Longest default validity, in months (100 years). */
export const MAX_VALIDITY_MONTHS = 1200;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type LicenceTypeStatus = 'active' | 'retired';

export interface LicenceTypeFields {
  name: string;
  issuingBody: string | null;
  numberRequired: boolean;
  defaultValidityMonths: number | null;
}

export interface LicenceTypeState extends LicenceTypeFields {
  id: string;
  code: string;
  status: LicenceTypeStatus;
}

/** A code as stored: trimmed, upper case; refused unless 1-64 letters, digits, dots, dashes or underscores. */
export function licenceTypeCode(raw: string): string {
  const code = (raw ?? '').normalize('NFC').trim();
  if (!CODE.test(code)) throw invalid('LICENCES.TYPE_CODE_INVALID', { code: code.slice(0, 80) });
  return code.toUpperCase();
}

/** The fields of a licence type, checked: a name, an optional issuing body, a validity in whole months or none. */
export function checkedTypeFields(fields: LicenceTypeFields): LicenceTypeFields {
  const name = (fields.name ?? '').normalize('NFC').trim();
  if (name.length === 0 || name.length > 200) throw invalid('LICENCES.TYPE_NAME_REQUIRED');
  assertNoControlCharacters(name, 'name');
  const issuingBody = fields.issuingBody === null || fields.issuingBody === undefined ? null : fields.issuingBody.normalize('NFC').trim() || null;
  if (issuingBody !== null && issuingBody.length > 200) throw invalid('LICENCES.ISSUING_BODY_TOO_LONG', { max: 200 });
  if (issuingBody !== null) assertNoControlCharacters(issuingBody, 'issuingBody');
  const validity = fields.defaultValidityMonths ?? null;
  if (validity !== null && (!Number.isInteger(validity) || validity < 1 || validity > MAX_VALIDITY_MONTHS)) {
    throw invalid('LICENCES.VALIDITY_INVALID', { value: String(validity), max: MAX_VALIDITY_MONTHS });
  }
  return { name, issuingBody, numberRequired: fields.numberRequired === true, defaultValidityMonths: validity };
}

/** A type's fields after a partial change (undefined: unchanged), checked as a whole. */
export function changedTypeFields(current: LicenceTypeFields, change: Partial<LicenceTypeFields>): LicenceTypeFields {
  return checkedTypeFields({
    name: change.name ?? current.name,
    issuingBody: change.issuingBody === undefined ? current.issuingBody : change.issuingBody,
    numberRequired: change.numberRequired ?? current.numberRequired,
    defaultValidityMonths: change.defaultValidityMonths === undefined ? current.defaultValidityMonths : change.defaultValidityMonths,
  });
}

/**
 * The columns a change of a licence type writes: only what the change gives (checked as a whole with the
 * current fields), and the status only when it is part of the change. A PATCH of the name writes no status,
 * so it cannot put back a status a concurrent retire has just written (and the other way round).
 */
export function typeColumnsToWrite(current: LicenceTypeFields, change: Partial<LicenceTypeFields> & { status?: LicenceTypeStatus }): Record<string, unknown> {
  const fields = changedTypeFields(current, change);
  const columns: Record<string, unknown> = {};
  if (change.name !== undefined) columns.name = fields.name;
  if (change.issuingBody !== undefined) columns.issuing_body = fields.issuingBody;
  if (change.numberRequired !== undefined) columns.number_required = fields.numberRequired;
  if (change.defaultValidityMonths !== undefined) columns.default_validity_months = fields.defaultValidityMonths;
  if (change.status !== undefined) columns.status = change.status;
  return columns;
}

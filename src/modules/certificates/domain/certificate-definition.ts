import { randomUUID } from 'node:crypto';
import type { CertificateDefinitionSummary } from '#libs/contracts/certificates/types.js';
import { invalid } from '#libs/errors/domain-error.js';

const CODE = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
const PREFIX = /^[^\s\p{Cc}]{0,20}$/u;
export const MAX_VALIDITY_MONTHS = 1200;
export const NUMBER_DIGITS = 6;

export interface DefinitionDetails {
  name: string;
  categoryId: string;
  validityMonths?: number | null;
  numberPrefix?: string | null;
}

/**
 * A kind of certificate in the catalogue: its code (used by import files), its default validity and
 * how automatic numbers look. The code never changes once defined: events and import files refer to it.
 */
export class CertificateDefinition {
  id: string;
  code: string;
  name: string;
  categoryId: string;
  validityMonths: number | null;
  numberPrefix: string | null;
  createdAt: Date;
  updatedAt: Date;

  static define(code: string, details: DefinitionDetails): CertificateDefinition {
    const definition = new CertificateDefinition();
    definition.id = randomUUID();
    definition.code = CertificateDefinition.normaliseCode(code);
    definition.createdAt = new Date();
    definition.validityMonths = null;
    definition.numberPrefix = null;
    definition.change(details);
    return definition;
  }

  change(details: Partial<DefinitionDetails>): void {
    if (details.name !== undefined) {
      const name = details.name.trim();
      if (!name || name.length > 200) throw invalid('CERTIFICATES.DEFINITION_NAME_REQUIRED');
      this.name = name;
    }
    if (details.categoryId !== undefined) this.categoryId = details.categoryId;
    if (details.validityMonths !== undefined) {
      const months = details.validityMonths;
      if (months !== null && (!Number.isInteger(months) || months < 1 || months > MAX_VALIDITY_MONTHS)) {
        throw invalid('CERTIFICATES.VALIDITY_INVALID', { value: String(months), max: MAX_VALIDITY_MONTHS });
      }
      this.validityMonths = months;
    }
    if (details.numberPrefix !== undefined) {
      const prefix = details.numberPrefix;
      if (prefix !== null && !PREFIX.test(prefix)) throw invalid('CERTIFICATES.NUMBER_PREFIX_INVALID', { prefix });
      this.numberPrefix = prefix;
    }
    this.updatedAt = new Date();
  }

  summary(): CertificateDefinitionSummary {
    return {
      id: this.id,
      code: this.code,
      name: this.name,
      categoryId: this.categoryId,
      validityMonths: this.validityMonths,
      numberPrefix: this.numberPrefix,
    };
  }

  static normaliseCode(code: string): string {
    const normalised = code.normalize('NFC').trim().toUpperCase();
    if (!CODE.test(normalised)) throw invalid('CERTIFICATES.DEFINITION_CODE_INVALID', { code });
    return normalised;
  }
}

/** The terms of a definition that registering a certificate needs (a summary will do). */
export type DefinitionTerms = Pick<CertificateDefinitionSummary, 'id' | 'code' | 'validityMonths' | 'numberPrefix'>;

/** `VCA-` + 42 -> `VCA-000042`; sequences past 999999 simply get longer. */
export function formatAutoNumber(terms: DefinitionTerms, sequence: number): string {
  if (terms.numberPrefix === null) throw invalid('CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED', { code: terms.code });
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new Error(`not a sequence value: ${sequence}`);
  return terms.numberPrefix + String(sequence).padStart(NUMBER_DIGITS, '0');
}

/** Whether `number` has the shape of an automatic number of the definition. */
export function isAutoNumberOf(terms: DefinitionTerms, number: string): boolean {
  if (terms.numberPrefix === null || !number.startsWith(terms.numberPrefix)) return false;
  const digits = number.slice(terms.numberPrefix.length);
  return new RegExp(`^\\d{${NUMBER_DIGITS},}$`).test(digits) && Number(digits) >= 1;
}

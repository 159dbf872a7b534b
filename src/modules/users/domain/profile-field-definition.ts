import { invalid } from '#libs/errors/domain-error.js';
import './users-import-messages.js';

export const PROFILE_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'select'] as const;
export type ProfileFieldType = (typeof PROFILE_FIELD_TYPES)[number];
export type ProfileValue = string | number | boolean | null;

/** Field types an import may write; `select` is the taxonomy kind (its options are the vocabulary of terms). */
export function isImportableProfileFieldType(type: ProfileFieldType): boolean {
  return type !== 'date';
}

const KEY = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Governs one profile field: its type, its allowed options (a taxonomy) for select fields, and whether
 * imports may write it.
 */
export class ProfileFieldDefinition {
  key: string;
  label: string;
  type: ProfileFieldType;
  options: string[] | null;
  openForImport: boolean;
  createdAt: Date;

  static define(input: { key: string; label: string; type: ProfileFieldType; options?: string[] | null; openForImport?: boolean }) {
    if (!KEY.test(input.key)) throw invalid('USERS.PROFILE_FIELD_KEY_INVALID', { key: input.key });
    const field = new ProfileFieldDefinition();
    field.key = input.key;
    field.createdAt = new Date();
    field.change({ label: input.label, type: input.type, options: input.options ?? null, openForImport: input.openForImport ?? false });
    return field;
  }

  change(input: { label?: string; type?: ProfileFieldType; options?: string[] | null; openForImport?: boolean }) {
    // Dates (birthdays and the like) are never imported: opening one, or turning an open field into one, is refused.
    const type = input.type ?? this.type;
    if ((input.openForImport ?? this.openForImport) && !isImportableProfileFieldType(type) && (input.openForImport !== undefined || input.type !== undefined)) {
      throw invalid('USERS.PROFILE_FIELD_NOT_IMPORTABLE', { key: this.key, type });
    }
    if (input.label !== undefined) this.label = input.label.trim();
    if (input.type !== undefined) this.type = input.type;
    if (input.options !== undefined) this.options = input.options ? [...new Set(input.options.map((o) => o.trim()).filter(Boolean))] : null;
    if (input.openForImport !== undefined) this.openForImport = input.openForImport;
    if (this.type === 'select' && (!this.options || this.options.length === 0)) throw invalid('USERS.PROFILE_FIELD_OPTIONS_REQUIRED');
    if (this.type !== 'select') this.options = null;
  }

  /** Turns an incoming value into the stored one, or explains why it does not fit. */
  coerce(value: unknown): ProfileValue {
    if (value === null || value === undefined || value === '') return null;
    const fail = () => invalid('USERS.PROFILE_VALUE_INVALID', { key: this.key, type: this.type, value: String(value) });
    switch (this.type) {
      case 'text':
        return String(value);
      case 'number': {
        const number = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
        if (!Number.isFinite(number)) throw fail();
        return number;
      }
      case 'boolean': {
        if (typeof value === 'boolean') return value;
        const text = String(value).trim().toLowerCase();
        if (['true', '1', 'yes', 'ja'].includes(text)) return true;
        if (['false', '0', 'no', 'nee'].includes(text)) return false;
        throw fail();
      }
      case 'date': {
        const text = String(value).trim();
        if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) throw fail();
        return text;
      }
      case 'select': {
        const text = String(value).trim();
        const option = this.options?.find((o) => o.toLowerCase() === text.toLowerCase());
        if (!option) throw invalid('USERS.PROFILE_VALUE_NOT_AN_OPTION', { key: this.key, options: this.options?.join(', ') ?? '', value: text });
        return option;
      }
    }
  }
}

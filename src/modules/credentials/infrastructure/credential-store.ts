import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { executeBound } from '#libs/database/bound-query.js';
import { pgArray } from '#libs/database/sql.js';
import { isUuid, NIL } from '../application/credential-scope.js';
import { Credential, type CorrectableField, type CredentialState } from '../domain/credential.js';
import type { AttributeDefinition } from '../domain/credential-group.js';

export interface DesignRecord {
  id: string;
  name: string;
  placeholders: string[];
  createdAt: string;
  updatedAt: string;
}

export interface GroupRecord {
  id: string;
  name: string;
  course: string | null;
  description: string | null;
  designId: string;
  ownerGroupId: string | null;
  customAttributes: AttributeDefinition[];
  createdAt: string;
  updatedAt: string;
}

export interface LoadedCredential {
  credential: Credential;
  createdAt: string;
  updatedAt: string;
}

interface CredentialRow {
  id: string;
  group_id: string;
  recipient_name: string;
  recipient_email: string;
  recipient_id: string | null;
  issued_on: string;
  expires_on: string | null;
  grade: string | null;
  attributes: Record<string, string | number>;
  corrected_fields: string[];
  revoked_at: Date | string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export const CREDENTIAL_COLUMNS = `c.id, c.group_id, c.recipient_name, c.recipient_email, c.recipient_id,
  to_char(c.issued_on, 'YYYY-MM-DD') as issued_on, to_char(c.expires_on, 'YYYY-MM-DD') as expires_on, c.grade, c.attributes,
  c.corrected_fields, c.revoked_at, c.version, c.created_at, c.updated_at`;

export function toCredential(row: CredentialRow): LoadedCredential {
  const state: CredentialState = {
    id: row.id,
    groupId: row.group_id,
    recipientName: row.recipient_name,
    recipientEmail: row.recipient_email,
    recipientId: row.recipient_id,
    issuedOn: row.issued_on,
    expiresOn: row.expires_on,
    grade: row.grade,
    attributes: typeof row.attributes === 'string' ? JSON.parse(row.attributes) : (row.attributes ?? {}),
    correctedFields: (parseTextArray(row.corrected_fields) as CorrectableField[]) ?? [],
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    version: Number(row.version),
  };
  return { credential: Credential.restore(state), createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
}

/** A text[] column as the driver gives it: an array, or (for some paths) the literal `{a,b}`. */
export function parseTextArray(value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner === '' ? [] : inner.split(',').map((item) => item.replace(/^"|"$/g, ''));
  }
  return [];
}

interface GroupRow {
  id: string;
  name: string;
  course: string | null;
  description: string | null;
  design_id: string;
  owner_group_id: string | null;
  custom_attributes: AttributeDefinition[] | string;
  created_at: Date | string;
  updated_at: Date | string;
}

export function toGroup(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    course: row.course,
    description: row.description,
    designId: row.design_id,
    ownerGroupId: row.owner_group_id,
    customAttributes: typeof row.custom_attributes === 'string' ? JSON.parse(row.custom_attributes) : (row.custom_attributes ?? []),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  return (em as unknown as { execute: (sql: string, params: unknown[]) => Promise<T[]> }).execute(text, params);
}

/**
 * Persistence of the Credentials module (plain SQL over its own tables). Every method runs in `em`'s
 * transaction when it has one. Loading "for update" locks the rows until that transaction ends.
 */
@Injectable()
export class CredentialStore {
  async design(em: EntityManager, id: string): Promise<DesignRecord> {
    const [row] = await sql<{ id: string; name: string; placeholders: unknown; created_at: Date; updated_at: Date }>(
      em,
      `select id, name, placeholders, created_at, updated_at from credential_designs where id = ?`,
      [isUuid(id) ? id : NIL],
    );
    if (!row) throw notFound('CREDENTIALS.DESIGN_NOT_FOUND');
    return { id: row.id, name: row.name, placeholders: parseTextArray(row.placeholders), createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
  }

  /** A group by id, regardless of scope (callers check scope first). */
  async group(em: EntityManager, id: string, forUpdate = false): Promise<GroupRecord> {
    const [row] = await sql<GroupRow>(em, `select * from credential_groups where id = ?${forUpdate ? ' for update' : ''}`, [isUuid(id) ? id : NIL]);
    if (!row) throw notFound('CREDENTIALS.GROUP_NOT_FOUND');
    return toGroup(row);
  }

  async credential(em: EntityManager, id: string, forUpdate = false): Promise<LoadedCredential> {
    const [row] = await sql<CredentialRow>(em, `select ${CREDENTIAL_COLUMNS} from credentials c where c.id = ?${forUpdate ? ' for update' : ''}`, [isUuid(id) ? id : NIL]);
    if (!row) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
    return toCredential(row);
  }

  /** Several credentials by id (one query; ids order, unknown ids absent); `forUpdate` locks them in id order. */
  async credentials(em: EntityManager, ids: string[], forUpdate = false): Promise<Map<string, LoadedCredential>> {
    const valid = [...new Set(ids.filter(isUuid))].sort();
    if (valid.length === 0) return new Map();
    const rows = await sql<CredentialRow>(em, `select ${CREDENTIAL_COLUMNS} from credentials c where c.id = any(?::uuid[]) order by c.id${forUpdate ? ' for update' : ''}`, [pgArray(valid)]);
    return new Map(rows.map((row) => [row.id, toCredential(row)]));
  }

  async insertCredential(em: EntityManager, credential: Credential): Promise<void> {
    const s = credential.snapshot;
    await sql(
      em,
      `insert into credentials (id, group_id, recipient_name, recipient_email, recipient_id, issued_on, expires_on, grade, attributes, corrected_fields, revoked_at, version)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::text[], ?, ?)`,
      [s.id, s.groupId, s.recipientName, s.recipientEmail, s.recipientId, s.issuedOn, s.expiresOn, s.grade, JSON.stringify(s.attributes), pgArray(s.correctedFields), s.revokedAt, s.version],
    );
  }

  /**
   * Writes a credential's current state if the stored version is still `expectedVersion` (optimistic
   * concurrency); otherwise CREDENTIALS.VERSION_CONFLICT (409) naming the current version.
   */
  async saveCredential(em: EntityManager, credential: Credential, expectedVersion: number): Promise<void> {
    const s = credential.snapshot;
    const rows = await sql<{ id: string }>(
      em,
      `update credentials set recipient_name = ?, recipient_email = ?, recipient_id = ?, issued_on = ?, expires_on = ?, grade = ?,
              attributes = ?::jsonb, corrected_fields = ?::text[], revoked_at = ?, version = ?, updated_at = now()
        where id = ? and version = ? returning id`,
      [s.recipientName, s.recipientEmail, s.recipientId, s.issuedOn, s.expiresOn, s.grade, JSON.stringify(s.attributes), pgArray(s.correctedFields), s.revokedAt, s.version, s.id, expectedVersion],
    );
    if (rows.length === 0) {
      const [current] = await sql<{ version: number }>(em, `select version from credentials where id = ?`, [s.id]);
      if (!current) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
      throw conflict('CREDENTIALS.VERSION_CONFLICT', { current: Number(current.version), expected: expectedVersion });
    }
  }

  /** Many new credentials in one statement (the demo data; an import that issues). */
  async insertCredentials(em: EntityManager, credentials: Credential[]): Promise<void> {
    if (credentials.length === 0) return;
    await executeBound(
      em,
      `insert into credentials (id, group_id, recipient_name, recipient_email, recipient_id, issued_on, expires_on, grade, attributes, corrected_fields, revoked_at, version)
       select e.id, e.group_id, e.recipient_name, e.recipient_email, e.recipient_id, e.issued_on, e.expires_on, e.grade, e.attributes,
              array(select jsonb_array_elements_text(e.corrected_fields)), e.revoked_at, e.version
         from jsonb_to_recordset($1::jsonb) as e(id uuid, group_id uuid, recipient_name text, recipient_email text, recipient_id text, issued_on date, expires_on date,
              grade text, attributes jsonb, corrected_fields jsonb, revoked_at timestamptz, version integer)`,
      [JSON.stringify(credentials.map(toRecord))],
    );
  }

  /**
   * Writes many credentials in one statement (an import chunk), each only if its stored version is still the
   * expected one. Returns the ids that were NOT written because their version had moved on (or they are gone):
   * the caller turns those into row errors or rolls back. (The JSON array of corrected fields is read as a
   * text[] by jsonb_to_recordset itself: no subquery per row. Columns written with their unchanged value keep
   * the update HOT, PostgreSQL compares the indexed values; the table's fillfactor, 50, leaves the room it needs.)
   */
  async saveCredentials(em: EntityManager, items: { credential: Credential; expectedVersion: number }[]): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await executeBound<{ id: string }>(
      em,
      `update credentials c set recipient_name = e.recipient_name, recipient_email = e.recipient_email, recipient_id = e.recipient_id,
              issued_on = e.issued_on, expires_on = e.expires_on, grade = e.grade, attributes = e.attributes,
              corrected_fields = e.corrected_fields, revoked_at = e.revoked_at, version = e.version, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as e(id uuid, recipient_name text, recipient_email text, recipient_id text, issued_on date, expires_on date,
              grade text, attributes jsonb, corrected_fields text[], revoked_at timestamptz, version integer, expected_version integer)
        where c.id = e.id and c.version = e.expected_version
        returning c.id`,
      [JSON.stringify(items.map(({ credential, expectedVersion }) => ({ ...toRecord(credential), expected_version: expectedVersion })))],
    );
    const written = new Set(rows.map((row) => row.id));
    return items.map(({ credential }) => credential.snapshot.id).filter((id) => !written.has(id));
  }
}

function toRecord(credential: Credential) {
  const s = credential.snapshot;
  return {
    id: s.id,
    group_id: s.groupId,
    recipient_name: s.recipientName,
    recipient_email: s.recipientEmail,
    recipient_id: s.recipientId,
    issued_on: s.issuedOn,
    expires_on: s.expiresOn,
    grade: s.grade,
    attributes: s.attributes,
    corrected_fields: s.correctedFields,
    revoked_at: s.revokedAt,
    version: s.version,
  };
}

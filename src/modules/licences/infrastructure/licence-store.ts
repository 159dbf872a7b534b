import type { EntityManager } from '@mikro-orm/postgresql';
import type { LicenceState } from '#libs/contracts/licences/index.js';
import { executeBound } from '#libs/database/bound-query.js';
import type { LicenceRecord } from '../domain/licence-import-rules.js';
import type { LicenceTypeState, LicenceTypeStatus } from '../domain/licence-type.js';

/** A licence type as stored, with how many licences are of it. */
export interface LicenceTypeRow extends LicenceTypeState {
  licences: number;
  createdAt: string;
  updatedAt: string;
}

/** A licence with its type's code and name (what events and views carry). */
export interface LicenceRow extends LicenceRecord {
  typeCode: string;
  typeName: string;
  typeStatus: LicenceTypeStatus;
  numberRequired: boolean;
}

export const TYPE_COLUMNS = `t.id, t.code, t.name, t.issuing_body as "issuingBody", t.number_required as "numberRequired",
  t.default_validity_months as "defaultValidityMonths", t.status`;

export const LICENCE_COLUMNS = `l.id, l.user_id as "userId", l.type_id as "typeId", l.number, l.jurisdiction,
  to_char(l.issued_on, 'YYYY-MM-DD') as "issuedOn", to_char(l.expires_on, 'YYYY-MM-DD') as "expiresOn", l.version::int as version,
  t.code as "typeCode", t.name as "typeName", t.status as "typeStatus", t.number_required as "numberRequired"`;

/** The SQL of the licences tables (no ORM entities: the module writes rows in sets, chunk by chunk). */
export const LicenceStore = {
  async type(em: EntityManager, id: string): Promise<LicenceTypeRow | undefined> {
    const [row] = await em.execute<LicenceTypeRow[]>(
      `select ${TYPE_COLUMNS}, t.created_at as "createdAt", t.updated_at as "updatedAt",
              (select count(*)::int from user_licences l where l.type_id = t.id) as licences
         from licence_types t where t.id = ?`,
      [id],
    );
    return row;
  },

  async typesByCodes(em: EntityManager, codes: string[]): Promise<LicenceTypeState[]> {
    if (codes.length === 0) return [];
    return executeBound<LicenceTypeState>(em, `select ${TYPE_COLUMNS} from licence_types t where t.code = any($1::text[])`, [codes]);
  },

  async typesByIds(em: EntityManager, ids: string[]): Promise<LicenceTypeState[]> {
    if (ids.length === 0) return [];
    return executeBound<LicenceTypeState>(em, `select ${TYPE_COLUMNS} from licence_types t where t.id = any($1::uuid[])`, [ids]);
  },

  async licence(em: EntityManager, id: string, forUpdate = false): Promise<LicenceRow | undefined> {
    const [row] = await em.execute<LicenceRow[]>(
      `select ${LICENCE_COLUMNS} from user_licences l join licence_types t on t.id = l.type_id where l.id = ? ${forUpdate ? 'for update of l' : ''}`,
      [id],
    );
    return row;
  },

  /**
   * The licences with these identities (user, type, number), one statement for a chunk, locked. Numbers are
   * compared with lower() on both sides, as the unique index does (JavaScript's toLowerCase differs). Each
   * row says which identity asked for it (`asked`, the index in `keys`) and its `numberKey` (the index's
   * lower(coalesce(number, ''))).
   */
  async byIdentities(em: EntityManager, keys: { userId: string; typeId: string; number: string | null }[]): Promise<(LicenceRow & { asked: number; numberKey: string })[]> {
    if (keys.length === 0) return [];
    const rows = await executeBound<LicenceRow & { asked: number; numberKey: string }>(
      em,
      `select ${LICENCE_COLUMNS}, (k.asked - 1)::int as asked, lower(coalesce(l.number, '')) as "numberKey"
         from unnest($1::uuid[], $2::uuid[], $3::text[]) with ordinality as k(user_id, type_id, number, asked)
         join user_licences l on l.user_id = k.user_id and l.type_id = k.type_id and lower(coalesce(l.number, '')) = lower(coalesce(k.number, ''))
         join licence_types t on t.id = l.type_id
        order by l.id for update of l`,
      [keys.map((k) => k.userId), keys.map((k) => k.typeId), keys.map((k) => k.number ?? '')],
    );
    return rows.map((row) => ({ ...row, asked: Number(row.asked) }));
  },

  /** PostgreSQL's lower(coalesce(number, '')) of each number, in order: the unique index's key (licenceKey). */
  async numberKeys(em: EntityManager, numbers: (string | null)[]): Promise<string[]> {
    if (numbers.length === 0) return [];
    const rows = await executeBound<{ key: string }>(
      em,
      `select lower(coalesce(n, '')) as key from unnest($1::text[]) with ordinality as u(n, i) order by i`,
      [numbers.map((n) => n ?? '')],
    );
    return rows.map((row) => row.key);
  },

  /**
   * Records that an import touched these licences (user, type, number key); returns, for each key another
   * row of the same import touched before (this chunk's earlier statement or another chunk), that row's number.
   */
  async touch(em: EntityManager, importId: string, touches: { userId: string; typeId: string; numberKey: string; rowNumber: number }[]): Promise<Map<string, number>> {
    if (touches.length === 0) return new Map();
    const claimed = await executeBound<{ row_number: number }>(
      em,
      `insert into user_licence_import_touches (import_id, user_id, type_id, number_key, row_number)
       select $1, t.user_id, t.type_id, t.number_key, t.row_number
         from jsonb_to_recordset($2::jsonb) as t(user_id uuid, type_id uuid, number_key text, row_number int)
       on conflict do nothing
       returning row_number`,
      [importId, JSON.stringify(touches.map((t) => ({ user_id: t.userId, type_id: t.typeId, number_key: t.numberKey, row_number: t.rowNumber })))],
    );
    const mine = new Set(claimed.map((row) => Number(row.row_number)));
    const lost = touches.filter((t) => !mine.has(t.rowNumber));
    if (lost.length === 0) return new Map();
    const earlier = await executeBound<{ user_id: string; type_id: string; number_key: string; row_number: number }>(
      em,
      `select t.user_id, t.type_id, t.number_key, t.row_number
         from user_licence_import_touches t
         join jsonb_to_recordset($2::jsonb) as k(user_id uuid, type_id uuid, number_key text) on k.user_id = t.user_id and k.type_id = t.type_id and k.number_key = t.number_key
        where t.import_id = $1`,
      [importId, JSON.stringify(lost.map((t) => ({ user_id: t.userId, type_id: t.typeId, number_key: t.numberKey })))],
    );
    const byKey = new Map(earlier.map((row) => [`${row.user_id}|${row.type_id}|${row.number_key}`, Number(row.row_number)]));
    return new Map(lost.map((t) => [String(t.rowNumber), byKey.get(`${t.userId}|${t.typeId}|${t.numberKey}`) ?? 0]));
  },

  async byIds(em: EntityManager, ids: string[]): Promise<LicenceRow[]> {
    if (ids.length === 0) return [];
    return executeBound<LicenceRow>(
      em,
      `select ${LICENCE_COLUMNS} from user_licences l join licence_types t on t.id = l.type_id where l.id = any($1::uuid[]) order by l.id for update of l`,
      [ids],
    );
  },

  /** Inserts licences (new or restored, with their ids); returns their versions by id. */
  async insert(em: EntityManager, licences: Omit<LicenceRecord, 'version'>[]): Promise<Map<string, number>> {
    if (licences.length === 0) return new Map();
    const rows = await executeBound<{ id: string; version: number }>(
      em,
      `insert into user_licences (id, user_id, type_id, number, jurisdiction, issued_on, expires_on)
       select r.id, r.user_id, r.type_id, r.number, r.jurisdiction, r.issued_on, r.expires_on
         from jsonb_to_recordset($1::jsonb) as r(id uuid, user_id uuid, type_id uuid, number text, jurisdiction text, issued_on date, expires_on date)
       returning id, version::int as version`,
      [JSON.stringify(licences.map(toColumns))],
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },

  /** Sets number, jurisdiction and dates of licences by id; returns their new versions by id. */
  async update(em: EntityManager, licences: Omit<LicenceRecord, 'version'>[]): Promise<Map<string, number>> {
    if (licences.length === 0) return new Map();
    const rows = await executeBound<{ id: string; version: number }>(
      em,
      `update user_licences l
          set number = r.number, jurisdiction = r.jurisdiction, issued_on = r.issued_on, expires_on = r.expires_on,
              version = nextval('user_licence_versions'), updated_at = now()
         from jsonb_to_recordset($1::jsonb) as r(id uuid, number text, jurisdiction text, issued_on date, expires_on date)
        where l.id = r.id
       returning l.id, l.version::int as version`,
      [JSON.stringify(licences.map(toColumns))],
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },

  /** Deletes licences by id; returns the ids deleted with the version their removal event carries. */
  async remove(em: EntityManager, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await executeBound<{ id: string; version: number }>(
      em,
      `delete from user_licences where id = any($1::uuid[]) returning id, nextval('user_licence_versions')::int as version`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },
};

function toColumns(licence: Omit<LicenceRecord, 'version'>) {
  return {
    id: licence.id,
    user_id: licence.userId,
    type_id: licence.typeId,
    number: licence.number,
    jurisdiction: licence.jurisdiction,
    issued_on: licence.issuedOn,
    expires_on: licence.expiresOn,
  };
}

/** The state an event carries. */
export function eventState(licence: LicenceRecord, type: { code: string; name: string }): LicenceState {
  return {
    licenceId: licence.id,
    userId: licence.userId,
    typeId: licence.typeId,
    typeCode: type.code,
    typeName: type.name,
    number: licence.number,
    jurisdiction: licence.jurisdiction,
    issuedOn: licence.issuedOn,
    expiresOn: licence.expiresOn,
    version: licence.version,
  };
}

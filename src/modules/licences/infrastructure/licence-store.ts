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
   * The licences with these identities (user, type, number), locked, and each identity's number key (the
   * unique index's lower(coalesce(number, '')), by PostgreSQL: JavaScript's toLowerCase differs). Numbers are
   * compared with lower() on both sides, as the unique index does. Each licence says which identity asked
   * for it (`asked`, the index in `keys`).
   *
   * Every key is one probe of the unique index, whatever the statistics say: a LATERAL subquery with OFFSET 0
   * is never flattened into a join, so it runs once per key with the key as a parameter, and a scan of the
   * whole table per key is never the cheaper plan. (As a join, a chunk of 1000 keys against a table of
   * 100,000 licences could be planned as a hash join over a scan of every licence: 72 ms a chunk, for nothing
   * found.) The licences found are then locked in the order of their ids, as before (writers lock in one
   * order), one probe each; a licence whose identity changed or that went meanwhile is not returned.
   */
  async byIdentities(
    em: EntityManager,
    keys: { userId: string; typeId: string; number: string | null }[],
  ): Promise<{ numberKeys: string[]; licences: (LicenceRow & { asked: number })[] }> {
    if (keys.length === 0) return { numberKeys: [], licences: [] };
    const probed = await executeBound<{ asked: number; numberKey: string; id: string | null }>(
      em,
      `select (k.asked - 1)::int as asked, lower(coalesce(k.number, '')) as "numberKey", f.id
         from unnest($1::uuid[], $2::uuid[], $3::text[]) with ordinality as k(user_id, type_id, number, asked)
         left join lateral (
           select l.id from user_licences l
            where l.user_id = k.user_id and l.type_id = k.type_id and lower(coalesce(l.number, '')) = lower(coalesce(k.number, ''))
           offset 0
         ) f on true
        order by k.asked`,
      [keys.map((k) => k.userId), keys.map((k) => k.typeId), keys.map((k) => k.number ?? '')],
    );
    const numberKeys = probed.map((row) => row.numberKey);
    const found = probed.filter((row) => row.id !== null).map((row) => ({ id: row.id!, asked: Number(row.asked) }));
    if (found.length === 0) return { numberKeys, licences: [] };
    // uuid order is the order of their lower-case text.
    found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.asked - b.asked));
    const licences = await executeBound<LicenceRow & { asked: number }>(
      em,
      `select f.*, k.asked
         from unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::text[]) with ordinality as k(id, asked, user_id, type_id, number, i)
         cross join lateral (
           select ${LICENCE_COLUMNS} from user_licences l join licence_types t on t.id = l.type_id
            where l.id = k.id and l.user_id = k.user_id and l.type_id = k.type_id and lower(coalesce(l.number, '')) = lower(coalesce(k.number, ''))
           offset 0 for update of l
         ) f
        order by k.i`,
      [
        found.map((f) => f.id),
        found.map((f) => f.asked),
        found.map((f) => keys[f.asked].userId),
        found.map((f) => keys[f.asked].typeId),
        found.map((f) => keys[f.asked].number ?? ''),
      ],
    );
    return { numberKeys, licences: licences.map((row) => ({ ...row, asked: Number(row.asked) })) };
  },

  /**
   * Records that an import touched these licences (user, type, number key); returns, for each key another
   * row of the same import touched before (this chunk's earlier statement or another chunk), that row's number.
   * The rows are kept while the import runs (its chunks may run at once, in any order) and deleted when it
   * ends (forgetTouches): nothing reads them afterwards (undo works from the row log).
   */
  async touch(em: EntityManager, importId: string, touches: { userId: string; typeId: string; numberKey: string; rowNumber: number }[]): Promise<Map<string, number>> {
    if (touches.length === 0) return new Map();
    const claimed = await executeBound<{ row_number: number }>(
      em,
      `insert into user_licence_import_touches (import_id, user_id, type_id, number_key, row_number)
       select $1, t.user_id, t.type_id, t.number_key, t.row_number
         from unnest($2::uuid[], $3::uuid[], $4::text[], $5::int[]) as t(user_id, type_id, number_key, row_number)
       on conflict do nothing
       returning row_number`,
      [importId, touches.map((t) => t.userId), touches.map((t) => t.typeId), touches.map((t) => t.numberKey), touches.map((t) => t.rowNumber)],
    );
    const mine = new Set(claimed.map((row) => Number(row.row_number)));
    const lost = touches.filter((t) => !mine.has(t.rowNumber));
    if (lost.length === 0) return new Map();
    const earlier = await executeBound<{ user_id: string; type_id: string; number_key: string; row_number: number }>(
      em,
      `select t.user_id, t.type_id, t.number_key, t.row_number
         from unnest($2::uuid[], $3::uuid[], $4::text[]) as k(user_id, type_id, number_key)
         join lateral (
           select t.user_id, t.type_id, t.number_key, t.row_number from user_licence_import_touches t
            where t.import_id = $1 and t.user_id = k.user_id and t.type_id = k.type_id and t.number_key = k.number_key
           offset 0
         ) t on true`,
      [importId, lost.map((t) => t.userId), lost.map((t) => t.typeId), lost.map((t) => t.numberKey)],
    );
    const byKey = new Map(earlier.map((row) => [`${row.user_id}|${row.type_id}|${row.number_key}`, Number(row.row_number)]));
    return new Map(lost.map((t) => [String(t.rowNumber), byKey.get(`${t.userId}|${t.typeId}|${t.numberKey}`) ?? 0]));
  },

  /** Deletes what an import recorded as touched: it has ended, no chunk of it runs again. */
  async forgetTouches(em: EntityManager, importId: string): Promise<void> {
    await executeBound(em, `delete from user_licence_import_touches where import_id = $1`, [importId]);
  },

  async byIds(em: EntityManager, ids: string[]): Promise<LicenceRow[]> {
    if (ids.length === 0) return [];
    return executeBound<LicenceRow>(
      em,
      `select ${LICENCE_COLUMNS} from user_licences l join licence_types t on t.id = l.type_id where l.id = any($1::uuid[]) order by l.id for update of l`,
      [ids],
    );
  },

  /**
   * Inserts licences (new or restored, with their ids); returns their versions by id. The values go as one
   * array per column (no JSON document to build and parse); the type of each is checked and locked once per
   * statement (the trigger user_licences_type_exists, migration 20261130003500).
   */
  async insert(em: EntityManager, licences: Omit<LicenceRecord, 'version'>[]): Promise<Map<string, number>> {
    if (licences.length === 0) return new Map();
    const rows = await executeBound<{ id: string; version: number }>(
      em,
      `insert into user_licences (id, user_id, type_id, number, jurisdiction, issued_on, expires_on)
       select r.id, r.user_id, r.type_id, r.number, r.jurisdiction, r.issued_on, r.expires_on
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::date[])
           as r(id, user_id, type_id, number, jurisdiction, issued_on, expires_on)
       returning id, version::int as version`,
      [
        licences.map((l) => l.id),
        licences.map((l) => l.userId),
        licences.map((l) => l.typeId),
        licences.map((l) => l.number),
        licences.map((l) => l.jurisdiction),
        licences.map((l) => l.issuedOn),
        licences.map((l) => l.expiresOn),
      ],
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },

  /** Sets number, jurisdiction and dates of licences by id; returns their new versions by id. */
  async update(em: EntityManager, licences: Omit<LicenceRecord, 'version'>[]): Promise<Map<string, number>> {
    if (licences.length === 0) return new Map();
    const rows = await throughIndexes(em, licences.length, () =>
      executeBound<{ id: string; version: number }>(
        em,
        `update user_licences l
            set number = r.number, jurisdiction = r.jurisdiction, issued_on = r.issued_on, expires_on = r.expires_on,
                version = nextval('user_licence_versions'), updated_at = now()
           from unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::date[]) as r(id, number, jurisdiction, issued_on, expires_on)
          where l.id = r.id
         returning l.id, l.version::int as version`,
        [licences.map((l) => l.id), licences.map((l) => l.number), licences.map((l) => l.jurisdiction), licences.map((l) => l.issuedOn), licences.map((l) => l.expiresOn)],
      ),
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },

  /** Deletes licences by id; returns the ids deleted with the version their removal event carries. */
  async remove(em: EntityManager, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await throughIndexes(em, ids.length, () =>
      executeBound<{ id: string; version: number }>(
        em,
        `delete from user_licences where id = any($1::uuid[]) returning id, nextval('user_licence_versions')::int as version`,
        [ids],
      ),
    );
    return new Map(rows.map((row) => [row.id, Number(row.version)]));
  },
};

/**
 * Runs a statement over many licences by id with plans through indexes only (settings local to the
 * transaction, put back right after). An UPDATE joined to a chunk's 1000 rows, or a DELETE of 1000 ids, is
 * otherwise costed cheaper as a scan of every licence (a hash join; a hashed = ANY filter) than as 1000
 * probes of the primary key: on 100,000 licences that read all of them for every chunk of edits or deletes.
 * One row needs no help.
 */
async function throughIndexes<T>(em: EntityManager, rows: number, statement: () => Promise<T>): Promise<T> {
  if (rows <= 1) return statement();
  const [before] = await executeBound<{ seqscan: string; hashjoin: string; mergejoin: string }>(
    em,
    `with before as materialized (
       select current_setting('enable_seqscan') as seqscan, current_setting('enable_hashjoin') as hashjoin, current_setting('enable_mergejoin') as mergejoin
     )
     select before.*, set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true) from before`,
    [],
  );
  const result = await statement();
  await executeBound(em, `select set_config('enable_seqscan', $1, true), set_config('enable_hashjoin', $2, true), set_config('enable_mergejoin', $3, true)`, [
    before.seqscan,
    before.hashjoin,
    before.mergejoin,
  ]);
  return result;
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

import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import {
  ObtainedCertificateRemoved,
  RemoveImportedObtainedCertificatesCommand,
  type ImportedCertificateRemoval,
} from '#libs/contracts/certificates/index.js';
import { GetUsersInScopeQuery } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { recordEvent } from '#libs/outbox/outbox.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Removes certificates an import created, safely: only those still exactly as the import left them
 * (same version) and held by users in the principal's scope (the rule of every certificate write).
 * Attachment rows go with the certificate (foreign key on delete cascade); their stored files are left to
 * the stored-file collector, which removes them once nothing references them (CertificateStoredFiles).
 */
@CommandHandler(RemoveImportedObtainedCertificatesCommand)
export class RemoveImportedObtainedCertificatesHandler implements ICommandHandler<RemoveImportedObtainedCertificatesCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, items }: RemoveImportedObtainedCertificatesCommand): Promise<Map<string, ImportedCertificateRemoval>> {
    const results = new Map<string, ImportedCertificateRemoval>();
    /** By the id as the database spells it (lower case), the id as asked and the version recorded. */
    const wanted = new Map<string, { asked: string; version: number }>();
    for (const item of items) {
      // Ids and versions come from the import's own log; anything else cannot name a certificate.
      if (!UUID.test(item.id) || !Number.isSafeInteger(item.version)) results.set(item.id, 'gone');
      else wanted.set(item.id.toLowerCase(), { asked: item.id, version: item.version });
    }
    if (wanted.size === 0) return results;

    // Locked until the caller commits: a version read here cannot move before the delete below.
    const found = await this.em.execute<{ id: string; user_id: string; definition_id: string; definition_code: string; obtained_on: string; version: string }[]>(
      `select o.id, o.user_id, o.definition_id, d.code as definition_code, to_char(o.obtained_on, 'YYYY-MM-DD') as obtained_on, o.version::text as version
         from obtained_certificates o join certificate_definitions d on d.id = o.definition_id
        where o.id = any(?::uuid[])
        for update of o`,
      [pgArray([...wanted.keys()])],
    );
    const userIds = [...new Set(found.map((row) => row.user_id))];
    const inScope = new Set(
      userIds.length === 0 ? [] : (await this.queries.execute(new GetUsersInScopeQuery(principal, userIds))).map((user) => user.id),
    );

    const byId = new Map(found.map((row) => [row.id, row] as const));
    const removable: typeof found = [];
    for (const [id, { asked, version }] of wanted) {
      const row = byId.get(id);
      if (!row) results.set(asked, 'gone');
      else if (!inScope.has(row.user_id)) results.set(asked, 'forbidden');
      else if (Number(row.version) !== version) results.set(asked, 'changed_since');
      else {
        results.set(asked, 'removed');
        removable.push(row);
      }
    }
    if (removable.length === 0) return results;

    await this.em.execute(`delete from obtained_certificates where id = any(?::uuid[])`, [pgArray(removable.map((row) => row.id))]);
    for (const row of removable) {
      recordEvent(
        this.em,
        new ObtainedCertificateRemoved({
          certificateId: row.id,
          userId: row.user_id,
          definitionId: row.definition_id,
          definitionCode: row.definition_code,
          obtainedOn: row.obtained_on,
          reason: 'import-undone',
        }),
      );
    }
    return results;
  }
}

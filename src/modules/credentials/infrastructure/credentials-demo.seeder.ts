import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ALL_PERMISSIONS, FindUsersByCodesQuery, ListAdministeredGroupIdsQuery, type Principal } from '#libs/contracts/users/index.js';
import { DemoSeederOf, type DemoSeeder } from '#libs/demo/demo-seeder.js';
import { pgArray } from '#libs/database/sql.js';
import { CreditLedger } from '../application/credit-ledger.js';
import { Credential } from '../domain/credential.js';
import type { AttributeDefinition } from '../domain/credential-group.js';
import { todayUtc } from '../domain/local-date.js';
import { CredentialStore, sql } from './credential-store.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const FIRST = ['Anna', 'Bram', 'Chloé', 'Daan', 'Eva', 'Finn', 'Gijs', 'Hanna', 'Isa', 'Jens', 'Kim', 'Luuk', 'Mila', 'Noah', 'Olaf', 'Pien'];
const LAST = ['de Jong', 'Peters', 'Mulder', 'van Dijk', 'Smit', 'Meijer', 'de Boer', 'Kok'];

function shift(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Demo credentials: one design, a group owned by Operations (managed by the demo group admin) and one
 * for platform admins only, a few dozen credentials (some expired, one whose recipient corrected their
 * name) and a top-up of 20 credits.
 */
@Injectable()
@DemoSeederOf(40)
export class CredentialsDemoSeeder implements DemoSeeder {
  constructor(
    private readonly orm: MikroORM,
    private readonly queries: QueryBus,
    private readonly store: CredentialStore,
    private readonly ledger: CreditLedger,
  ) {}

  async seed(): Promise<string[]> {
    return RequestContext.create(this.orm.em.fork(), async () => {
      const system: Principal = { userId: NIL_UUID, email: 'system@localhost', displayName: 'Demo data', language: 'en', roles: [], permissions: ALL_PERMISSIONS, authenticatedWith: 'api-token' };
      const [groupAdmin] = await this.queries.execute(new FindUsersByCodesQuery(system, ['GA-0001']));
      const administered = groupAdmin
        ? await this.queries.execute(new ListAdministeredGroupIdsQuery({ ...system, userId: groupAdmin.id, email: groupAdmin.email, permissions: [] }))
        : [];
      const operationsId = Array.isArray(administered) && administered.length > 0 ? administered[0] : null;
      const today = todayUtc();
      const em = this.orm.em.fork();
      let count = 0;
      await em.transactional(async (tx) => {
        const designId = randomUUID();
        await sql(tx, `insert into credential_designs (id, name, placeholders) values (?, ?, ?::text[])`, [
          designId,
          'Classic certificate',
          pgArray(['recipient.name', 'group.name', 'issuedOn', 'expiresOn', 'grade', 'attributes.hours']),
        ]);
        const forkliftAttributes: AttributeDefinition[] = [
          { key: 'hours', label: 'Training hours', kind: 'number', required: true },
          { key: 'location', label: 'Location', kind: 'text', required: false },
        ];
        const forklift = randomUUID();
        const board = randomUUID();
        const insertGroup = (id: string, name: string, course: string, owner: string | null, attributes: AttributeDefinition[]) =>
          sql(tx, `insert into credential_groups (id, name, course, description, design_id, owner_group_id, custom_attributes) values (?, ?, ?, ?, ?, ?, ?::jsonb)`, [
            id,
            name,
            course,
            null,
            designId,
            owner,
            JSON.stringify(attributes),
          ]);
        await insertGroup(forklift, 'Forklift safety', 'Forklift operator training', operationsId, forkliftAttributes);
        await insertGroup(board, 'Board governance', 'Governance for directors', null, []);

        const issued: Credential[] = [];
        const issue = async (groupId: string, attributes: AttributeDefinition[], n: number, expired: boolean, values: Record<string, unknown>, recipient?: { name: string; email: string; id: string }) => {
          const name = recipient?.name ?? `${FIRST[n % FIRST.length]} ${LAST[n % LAST.length]}`;
          const issuedOn = shift(today, -400 - n * 7);
          const credential = Credential.issue(
            randomUUID(),
            groupId,
            {
              recipientName: name,
              recipientEmail: recipient?.email ?? `${name.toLowerCase().normalize('NFD').replace(/[^a-z ]/g, '').replace(/ +/g, '.')}.${n}@example.org`,
              recipientId: recipient?.id ?? `EMP-${String(2000 + n)}`,
              issuedOn,
              expiresOn: expired ? shift(today, -10 - n) : shift(today, 200 + n * 5),
              grade: ['A', 'B', 'pass', null][n % 4],
              attributes: values,
            },
            attributes,
          );
          issued.push(credential);
          count++;
          return credential;
        };
        for (let n = 0; n < 30; n++) {
          await issue(forklift, forkliftAttributes, n, n % 4 === 0, { hours: 8 + (n % 3) * 4, location: n % 2 ? 'Rotterdam' : 'Utrecht' });
        }
        // Lena's own credential: she corrected her name (signed in as lena@example.com she may do it again).
        const lena = await issue(forklift, forkliftAttributes, 30, true, { hours: 16 }, { name: 'Lena de Vries', email: 'lena@example.com', id: 'L-1001' });
        for (let n = 0; n < 8; n++) await issue(board, [], 40 + n, n % 3 === 0, {});
        await this.store.insertCredentials(tx, issued);
        lena.correctNameByRecipient('Lena de Vries-Bakker');
        const stale = await this.store.saveCredentials(tx, [{ credential: lena, expectedVersion: 1 }]);
        if (stale.length > 0) throw new Error('demo credential changed while seeding');
        await this.ledger.topUp(tx, { key: 'demo:top-up', amount: 20, reason: 'demo top-up' });
      });
      return [`credentials     ${count} in 2 groups ("Forklift safety" owned by Operations, "Board governance" for platform admins); 20 credits`];
    });
  }
}

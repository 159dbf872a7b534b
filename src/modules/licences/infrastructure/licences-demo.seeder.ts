import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ALL_PERMISSIONS, FindUsersByCodesQuery, type Principal } from '#libs/contracts/users/index.js';
import { DemoSeederOf, type DemoSeeder } from '#libs/demo/demo-seeder.js';
import { addMonths } from '#libs/spreadsheet/dates.js';
import { AddLicenceCommand } from '../application/commands/add-licence/add-licence.handler.js';
import { CreateLicenceTypeCommand } from '../application/commands/create-licence-type/create-licence-type.handler.js';
import { UpdateLicenceTypeCommand } from '../application/commands/update-licence-type/update-licence-type.handler.js';
import { addDays } from '../domain/licence.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Demo licence types (four active, one retired) and licences of the demo learners: one expired, some
 * expiring within 30, 60 and 90 days, some active, so the list filters and the licences-expiring report
 * show something. Recorded through AddLicenceCommand, so their events feed reporting like any other.
 */
@Injectable()
@DemoSeederOf(30)
export class LicencesDemoSeeder implements DemoSeeder {
  constructor(
    private readonly orm: MikroORM,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async seed(): Promise<string[]> {
    return RequestContext.create(this.orm.em.fork(), async () => {
      const types = [
        { code: 'FORKLIFT-LIC', name: 'Forklift truck licence', issuingBody: 'TCVT', numberRequired: true, defaultValidityMonths: 60 },
        { code: 'DRIVING-C', name: 'Driving licence category C (truck)', issuingBody: 'RDW', numberRequired: true, defaultValidityMonths: 120 },
        { code: 'BIG-NURSE', name: 'BIG registration, nurse', issuingBody: 'CIBG (BIG register)', numberRequired: true, defaultValidityMonths: 60 },
        { code: 'FOOD-HYGIENE', name: 'Food hygiene certificate', issuingBody: null, numberRequired: false, defaultValidityMonths: 36 },
        { code: 'ADR-OLD', name: 'ADR dangerous goods (old scheme)', issuingBody: 'CBR', numberRequired: true, defaultValidityMonths: 60 },
      ];
      for (const type of types) await this.commands.execute(new CreateLicenceTypeCommand(type));
      const [retired] = await this.orm.em.fork().execute<{ id: string }[]>(`select id from licence_types where code = 'ADR-OLD'`);
      await this.commands.execute(new UpdateLicenceTypeCommand(retired.id, { status: 'retired' }));

      const system: Principal = {
        userId: NIL_UUID,
        email: 'system@localhost',
        displayName: 'Demo data',
        language: 'en',
        roles: [],
        permissions: ALL_PERMISSIONS,
        authenticatedWith: 'api-token',
      };
      const users = await this.queries.execute(new FindUsersByCodesQuery(system, ['L-1001', 'L-1002', 'L-1003', 'L-1004', 'L-1005', 'L-1006']));
      const byCode = new Map(users.map((user) => [user.userCode, user]));
      const today = new Date().toISOString().slice(0, 10);
      const plan: [string, string, string | null, string | null, string, string | null][] = [
        // user, type, number, state, issued, expires (null: the type's validity)
        ['L-1001', 'FORKLIFT-LIC', 'FL-20231', 'NL', addMonths(today, -58), null],
        ['L-1001', 'FOOD-HYGIENE', null, null, addMonths(today, -12), null],
        ['L-1002', 'DRIVING-C', 'C-7781204', 'NL', addMonths(today, -100), addDays(today, 45)],
        ['L-1003', 'BIG-NURSE', '19054321001', 'NL', addMonths(today, -61), addDays(today, -20)],
        ['L-1004', 'FORKLIFT-LIC', 'FL-30877', 'NL', addMonths(today, -24), null],
        ['L-1004', 'FOOD-HYGIENE', null, null, addMonths(today, -35), addDays(today, 20)],
        ['L-1006', 'DRIVING-C', 'C-5530912', 'BE', addMonths(today, -119), addDays(today, 80)],
      ];
      let count = 0;
      for (const [userCode, typeCode, number, state, issuedOn, expiresOn] of plan) {
        const user = byCode.get(userCode);
        if (!user) continue;
        await this.commands.execute(new AddLicenceCommand(system, { userId: user.id, typeCode, number, jurisdiction: state, issuedOn, expiresOn }, 'demo'));
        count++;
      }
      return [`licences        ${types.length} licence types (${types.map((t) => t.code).join(', ')}; ADR-OLD retired), ${count} licences of the demo learners`];
    });
  }
}

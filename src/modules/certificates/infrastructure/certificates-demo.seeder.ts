import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { RegisterObtainedCertificateCommand, type RegisterObtainedCertificateInput } from '#libs/contracts/certificates/index.js';
import { ALL_PERMISSIONS, FindUsersByCodesQuery, type Principal } from '#libs/contracts/users/index.js';
import { DemoSeederOf, type DemoSeeder } from '#libs/demo/demo-seeder.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { CertificateCategory } from '../domain/certificate-category.js';
import { CertificateDefinition } from '../domain/certificate-definition.js';
import { addMonths } from '../domain/local-date.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Demo catalogue (Safety, First aid, Languages) and a few obtained certificates of the demo learners,
 * registered through RegisterObtainedCertificateCommand, so that their events fill the reporting
 * read model like any other registration.
 */
@Injectable()
@DemoSeederOf(20)
export class CertificatesDemoSeeder implements DemoSeeder {
  constructor(
    private readonly orm: MikroORM,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly storage: StoragePort,
  ) {}

  async seed(): Promise<string[]> {
    const em = this.orm.em.fork();
    const safety = CertificateCategory.create('Safety');
    const firstAid = CertificateCategory.create('First aid');
    const languages = CertificateCategory.create('Languages');
    const definitions = [
      CertificateDefinition.define('VCA-BASIS', { name: 'VCA Basic safety', categoryId: safety.id, validityMonths: 120, numberPrefix: 'VCA-' }),
      CertificateDefinition.define('FORKLIFT', { name: 'Forklift operator', categoryId: safety.id, validityMonths: 60, numberPrefix: 'FL-' }),
      CertificateDefinition.define('BHV', { name: 'BHV company emergency response', categoryId: firstAid.id, validityMonths: 12, numberPrefix: 'BHV-' }),
      CertificateDefinition.define('EHBO', { name: 'EHBO first aid', categoryId: firstAid.id, validityMonths: 24, numberPrefix: null }),
      CertificateDefinition.define('NT2-B1', { name: 'Dutch as a second language, B1', categoryId: languages.id, validityMonths: null, numberPrefix: null }),
    ];
    // Two flushes: the mappings carry ids, not relations, so one flush would not order the inserts.
    await em.transactional(async (tx) => {
      await tx.persist([safety, firstAid, languages]).flush();
      await tx.persist(definitions).flush();
    });

    // Handlers of other modules resolve their EntityManager from the context, as in a request.
    const registered = await RequestContext.create(this.orm.em.fork(), async () => {
      const system: Principal = {
        userId: NIL_UUID,
        email: 'system@localhost',
        displayName: 'Demo data',
        language: 'en',
        roles: [],
        permissions: ALL_PERMISSIONS,
        authenticatedWith: 'api-token',
      };
      const users = await this.queries.execute(new FindUsersByCodesQuery(system, ['ADM-0001', 'L-1001', 'L-1002', 'L-1003', 'L-1004', 'L-1005', 'L-1006']));
      const byCode = new Map(users.map((user) => [user.userCode, user]));
      const admin = byCode.get('ADM-0001');
      const principal: Principal = admin ? { ...system, userId: admin.id, email: admin.email, displayName: `${admin.firstName} ${admin.lastName}` } : system;
      const today = new Date().toISOString().slice(0, 10);
      const monthsAgo = (months: number) => addMonths(today, -months);
      const diploma = await this.storage.put(minimalPdf('VCA Basic safety - Lena de Vries'));

      const plan: [string, Omit<RegisterObtainedCertificateInput, 'userId'>][] = [
        ['L-1001', { definitionCode: 'VCA-BASIS', dateObtained: monthsAgo(30), autoNumber: true, source: 'manual',
          attachment: { kind: 'stored', storageKey: diploma.key, fileName: 'VCA diploma Lena.pdf' } }],
        ['L-1001', { definitionCode: 'BHV', dateObtained: monthsAgo(11), autoNumber: true, source: 'manual' }],
        ['L-1002', { definitionCode: 'EHBO', dateObtained: monthsAgo(25), number: 'EHBO-NL-884213', source: 'external' }],
        ['L-1002', { definitionCode: 'FORKLIFT', dateObtained: monthsAgo(12), autoNumber: true, source: 'import' }],
        ['L-1003', { definitionCode: 'VCA-BASIS', dateObtained: monthsAgo(6), autoNumber: true, source: 'import' }],
        ['L-1003', { definitionCode: 'NT2-B1', dateObtained: monthsAgo(18), number: 'NT2-2025-0117', source: 'external' }],
        ['L-1004', { definitionCode: 'BHV', dateObtained: monthsAgo(2), autoNumber: true, source: 'manual' }],
        ['L-1005', { definitionCode: 'VCA-BASIS', dateObtained: monthsAgo(1), autoNumber: true, source: 'manual' }],
        ['L-1006', { definitionCode: 'EHBO', dateObtained: monthsAgo(1), source: 'manual' }],
      ];
      let count = 0;
      for (const [userCode, input] of plan) {
        const user = byCode.get(userCode);
        if (!user) continue;
        await this.commands.execute(new RegisterObtainedCertificateCommand(principal, { ...input, userId: user.id }));
        count++;
      }
      return count;
    });
    return [
      `certificates    ${definitions.length} definitions (${definitions.map((d) => d.code).join(', ')}), ${registered} obtained certificates of the demo learners`,
    ];
  }
}

/** A small, valid one-page PDF showing `text`. */
export function minimalPdf(text: string): Buffer {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 18 Tf 72 720 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

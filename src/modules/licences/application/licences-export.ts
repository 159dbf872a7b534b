import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { xmlSafeText } from '#libs/spreadsheet/cell-text.js';
import { CsvStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';
import type { LicenceTypeState } from '../domain/licence-type.js';
import { TYPE_COLUMNS } from '../infrastructure/licence-store.js';
import { LICENCE_COLUMNS, LICENCES_XML_RECORD, LICENCES_XML_ROOT, licenceImportInstructions } from './imports/licence-import-format.js';

/**
 * "Export available licences": the import file itself, ready to fill in. One example row per active
 * licence type (Action Add, the type's code and name; User, number and dates left for the admin), as
 * tab-delimited text with the header row, or as XML with the instructions in a comment before the root.
 * Uploading it unchanged gives one error per row (the user is empty); filled in, it imports.
 */
@Injectable()
export class LicencesExport {
  constructor(private readonly em: EntityManager) {}

  async write(format: 'txt' | 'xml', output: Writable): Promise<void> {
    const types = await this.em.fork().execute<LicenceTypeState[]>(`select ${TYPE_COLUMNS} from licence_types t where t.status = 'active' order by t.code`);
    const rows = types.map(exampleRow);
    if (format === 'txt') {
      const txt = new CsvStreamWriter(output, '\t');
      txt.start(LICENCE_COLUMNS.map((column) => column.header));
      for (const row of rows) txt.addRow(LICENCE_COLUMNS.map((column) => row[column.key] ?? ''));
      await txt.finish();
      return;
    }
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<!--\n${licenceImportInstructions()}\n-->`, `<${LICENCES_XML_ROOT}>`];
    for (const row of rows) {
      lines.push(`  <${LICENCES_XML_RECORD}>`);
      for (const column of LICENCE_COLUMNS) lines.push(`    <${column.xml}>${escapeXml(row[column.key] ?? '')}</${column.xml}>`);
      lines.push(`  </${LICENCES_XML_RECORD}>`);
    }
    lines.push(`</${LICENCES_XML_ROOT}>`, '');
    await new Promise<void>((resolve, reject) => output.end(lines.join('\n'), (error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

function exampleRow(type: LicenceTypeState): Record<string, string> {
  return { action: 'Add', user: '', typeCode: type.code, typeName: type.name, number: '', jurisdiction: '', issuedOn: '', expiresOn: '' };
}

/** Text for an XML element: characters XML cannot hold are dropped (older data may hold them), the rest escaped. */
export function escapeXml(text: string): string {
  return xmlSafeText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

import { Injectable } from '@nestjs/common';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import {
  ImportTypeProvider,
  type ImportChunkContext,
  type ImportColumn,
  type ImportMessage,
  type ImportOptionDescription,
  type ImportTypeDefinition,
  type RawImportRow,
  type RowOutcome,
  type ValidatedImport,
} from '#libs/contracts/imports/index.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { registerMessages } from '#libs/i18n/i18n.js';
import { booleanSetting, PlatformSettings, type PlatformSettingDefinition } from '#libs/settings/platform-settings.js';

registerMessages({
  // BIG_AMOUNT has no parameters: the validation's warning groups show it once for all its rows.
  en: {
    'TEST_RECORDS.AMOUNT_NOT_A_NUMBER': 'Amount must be a number, not "{value}".',
    'TEST_RECORDS.BIG_AMOUNT': 'The amount is more than 100; confirm that this is intended.',
    'TEST_RECORDS.OVER_BUDGET': 'The valid rows add up to {total}, more than the budget of {budget}. Lower the amounts or raise the budget.',
  },
  nl: {
    'TEST_RECORDS.AMOUNT_NOT_A_NUMBER': 'Bedrag moet een getal zijn, niet "{value}".',
    'TEST_RECORDS.BIG_AMOUNT': 'Het bedrag is meer dan 100; bevestig dat dit de bedoeling is.',
    'TEST_RECORDS.OVER_BUDGET': 'De geldige rijen tellen op tot {total}, meer dan het budget van {budget}. Verlaag de bedragen of verhoog het budget.',
  },
});

/** Options of the test type: a budget for its import-level check, a label whose value 'forbidden' stands in for a scope refusal. */
export class TestRecordsOptions {
  @IsOptional() @IsInt() @Min(0) budget?: number;
  @IsOptional() @IsString() @MaxLength(50) label?: string;
}

const COLUMNS: ImportColumn[] = [
  { key: 'code', header: 'Code', aliases: ['Referentie'], mandatory: true, unique: true, note: 'A unique code.', kind: 'text', maxLength: 64 },
  { key: 'name', header: 'Name', aliases: ['Naam'], mandatory: true, note: 'A name.', kind: 'text', maxLength: 200 },
  { key: 'amount', header: 'Amount', mandatory: false, note: 'A number; more than 100 needs a confirmation.', kind: 'text', maxLength: 40 },
];

let availability: PlatformSettingDefinition<boolean> | undefined;
/**
 * The platform setting that switches the test type on and off, to drive the engine's availability checks.
 * Defined when the type is first constructed (only with IMPORT_TEST_TYPES=true), so that production,
 * which never constructs it, lists no such setting. On by default: the other tests use the type freely.
 */
export function testRecordsAvailability(): PlatformSettingDefinition<boolean> {
  availability ??= booleanSetting('testing.test-records-import', 'TEST ONLY: whether the test-records import type is available.', true);
  return availability;
}

const amountOf = (row: RawImportRow): number | null => {
  const text = row.values.amount ?? '';
  if (text === '') return 0;
  const value = Number(text.replace(',', '.'));
  return Number.isFinite(value) ? value : null;
};

/**
 * TEST ONLY: an import type that writes nothing, to drive the engine features the certificate types do
 * not use (options schema and scope check, warnings to confirm, an import-level check, unique keys, txt
 * and XML files). It is registered only with IMPORT_TEST_TYPES=true, which production refuses
 * (libs/config/production-safety.ts). Its permission is an existing platform-admin one
 * (operations.manage) so that no role has to know about it and nothing new can be granted in production.
 */
@Injectable()
@ImportTypeProvider()
export class TestRecordsImport implements ImportTypeDefinition {
  key = 'test-records';
  permission: string = Permissions.OperationsManage;
  title = 'Test records (test only)';
  description = 'Records that are checked but never stored; for the tests of the import engine.';
  fileKinds = ['csv', 'xlsx', 'txt', 'xml'];
  templateFileName = 'test-records_template.xlsx';
  columns = COLUMNS;
  xml = { recordElement: 'record', fields: ['code', 'name', 'amount'] };
  optionsClass = TestRecordsOptions;
  optionDescriptions: ImportOptionDescription[] = [
    { key: 'budget', kind: 'integer', required: false, description: 'The most the valid rows may add up to (the import-level check).' },
    { key: 'label', kind: 'string', required: false, description: "Any label; 'forbidden' stands in for a scope refusal." },
  ];
  warningsToConfirm = ['TEST_RECORDS.BIG_AMOUNT'] as const;
  private readonly availability = testRecordsAvailability();

  constructor(private readonly settings: PlatformSettings) {}

  async availableTo(_principal: Principal): Promise<boolean> {
    return this.settings.get(this.availability);
  }

  async checkOptions(_principal: Principal, options: Record<string, unknown>): Promise<void> {
    if (options.label === 'forbidden') throw new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: 'options.label=forbidden' });
  }

  async checkBeforeRun(validated: ValidatedImport): Promise<ImportMessage[]> {
    const budget = validated.options.budget;
    if (typeof budget !== 'number') return [];
    let total = 0;
    for await (const { row } of validated.rows()) total += amountOf(row) ?? 0;
    return total > budget ? [{ code: 'TEST_RECORDS.OVER_BUDGET', params: { total, budget } }] : [];
  }

  async processChunk(rows: RawImportRow[], _context: ImportChunkContext): Promise<RowOutcome[]> {
    return rows.map((row) => {
      const amount = amountOf(row);
      if (amount === null) {
        return {
          rowNumber: row.rowNumber,
          status: 'failed',
          errors: [{ code: 'TEST_RECORDS.AMOUNT_NOT_A_NUMBER', params: { value: row.values.amount }, column: 'amount' }],
          warnings: [],
        };
      }
      const warnings: ImportMessage[] = amount > 100 ? [{ code: 'TEST_RECORDS.BIG_AMOUNT', params: { amount }, column: 'amount' }] : [];
      return { rowNumber: row.rowNumber, status: 'succeeded', errors: [], warnings };
    });
  }
}

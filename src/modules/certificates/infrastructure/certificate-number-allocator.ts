import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { invalid } from '#libs/errors/domain-error.js';
import { formatAutoNumber, type DefinitionTerms } from '../domain/certificate-definition.js';

export const MAX_NUMBERS_PER_ALLOCATION = 10_000;

/**
 * Hands out automatic certificate numbers from one counter row per definition. The counter is advanced
 * in a short transaction of its own, on a fork of its own: the caller's (possibly long) transaction
 * never holds the row lock, so concurrent registrations and imports do not queue behind each other.
 * Numbers are never handed out twice; a caller that rolls back leaves a gap, which is accepted.
 */
@Injectable()
export class CertificateNumberAllocator {
  constructor(private readonly orm: MikroORM) {}

  /** `count` consecutive numbers, formatted (`VCA-000041`, `VCA-000042`, ...). */
  async allocate(definition: DefinitionTerms, count = 1): Promise<string[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_NUMBERS_PER_ALLOCATION) {
      throw invalid('CERTIFICATES.NUMBER_COUNT_INVALID', { count, max: MAX_NUMBERS_PER_ALLOCATION });
    }
    // Checked before touching the counter, so a definition without numbering wastes nothing.
    formatAutoNumber(definition, 1);
    const last = await this.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<{ last_value: string }[]>(
        `update certificate_number_counters set last_value = last_value + ? where definition_id = ? returning last_value`,
        [count, definition.id],
      );
      if (rows.length > 0) return Number(rows[0].last_value);
      // The first number of a definition: create its counter (a concurrent first caller adds to it instead).
      const inserted = await em.execute<{ last_value: string }[]>(
        `insert into certificate_number_counters (definition_id, last_value) values (?, ?)
         on conflict (definition_id) do update set last_value = certificate_number_counters.last_value + excluded.last_value
         returning last_value`,
        [definition.id, count],
      );
      return Number(inserted[0].last_value);
    });
    return Array.from({ length: count }, (_, i) => formatAutoNumber(definition, last - count + 1 + i));
  }

  /**
   * The numbers the next allocation would hand out, without taking them: a validate-only import shows
   * realistic numbers and leaves no gap in the sequence.
   */
  async preview(definition: DefinitionTerms, count = 1): Promise<string[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_NUMBERS_PER_ALLOCATION) {
      throw invalid('CERTIFICATES.NUMBER_COUNT_INVALID', { count, max: MAX_NUMBERS_PER_ALLOCATION });
    }
    formatAutoNumber(definition, 1);
    const rows = await this.orm.em
      .fork()
      .execute<{ last_value: string }[]>(`select last_value from certificate_number_counters where definition_id = ?`, [definition.id]);
    const last = rows.length > 0 ? Number(rows[0].last_value) : 0;
    return Array.from({ length: count }, (_, i) => formatAutoNumber(definition, last + 1 + i));
  }
}

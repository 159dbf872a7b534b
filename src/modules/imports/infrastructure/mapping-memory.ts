import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { headerSignature, type ColumnMapping } from '../domain/column-mapping.js';

/** The mapping each admin last used per import type and set of headers: suggested first next time. */
@Injectable()
export class MappingMemory {
  async recall(em: EntityManager, userId: string, type: string, headers: string[]): Promise<ColumnMapping | undefined> {
    const [row] = await em.execute<{ mapping: ColumnMapping }[]>(
      `select mapping from import_mapping_memory where user_id = ? and type = ? and signature = ?`,
      [userId, type, headerSignature(headers)],
    );
    return row?.mapping;
  }

  async remember(em: EntityManager, userId: string, type: string, headers: string[], mapping: ColumnMapping): Promise<void> {
    await em.execute(
      `insert into import_mapping_memory (user_id, type, signature, mapping) values (?, ?, ?, ?::jsonb)
       on conflict (user_id, type, signature) do update set mapping = excluded.mapping, updated_at = now()`,
      [userId, type, headerSignature(headers), JSON.stringify(mapping)],
    );
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ImportAdvanced, ImportCompleted, type ImportMessage } from '#libs/contracts/imports/index.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { RUNNING_STATUSES, statusesBefore, type FinalStatus, type ImportStatus } from '../domain/import-lifecycle.js';
import type { Import } from '../domain/import.js';

const JSON_COLUMNS = new Set(['preview', 'mapping', 'options', 'validation', 'acknowledged_warnings', 'header', 'failure']);

/** Column values for a move: plain values, or a SQL expression to keep counters atomic (`{ sql: 'x + 1' }`). */
export type ColumnValues = Record<string, unknown>;
/** A SQL expression as a column's new value, with its own bound parameters. */
export class Sql {
  constructor(
    readonly sql: string,
    readonly params: unknown[] = [],
  ) {}
}
export const sql = (text: string, ...params: unknown[]) => new Sql(text, params);

/**
 * The one place that writes an import's status. Every move is one guarded UPDATE whose WHERE names the
 * statuses the lifecycle allows it from (import-lifecycle.ts), so of two processes racing (a cancel and
 * the last chunk, a reaper and a worker) exactly one moves the import; the other finds no row and stands down.
 */
@Injectable()
export class ImportRepository {
  /** Moves the import to `to` (if its status allows) and sets the columns; the row after the move, or undefined. */
  async move(em: EntityManager, importId: string, to: ImportStatus, values: ColumnValues = {}, from: ImportStatus[] = statusesBefore(to)): Promise<Record<string, unknown> | undefined> {
    const allowed = from.filter((status) => statusesBefore(to).includes(status) || status === to);
    const { assignments, params } = this.assignments(values);
    const statusChanged = `status_changed_at = case when status = ? then status_changed_at else now() end`;
    const [row] = await em.execute<Record<string, unknown>[]>(
      `update imports set status = ?, ${statusChanged}, progress_at = now()${assignments}
        where id = ? and status = any(?::text[]) returning *`,
      [to, to, ...params, importId, `{${allowed.join(',')}}`],
    );
    return row;
  }

  /** Sets columns of an import that is in one of `statuses` (counters, progress); the row after, or undefined. */
  async update(em: EntityManager, importId: string, statuses: ImportStatus[], values: ColumnValues): Promise<Record<string, unknown> | undefined> {
    const { assignments, params } = this.assignments(values);
    const [row] = await em.execute<Record<string, unknown>[]>(
      `update imports set progress_at = now()${assignments} where id = ? and status = any(?::text[]) returning *`,
      [...params, importId, `{${statuses.join(',')}}`],
    );
    return row;
  }

  /**
   * Writes what an admin decided on the aggregate (mapping, confirm): its new status and the fields the
   * decision set, guarded by the status it was loaded in. False when the import moved meanwhile.
   */
  async saveDecision(em: EntityManager, run: Import, loadedIn: ImportStatus): Promise<boolean> {
    const moved = await this.move(
      em,
      run.id,
      run.status,
      {
        mapping: run.mapping,
        options: run.options,
        acknowledged_warnings: run.acknowledgedWarnings,
        run_rows: run.runRows,
        chunks_done: run.chunksDone,
        confirmed_at: run.confirmedAt,
      },
      [loadedIn],
    );
    if (!moved) return false;
    recordEvent(em, new ImportAdvanced({ importId: run.id, status: run.status }));
    await em.flush();
    return true;
  }

  /**
   * Ends an import (in the caller's transaction): final status, unused-file warning, ImportCompleted
   * through the outbox, and its staged rows dropped (undo reads the row log, not the staging). Only an
   * import that has not ended moves, so it ends once: false when it had ended already.
   */
  async finish(em: EntityManager, importId: string, status: FinalStatus, failure?: ImportMessage): Promise<boolean> {
    const completed = status === 'completed' || status === 'completed_with_errors';
    const unused = completed
      ? await em.execute<{ name: string; total: string }[]>(
          `select name, count(*) over () as total from import_files where import_id = ? and not used order by name limit 20`,
          [importId],
        )
      : [];
    const warnings: ImportMessage[] =
      unused.length > 0
        ? [{ code: 'IMPORTS.UNUSED_FILES', params: { count: Number(unused[0].total), names: unused.map((u) => u.name).join(', ') + (Number(unused[0].total) > 20 ? ', ...' : '') } }]
        : [];
    const row = await this.move(em, importId, status, {
      finished_at: sql('now()'),
      failure: sql('coalesce(?::jsonb, failure)', failure ? JSON.stringify(failure) : null),
      warnings: sql('warnings || ?::jsonb', JSON.stringify(warnings)),
    }, RUNNING_STATUSES);
    if (!row) return false;
    await em.execute(`delete from import_staged_rows where import_id = ?`, [importId]);
    await em.execute(`delete from import_chunk_plan where import_id = ?`, [importId]);
    recordEvent(
      em,
      new ImportCompleted({
        importId,
        type: String(row.type),
        status,
        validateOnly: Boolean(row.validate_only),
        mode: row.mode === 'undo' ? 'undo' : 'import',
        undoOf: (row.undo_of as string | null) ?? null,
        startedBy: String(row.started_by),
        startedByLanguage: String(row.started_by_language),
        fileName: String(row.file_name),
        totalRows: Number(row.total_rows),
        succeededRows: Number(row.succeeded_rows),
        failedRows: Number(row.failed_rows),
        skippedRows: Number(row.skipped_rows),
        warningRows: Number(row.warning_rows),
        startedAt: new Date((row.started_at ?? row.created_at) as string).toISOString(),
        finishedAt: new Date(row.finished_at as string).toISOString(),
      }),
    );
    await em.flush();
    return true;
  }

  /**
   * Claims the read of an import's file (preview or staging) by a worker. A start counts as a death only
   * if the one before it never ended (see endRead): a graceful shutdown, a redelivered job or a transient
   * error ends a read without it dying. Undefined when the import is not in `status`, or is staged already
   * (by another worker, while this one waited for it).
   */
  async claimRead(em: EntityManager, importId: string, status: ImportStatus, endedHere: boolean): Promise<{ parse_deaths: number } | undefined> {
    const [claimed] = await em.execute<{ parse_deaths: number }[]>(
      `update imports set started_at = coalesce(started_at, now()), progress_at = now(), parse_starts = parse_starts + 1,
          parse_deaths = parse_deaths + case when parse_running and not ?::boolean then 1 else 0 end, parse_running = true
        where id = ? and status = ? and staged_at is null returning parse_deaths`,
      [endedHere, importId, status],
    );
    return claimed;
  }

  /** The read of an import's file ended in this process (did not die). */
  async endRead(em: EntityManager, importId: string): Promise<void> {
    await em.execute(`update imports set parse_running = false where id = ?`, [importId]);
  }

  private assignments(values: ColumnValues): { assignments: string; params: unknown[] } {
    let assignments = '';
    const params: unknown[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (!/^[a-z_]+$/.test(column)) throw new Error(`not a column: ${column}`);
      if (value instanceof Sql) {
        assignments += `, ${column} = ${value.sql}`;
        params.push(...value.params);
      } else if (JSON_COLUMNS.has(column) || column === 'warnings') {
        assignments += `, ${column} = ?::jsonb`;
        params.push(value === null || value === undefined ? null : JSON.stringify(value));
      } else {
        assignments += `, ${column} = ?`;
        params.push(value ?? null);
      }
    }
    return { assignments, params };
  }
}

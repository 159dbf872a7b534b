import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { from as copyFrom } from 'pg-copy-streams';
import { Writable } from 'node:stream';
import type { ImportMessage, SheetRowFacts } from '#libs/contracts/imports/index.js';

/** A row as staged for its chunks: the column values, the original cells, and what reading found. */
export interface StagedRow {
  seq: number;
  rowNumber: number;
  line?: number;
  values: Record<string, string>;
  cells: string[];
  errors: ImportMessage[];
  duplicateOf?: number;
  /** What an XLSX says about the row besides its values, by column key. */
  sheet?: SheetRowFacts;
}

/** Text-format COPY field: backslash, tab and line breaks escaped; NUL cannot be stored and is dropped. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/[\\\t\n\r\0]/g, (char) => (char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : char === '\r' ? '\\r' : ''));
}

/**
 * JSON without NUL characters (PostgreSQL refuses \u0000 escapes; a binary file's bytes may contain
 * them). Removed from the strings before encoding: cutting the escape out of the encoded text would break
 * a cell whose text spells "\u0000" literally.
 */
export function stagedJson(value: unknown): string {
  // A replacer makes JSON.stringify several times slower, and three calls per staged row add up: it runs
  // only when the plain encoding has a NUL escape in it (or a cell that spells one, which it keeps intact).
  const plain = JSON.stringify(value);
  if (!plain.includes('\\u0000')) return plain;
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' && item.includes('\0') ? item.replaceAll('\0', '') : item));
}

/** An open COPY of one import's rows into import_staged_rows. */
export interface StagingCopy {
  write(row: StagedRow): Promise<void>;
  /** Ends the COPY: every written row is committed. */
  end(): Promise<void>;
  /** Stops the COPY: nothing it wrote stays. */
  abort(): Promise<void>;
}

/**
 * Stages an import's rows in PostgreSQL with COPY, on a connection taken from the ORM's pg pool (COPY
 * needs the raw driver): tens of thousands of rows a second, where inserts through the ORM would be the
 * bottleneck. A COPY commits as a whole, so a staging that dies leaves nothing behind it.
 */
@Injectable()
export class StagedRows {
  constructor(private readonly orm: MikroORM) {}

  async copy(importId: string): Promise<StagingCopy> {
    const pool = await this.orm.em.getConnection().getNativeClient();
    const client = await pool.connect();
    const stream = client.query(copyFrom(`copy import_staged_rows (import_id, seq, row_number, line, "values", cells, errors, duplicate_of, sheet) from stdin`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    // Awaited only by end() and abort(): a COPY the server refuses mid-stream must not be an unhandled
    // rejection meanwhile (Node ends the whole worker process on one); write() throws it instead.
    done.catch(() => {});
    let failed: Error | undefined;
    stream.on('error', (error: Error) => (failed = error));
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.release(error);
    };
    let pending: string[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const text = pending.join('');
      pending = [];
      if (!stream.write(text)) await new Promise<void>((resolve, reject) => {
        stream.once('drain', resolve);
        stream.once('error', reject);
      });
    };
    return {
      write: async (row) => {
        if (failed) throw failed;
        pending.push(
          `${importId}\t${row.seq}\t${row.rowNumber}\t${field(row.line)}\t${field(stagedJson(row.values))}\t${field(stagedJson(row.cells))}\t${field(stagedJson(row.errors))}\t${field(row.duplicateOf)}\t${field(row.sheet ? stagedJson(row.sheet) : null)}\n`,
        );
        if (pending.length >= 256) await flush();
      },
      end: async () => {
        try {
          await flush();
          stream.end();
          await done;
          release();
        } catch (error) {
          release(error as Error);
          throw error;
        }
      },
      abort: async () => {
        // Destroying the stream makes the server roll the COPY back; the connection is not reused.
        (stream as unknown as Writable).destroy(new Error('staging aborted'));
        await done.catch(() => {});
        release(new Error('staging aborted'));
      },
    };
  }
}

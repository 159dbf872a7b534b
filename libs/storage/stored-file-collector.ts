import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { PoolClient } from 'pg';
import { AppConfig } from '#libs/config/app-config.js';
import { StoragePort } from './storage.port.js';
import { STORED_FILE_REFERENCES, type StoredFileReferences } from './stored-file-references.js';

export interface CollectionReport {
  /** False when another process held the collector's lock, or no module declared its references. */
  ran: boolean;
  examined: number;
  removed: number;
  bytesFreed: number;
  temporaryRemoved: number;
}

const BATCH = 1000;
/** One collector at a time across all processes sharing the database (pg session advisory lock key). */
const LOCK_KEY = 'stored-file-collector';

/**
 * Removes stored files that nothing references any more: uploads and attachments of failed, cancelled,
 * expired or validate-only imports, attachments no row used. Storage is content-addressed, so a file is
 * removed only when no module needs its key at all (a file two imports share, or that a certificate
 * attaches, stays). Each module answers for its own tables through a @StoredFileReferenceSource()
 * provider. A file stored less than the grace period ago is never removed: its owner may not have
 * recorded the key yet; the storage decides that atomically against a concurrent store of the same bytes.
 * Runs on an interval in worker processes, in its own MikroORM context.
 */
@Injectable()
export class StoredFileCollector implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StoredFileCollector.name);
  private sources: StoredFileReferences[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<CollectionReport>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly orm: MikroORM,
    private readonly storage: StoragePort,
    private readonly config: AppConfig,
  ) {}

  onModuleInit() {
    this.sources = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.metatype && wrapper.instance && Reflect.getMetadata(STORED_FILE_REFERENCES, wrapper.metatype))
      .map((wrapper) => wrapper.instance as StoredFileReferences);
  }

  onApplicationBootstrap() {
    const { intervalMs } = this.config.storageCollector;
    if (this.config.role === 'api' || intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.collect().catch((error: unknown) => this.logger.error({ msg: 'stored-file collection failed', error: String(error) }));
    }, intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over the storage. Concurrent calls in this process share the pass that is running. */
  collect(): Promise<CollectionReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<CollectionReport> {
    const report: CollectionReport = { ran: false, examined: 0, removed: 0, bytesFreed: 0, temporaryRemoved: 0 };
    if (this.sources.length === 0) {
      // Nobody said which files they need: removing anything would be a guess.
      this.logger.warn({ msg: 'no stored-file reference sources are registered; nothing is collected' });
      return report;
    }
    const started = Date.now();
    const cutoff = new Date(started - this.config.storageCollector.graceMs);
    // A session-level lock on a connection of its own, held for the pass but in no transaction: a long
    // pass over a large store must not hold a snapshot open (it would pin xmin and hold back vacuum).
    // Each batch asks the sources in a short transaction of its own. The connection is taken from the pg
    // pool directly (not through Kysely) so that it can be destroyed instead of returned: see release below.
    const pool = await this.orm.em.getConnection().getNativeClient();
    const client = await pool.connect();
    let failure: unknown;
    let locked = false;
    try {
      locked = (await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(hashtext($1)) as locked`, [LOCK_KEY])).rows[0]?.locked === true;
      if (locked) {
        report.ran = true;
        await this.sweepAll(report, cutoff);
      }
    } catch (error) {
      failure = error;
    }
    await this.release(client, locked, failure);
    if (failure !== undefined) throw failure;
    if (report.removed > 0 || report.temporaryRemoved > 0) {
      this.logger.log({ msg: 'stored files collected', ...report, ms: Date.now() - started });
    }
    return report;
  }

  /**
   * Unlocks and returns the lock's connection to the pool. If the unlock fails (or the lock query failed
   * half-way), the connection is destroyed instead: returned alive it would keep holding the session lock,
   * and every later pass in every process would find it taken and quietly do nothing (ran: false) until
   * the process restarts. Closing the session releases the lock. A failure here is logged, never thrown
   * over the pass's own failure, which the caller rethrows.
   */
  private async release(client: PoolClient, locked: boolean, failure: unknown): Promise<void> {
    let unlockError: unknown;
    if (locked) {
      try {
        const { rows } = await client.query<{ unlocked: boolean }>(`select pg_advisory_unlock(hashtext($1)) as unlocked`, [LOCK_KEY]);
        if (rows[0]?.unlocked !== true) unlockError = new Error('pg_advisory_unlock answered false: the lock was not held by this session');
      } catch (error) {
        unlockError = error;
      }
    } else if (failure !== undefined) {
      unlockError = failure; // the lock query itself failed: whether the session holds the lock is unknown
    }
    if (unlockError === undefined) {
      client.release();
      return;
    }
    this.logger.error({ msg: 'stored-file collector could not release its lock; closing its connection to end the session and the lock', error: String(unlockError), ...(failure !== undefined && failure !== unlockError ? { passError: String(failure) } : {}) });
    client.release(unlockError instanceof Error ? unlockError : new Error(String(unlockError)));
  }

  private async sweepAll(report: CollectionReport, cutoff: Date): Promise<void> {
    let batch: string[] = [];
    const sweep = async () => {
      const keys = batch;
      batch = [];
      // A source that fails throws here, before anything of the batch is removed, and ends the pass.
      const needed = await this.orm.em.fork().transactional(async (em) => {
        const referenced = new Set<string>();
        for (const source of this.sources) for (const key of await source.referenced(em, keys)) referenced.add(key);
        return referenced;
      });
      for (const key of keys) {
        if (needed.has(key)) continue;
        const freed = await this.storage.removeIfStoredBefore(key, cutoff);
        if (freed === undefined) continue;
        report.removed++;
        report.bytesFreed += freed;
      }
    };
    for await (const key of this.storage.listStoredBefore(cutoff)) {
      report.examined++;
      batch.push(key);
      if (batch.length >= BATCH) await sweep();
    }
    if (batch.length > 0) await sweep();
    report.temporaryRemoved = await this.storage.removeTemporaryBefore(cutoff);
  }
}

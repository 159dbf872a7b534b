import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { DiscoveryService } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '#libs/config/app-config.js';
import { FileSystemStorage } from './filesystem-storage.js';
import { StoredFileCollector } from './stored-file-collector.js';
import { StoredFileReferenceSource, type StoredFileReferences } from './stored-file-references.js';

interface FakeLockClient {
  queries: string[];
  released?: { destroyed: boolean; error?: unknown };
}

/**
 * The collector with the given reference sources over a real storage directory. The lock's connection is
 * a fake: the lock is free, and `unlock` decides what pg_advisory_unlock does.
 */
function collectorOver(storage: FileSystemStorage, sources: StoredFileReferences[], unlock: () => Promise<unknown> = async () => ({ rows: [{ unlocked: true }] })) {
  const em = {};
  const lockClient: FakeLockClient = { queries: [] };
  const query = async (text: string) => {
    lockClient.queries.push(text);
    return text.includes('pg_advisory_unlock') ? unlock() : { rows: [{ locked: true }] };
  };
  const client = {
    query,
    release: (error?: unknown) => {
      lockClient.released = { destroyed: error !== undefined && error !== false, error };
    },
  };
  const fork = () => ({
    transactional: async <T>(work: (tx: unknown) => Promise<T>) => work(em),
    // The same fake behind Kysely's connection API; its release cannot destroy a connection.
    getKysely: () => ({
      connection: () => ({
        execute: async <T>(work: (connection: unknown) => Promise<T>) => {
          try {
            return await work({ executeQuery: (compiled: { sql: string }) => query(compiled.sql) });
          } finally {
            client.release();
          }
        },
      }),
    }),
  });
  const orm = { em: { fork, getConnection: () => ({ getNativeClient: async () => ({ connect: async () => client }) }) } } as unknown as MikroORM;
  const discovery = {
    getProviders: () =>
      sources.map((instance) => {
        @StoredFileReferenceSource()
        class Source {}
        return { metatype: Source, instance };
      }),
  } as unknown as DiscoveryService;
  const config = { role: 'worker', storageCollector: { intervalMs: 0, graceMs: 60_000 } } as AppConfig;
  const collector = new StoredFileCollector(discovery, orm, storage, config);
  collector.onModuleInit();
  return Object.assign(collector, { lockClient });
}

async function storeOld(storage: FileSystemStorage, text: string): Promise<string> {
  const { key } = await storage.put(Buffer.from(text));
  const past = new Date(Date.now() - 3_600_000);
  await storage.withLocalFile(key, async (path) => utimesSync(path, past, past));
  return key;
}

describe('StoredFileCollector', () => {
  it('removes old files no source references and keeps referenced and young ones', async () => {
    const storage = new FileSystemStorage(mkdtempSync(join(tmpdir(), 'collector-')));
    const kept = await storeOld(storage, 'an attachment someone uses');
    const orphan = await storeOld(storage, 'a failed import upload');
    const young = (await storage.put(Buffer.from('stored a moment ago'))).key;
    const collector = collectorOver(storage, [{ name: 'a', referenced: async (_em, keys) => keys.filter((k) => k === kept) }]);
    expect(await collector.collect()).toMatchObject({ ran: true, examined: 2, removed: 1, bytesFreed: 'a failed import upload'.length });
    expect(await storage.exists(kept)).toBe(true);
    expect(await storage.exists(orphan)).toBe(false);
    expect(await storage.exists(young)).toBe(true);
  });

  it('removes nothing when a source fails, or when no module declared its references', async () => {
    const storage = new FileSystemStorage(mkdtempSync(join(tmpdir(), 'collector-')));
    const orphan = await storeOld(storage, 'nobody knows');
    const failing = collectorOver(storage, [
      { name: 'fine', referenced: async () => [] },
      { name: 'broken', referenced: async () => Promise.reject(new Error('database gone')) },
    ]);
    await expect(failing.collect()).rejects.toThrow('database gone');
    expect(await storage.exists(orphan)).toBe(true);
    expect(await collectorOver(storage, []).collect()).toMatchObject({ ran: false, removed: 0 });
    expect(await storage.exists(orphan)).toBe(true);
  });

  it('destroys the lock connection when the unlock fails, so no pooled session keeps the lock; the pass error wins', async () => {
    const storage = new FileSystemStorage(mkdtempSync(join(tmpdir(), 'collector-')));
    await storeOld(storage, 'an orphan');
    const unlockFails = async () => Promise.reject(new Error('canceling statement due to statement timeout'));

    // The pass went well, the unlock did not: the connection is destroyed (release with the error), not pooled.
    const afterGoodPass = collectorOver(storage, [{ name: 'a', referenced: async () => [] }], unlockFails);
    expect(await afterGoodPass.collect()).toMatchObject({ ran: true, removed: 1 });
    expect(afterGoodPass.lockClient.queries.some((q) => q.includes('pg_advisory_unlock'))).toBe(true);
    expect(afterGoodPass.lockClient.released).toMatchObject({ destroyed: true });

    // The pass failed and so did the unlock: the caller sees the pass's error, not the unlock's.
    await storeOld(storage, 'another orphan');
    const afterBadPass = collectorOver(storage, [{ name: 'broken', referenced: async () => Promise.reject(new Error('database gone')) }], unlockFails);
    await expect(afterBadPass.collect()).rejects.toThrow('database gone');
    expect(afterBadPass.lockClient.released).toMatchObject({ destroyed: true });

    // A clean unlock returns the connection to the pool.
    const clean = collectorOver(storage, [{ name: 'a', referenced: async () => [] }]);
    expect(await clean.collect()).toMatchObject({ ran: true });
    expect(clean.lockClient.released).toEqual({ destroyed: false, error: undefined });
  });
});

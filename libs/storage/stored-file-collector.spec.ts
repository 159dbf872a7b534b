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

/** The collector with the given reference sources over a real storage directory; the lock is always free. */
function collectorOver(storage: FileSystemStorage, sources: StoredFileReferences[]) {
  const em = {};
  const lockConnection = { executeQuery: async () => ({ rows: [{ locked: true }] }) };
  const fork = () => ({
    transactional: async <T>(work: (tx: unknown) => Promise<T>) => work(em),
    getKysely: () => ({ connection: () => ({ execute: async <T>(work: (connection: unknown) => Promise<T>) => work(lockConnection) }) }),
  });
  const orm = { em: { fork } } as unknown as MikroORM;
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
  return collector;
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
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { FileSystemStorage } from './filesystem-storage.js';
import { StoredObjectTooLargeError } from './storage.port.js';

describe('FileSystemStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'storage-'));
  const storage = new FileSystemStorage(root);

  it('stores by SHA-256 and gives the same bytes back', async () => {
    const bytes = Buffer.from('%PDF-1.4 hello');
    const stored = await storage.put(Readable.from([bytes]));
    expect(stored.key).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(stored.size).toBe(bytes.length);
    expect(await buffer(await storage.open(stored.key))).toEqual(bytes);
    expect(await storage.put(bytes)).toEqual(stored);
  });

  it('takes over a local file by moving it, under its content address', async () => {
    const { writeFileSync, existsSync } = await import('node:fs');
    const upload = join(root, 'upload.bin');
    writeFileSync(upload, 'uploaded bytes');
    const stored = await storage.putFile(upload);
    expect(stored.key).toBe(createHash('sha256').update('uploaded bytes').digest('hex'));
    expect(existsSync(upload)).toBe(false);
    expect((await buffer(await storage.open(stored.key))).toString()).toBe('uploaded bytes');
  });

  it('reads just the head of an object', async () => {
    const stored = await storage.put(Buffer.from('%PDF-1.7 and much more'));
    expect((await storage.readHead(stored.key, 8)).toString()).toBe('%PDF-1.7');
    expect((await storage.readHead(stored.key, 1000)).toString()).toBe('%PDF-1.7 and much more');
  });

  it('refuses content over the limit and leaves no temporary file behind', async () => {
    await expect(storage.put(Buffer.alloc(2048), { maxBytes: 1024 })).rejects.toBeInstanceOf(StoredObjectTooLargeError);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('rejects keys that are not content addresses', async () => {
    await expect(storage.open('../../etc/passwd')).rejects.toThrow(/not a storage key/);
  });

  describe('collection support', () => {
    const root = mkdtempSync(join(tmpdir(), 'storage-gc-'));
    const gc = new FileSystemStorage(root);
    const list = async (cutoff: Date) => {
      const keys: string[] = [];
      for await (const key of gc.listStoredBefore(cutoff)) keys.push(key);
      return keys.sort();
    };
    const age = async (key: string, seconds: number) => {
      const { utimesSync } = await import('node:fs');
      await gc.withLocalFile(key, async (path) => utimesSync(path, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000)));
    };

    it('lists only objects stored before the cutoff, and storing the same bytes again makes them new', async () => {
      const old = await gc.put(Buffer.from('old bytes'));
      const fresh = await gc.put(Buffer.from('fresh bytes'));
      await age(old.key, 3600);
      await age(fresh.key, 3600);
      await gc.put(Buffer.from('fresh bytes')); // stored again: its age starts over
      expect(await list(new Date(Date.now() - 60_000))).toEqual([old.key]);
    });

    it('removes an old object and says how many bytes it freed; never a younger one', async () => {
      const old = await gc.put(Buffer.from('to be collected'));
      const young = await gc.put(Buffer.from('just stored'));
      await age(old.key, 3600);
      const cutoff = new Date(Date.now() - 60_000);
      expect(await gc.removeIfStoredBefore(old.key, cutoff)).toBe('to be collected'.length);
      expect(await gc.exists(old.key)).toBe(false);
      expect(await gc.removeIfStoredBefore(young.key, cutoff)).toBeUndefined();
      expect(await gc.exists(young.key)).toBe(true);
      expect(await gc.removeIfStoredBefore(old.key, cutoff)).toBeUndefined(); // gone already
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    });

    it('keeps an object that is stored again while it is being collected', async () => {
      const bytes = Buffer.from('stored again at the last moment');
      const stored = await gc.put(bytes);
      await age(stored.key, 3600);
      const cutoff = new Date(Date.now() - 60_000);
      // The collector saw it old; the same bytes are stored again before it removes them.
      expect(await list(cutoff)).toContain(stored.key);
      await gc.put(bytes);
      expect(await gc.removeIfStoredBefore(stored.key, cutoff)).toBeUndefined();
      expect(await buffer(await gc.open(stored.key))).toEqual(bytes);
    });

    it('removes temporary files of interrupted writes once they are old', async () => {
      const { mkdirSync, writeFileSync, utimesSync } = await import('node:fs');
      mkdirSync(join(root, 'tmp'), { recursive: true });
      writeFileSync(join(root, 'tmp', 'interrupted'), 'half');
      writeFileSync(join(root, 'tmp', 'in-progress'), 'half');
      utimesSync(join(root, 'tmp', 'interrupted'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
      expect(await gc.removeTemporaryBefore(new Date(Date.now() - 60_000))).toBe(1);
      expect(readdirSync(join(root, 'tmp'))).toEqual(['in-progress']);
    });
  });
});

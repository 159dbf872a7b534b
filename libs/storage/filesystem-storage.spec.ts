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
});

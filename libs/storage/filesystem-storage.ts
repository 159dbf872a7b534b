import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFileHead } from './file-head.js';
import { StoragePort, StoredObjectTooLargeError, type StoredObject } from './storage.port.js';

const KEY = /^[0-9a-f]{64}$/;
const FAN_OUT = /^[0-9a-f]{2}$/;

/**
 * Content-addressed files under one directory: `ab/cd/abcd…` (SHA-256), written atomically. Every store
 * renames a new file into place, even over identical bytes, so a file's mtime is when it was last stored:
 * the collector of unreferenced files relies on that.
 */
export class FileSystemStorage extends StoragePort {
  constructor(private readonly root: string) {
    super();
  }

  async put(content: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<StoredObject> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmpFile = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          callback(new StoredObjectTooLargeError(options.maxBytes));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, meter, createWriteStream(tmpFile));
      const key = hash.digest('hex');
      const target = this.pathOf(key);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(tmpFile, target);
      return { key, size };
    } catch (error) {
      await rm(tmpFile, { force: true });
      throw error;
    }
  }

  async putFile(path: string): Promise<StoredObject> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const key = hash.digest('hex');
    const target = this.pathOf(key);
    await mkdir(join(target, '..'), { recursive: true });
    try {
      await rename(path, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // Another file system: copy, then remove the original.
      const stored = await this.put(createReadStream(path));
      await rm(path, { force: true });
      return stored;
    }
    return { key, size };
  }

  async open(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    await stat(path);
    return createReadStream(path);
  }

  readHead(key: string, bytes: number): Promise<Buffer> {
    return readFileHead(this.pathOf(key), bytes);
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  async withLocalFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T> {
    const path = this.pathOf(key);
    await stat(path);
    return use(path);
  }

  async *listStoredBefore(cutoff: Date): AsyncIterable<string> {
    for (const first of await this.subdirectories(this.root)) {
      for (const second of await this.subdirectories(join(this.root, first))) {
        const dir = await opendir(join(this.root, first, second)).catch(() => undefined);
        if (!dir) continue;
        for await (const entry of dir) {
          if (!entry.isFile() || !KEY.test(entry.name)) continue;
          const info = await stat(join(dir.path, entry.name)).catch(() => undefined);
          if (info && info.mtimeMs < cutoff.getTime()) yield entry.name;
        }
      }
    }
  }

  async removeIfStoredBefore(key: string, cutoff: Date): Promise<number | undefined> {
    const path = this.pathOf(key);
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Move the file aside first (atomic): a put of the same bytes from now on writes a new file in its
    // place and is not affected. The file moved aside is then either old (removed) or was stored just
    // before the move (its mtime says so), in which case it goes back.
    const aside = join(tmpDir, `collect-${randomUUID()}`);
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const info = await stat(aside);
    if (info.mtimeMs >= cutoff.getTime()) {
      // Back in place. Should a new copy be there already, it holds the same bytes (content address).
      await rename(aside, path);
      return undefined;
    }
    await rm(aside, { force: true });
    return info.size;
  }

  async removeTemporaryBefore(cutoff: Date): Promise<number> {
    const tmpDir = join(this.root, 'tmp');
    let removed = 0;
    for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
      const info = await stat(join(tmpDir, name)).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < cutoff.getTime()) {
        await rm(join(tmpDir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private async subdirectories(path: string): Promise<string[]> {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isDirectory() && FAN_OUT.test(entry.name)).map((entry) => entry.name);
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

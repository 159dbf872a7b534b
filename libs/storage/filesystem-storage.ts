import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFileHead } from './file-head.js';
import { StoragePort, StoredObjectTooLargeError, type StoredObject } from './storage.port.js';

const KEY = /^[0-9a-f]{64}$/;

/** Content-addressed files under one directory: `ab/cd/abcd…` (SHA-256), written atomically. */
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

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

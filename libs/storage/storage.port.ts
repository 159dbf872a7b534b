import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Content address: the lowercase hex SHA-256 of the bytes. */
  key: string;
  size: number;
}

/**
 * Where files live (attachments, uploads). The filesystem adapter serves one machine; an object store
 * adapter replaces it when workers run on several machines. Keys are content addresses, so storing the
 * same bytes twice stores them once.
 */
export abstract class StoragePort {
  abstract put(content: Readable | Buffer, options?: { maxBytes?: number }): Promise<StoredObject>;
  /**
   * Takes over a local file (an upload in a temporary directory): the file is moved, not copied, where
   * the store allows it. The file is gone afterwards either way.
   */
  abstract putFile(path: string): Promise<StoredObject>;
  abstract open(key: string): Promise<Readable>;
  abstract exists(key: string): Promise<boolean>;
  /** The first `bytes` bytes (fewer for a shorter object), read without streaming the rest. */
  abstract readHead(key: string, bytes: number): Promise<Buffer>;
  abstract size(key: string): Promise<number>;
  /**
   * Runs `use` with a path on the local disk holding the object's bytes (ZIP reading needs random
   * access). The filesystem adapter hands out its own file; a remote store downloads to a temporary file
   * and removes it afterwards.
   */
  abstract withLocalFile<T>(key: string, use: (path: string) => Promise<T>): Promise<T>;
  /**
   * Keys of the objects last stored before `cutoff` (storing bytes that are already there counts as
   * storing them again), for the collector of unreferenced files.
   */
  abstract listStoredBefore(cutoff: Date): AsyncIterable<string>;
  /**
   * Removes an object unless it was stored at or after `cutoff`, decided atomically against a
   * concurrent `put` of the same bytes (which then keeps its copy). Returns the bytes freed, or
   * undefined when nothing was removed.
   */
  abstract removeIfStoredBefore(key: string, cutoff: Date): Promise<number | undefined>;
  /** Removes temporary files (interrupted writes) older than `cutoff`; returns how many. */
  abstract removeTemporaryBefore(cutoff: Date): Promise<number>;
}

export class StoredObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`content is larger than ${maxBytes} bytes`);
  }
}

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
  abstract open(key: string): Promise<Readable>;
  abstract exists(key: string): Promise<boolean>;
  abstract size(key: string): Promise<number>;
}

export class StoredObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`content is larger than ${maxBytes} bytes`);
  }
}

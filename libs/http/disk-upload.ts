import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { DomainError } from '#libs/errors/domain-error.js';

export interface DiskUploadOptions {
  directory: string;
  field: string;
  maxBytes: number;
  /** The error for a file over `maxBytes` (a 413 problem). */
  tooLarge: () => DomainError;
  /**
   * Called when the file part starts, with the form fields sent before it and the file's name: throw
   * (or reject) to refuse the upload before a byte of the file is stored (a permission that depends on a
   * field, a kind of file refused by its name).
   */
  beforeFile?: (request: Request, fileName: string) => void | Promise<void>;
  /** Limits on the other form fields (defaults: 20 fields of at most 256 KiB, 25 parts). */
  fieldLimits?: { fields: number; fieldSize: number; parts: number };
}

/** A tighter limit for one request (a quota): its own size and its own problem when the file exceeds it. */
export interface UploadLimit {
  maxBytes: number;
  exceeded: () => DomainError;
}

/**
 * Streams one multipart file field to a temporary file on disk (never into memory). A request whose
 * Content-Length already exceeds the limit is refused before a byte is read, so a 2 GB upload cannot
 * fill the disk; a chunked one is cut off at the limit. File names are read as UTF-8.
 */
export class DiskUpload {
  private readonly handler: RequestHandler;

  constructor(private readonly options: DiskUploadOptions) {
    mkdirSync(options.directory, { recursive: true });
    this.handler = this.handlerFor(options.maxBytes);
  }

  private handlerFor(maxBytes: number): RequestHandler {
    const options = this.options;
    return multer({
      storage: multer.diskStorage({ destination: options.directory, filename: (_request, _file, callback) => callback(null, randomUUID()) }),
      limits: { fileSize: maxBytes, files: 1, ...(options.fieldLimits ?? { fields: 20, fieldSize: 256 * 1024, parts: 25 }) },
      defParamCharset: 'utf8',
      fileFilter: (request, file, callback) => {
        Promise.resolve()
          .then(() => options.beforeFile?.(request as Request, file.originalname))
          .then(
            () => callback(null, true),
            (error: unknown) => callback(error as Error),
          );
      },
    }).single(options.field);
  }

  /**
   * Receives the file. With `limit` (a quota below the upload limit), the same two checks hold it to
   * that smaller size: by Content-Length before a byte is read, and by counting while streaming.
   */
  async receive(request: Request, response: Response, limit?: UploadLimit): Promise<void> {
    const quota = limit && limit.maxBytes < this.options.maxBytes ? limit : undefined;
    const maxBytes = quota ? quota.maxBytes : this.options.maxBytes;
    const tooLarge = quota ? quota.exceeded : this.options.tooLarge;
    const declared = Number(request.header('content-length') ?? 0);
    if (declared > maxBytes + 1024 * 1024 || (quota && maxBytes <= 0)) {
      request.resume();
      throw tooLarge();
    }
    try {
      const handler = quota ? this.handlerFor(maxBytes) : this.handler;
      await new Promise<void>((resolve, reject) => handler(request, response, (error?: unknown) => (error ? reject(error) : resolve())));
    } catch (error) {
      if (request.file?.path) await rm(request.file.path, { force: true });
      throw this.toDomainError(error, tooLarge);
    }
  }

  private toDomainError(error: unknown, tooLarge: () => DomainError): unknown {
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') return tooLarge();
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.field ? `${error.message} (${error.field})` : error.message });
    }
    if (error instanceof Error && !(error instanceof DomainError)) {
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.message });
    }
    return error;
  }
}

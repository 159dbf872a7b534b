import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { DomainError } from '../errors/domain-error.js';

export interface DiskUploadOptions {
  directory: string;
  field: string;
  maxBytes: number;
  /** The error for a file over `maxBytes` (a 413 problem). */
  tooLarge: () => DomainError;
  /**
   * Called when the file part starts, with the form fields sent before it: throw to refuse the upload
   * before a byte of the file is stored (a permission that depends on a field).
   */
  beforeFile?: (request: Request) => void;
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
    this.handler = multer({
      storage: multer.diskStorage({ destination: options.directory, filename: (_request, _file, callback) => callback(null, randomUUID()) }),
      limits: { fileSize: options.maxBytes, files: 1, fields: 20, fieldSize: 256 * 1024, parts: 25 },
      defParamCharset: 'utf8',
      fileFilter: (request, _file, callback) => {
        try {
          options.beforeFile?.(request as Request);
          callback(null, true);
        } catch (error) {
          callback(error as Error);
        }
      },
    }).single(options.field);
  }

  async receive(request: Request, response: Response): Promise<void> {
    const declared = Number(request.header('content-length') ?? 0);
    if (declared > this.options.maxBytes + 1024 * 1024) {
      request.resume();
      throw this.options.tooLarge();
    }
    try {
      await new Promise<void>((resolve, reject) => this.handler(request, response, (error?: unknown) => (error ? reject(error) : resolve())));
    } catch (error) {
      if (request.file?.path) await rm(request.file.path, { force: true });
      throw this.toDomainError(error);
    }
  }

  private toDomainError(error: unknown): unknown {
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') return this.options.tooLarge();
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.field ? `${error.message} (${error.field})` : error.message });
    }
    if (error instanceof Error && !(error instanceof DomainError)) {
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.message });
    }
    return error;
  }
}

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '../../../../../libs/config/app-config.js';
import { DomainError } from '../../../../../libs/errors/domain-error.js';
import { attachmentTooLarge } from '../../application/attachment-intake.js';

export const ATTACHMENT_FIELD = 'attachment';

/**
 * Streams the one optional file field `attachment` of a multipart request to a temporary file under
 * the data directory (never into memory), refusing more than the configured size with 413. The
 * temporary file is removed when the request is done, whatever its outcome: the handler has either
 * copied it into the StoragePort or refused it.
 */
@Injectable()
export class AttachmentUploadInterceptor implements NestInterceptor {
  private readonly upload: RequestHandler;

  constructor(private readonly config: AppConfig) {
    const directory = join(config.dataDir, 'tmp', 'uploads');
    mkdirSync(directory, { recursive: true });
    this.upload = multer({
      storage: multer.diskStorage({ destination: directory, filename: (_request, _file, callback) => callback(null, randomUUID()) }),
      limits: { fileSize: config.maxAttachmentBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
      defParamCharset: 'utf8',
    }).single(ATTACHMENT_FIELD);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    try {
      await new Promise<void>((resolve, reject) => this.upload(request, http.getResponse<Response>(), (error?: unknown) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw this.toDomainError(error);
    }
    const path = request.file?.path;
    return next.handle().pipe(
      finalize(() => {
        if (path) void rm(path, { force: true });
      }),
    );
  }

  private toDomainError(error: unknown): unknown {
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') return attachmentTooLarge(this.config.maxAttachmentBytes);
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.field ? `${error.message} (${error.field})` : error.message });
    }
    if (error instanceof Error && !(error instanceof DomainError)) {
      // busboy: a malformed or truncated multipart body.
      return new DomainError('COMMON.BAD_REQUEST', 'validation', { reason: error.message });
    }
    return error;
  }
}

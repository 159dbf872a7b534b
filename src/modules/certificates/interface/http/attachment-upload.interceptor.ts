import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '#libs/config/app-config.js';
import { DiskUpload } from '#libs/http/disk-upload.js';
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
  private readonly upload: DiskUpload;

  constructor(config: AppConfig) {
    this.upload = new DiskUpload({
      directory: join(config.dataDir, 'tmp', 'uploads'),
      field: ATTACHMENT_FIELD,
      maxBytes: config.maxAttachmentBytes,
      tooLarge: () => attachmentTooLarge(config.maxAttachmentBytes),
    });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    await this.upload.receive(request, http.getResponse<Response>());
    const path = request.file?.path;
    return next.handle().pipe(
      finalize(() => {
        if (path) void rm(path, { force: true });
      }),
    );
  }
}

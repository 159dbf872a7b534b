import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '#libs/config/app-config.js';
import { forbidden } from '#libs/errors/domain-error.js';
import { DiskUpload } from '#libs/http/disk-upload.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import { ExternalCertificateSettings } from '../../application/validation-settings.js';
import { fileTooLarge } from '../../domain/external-certificate.js';

export const CERTIFICATE_FILE_FIELD = 'file';

/**
 * Streams the one file field `file` of an external certificate upload to a temporary file (never into
 * memory), with tight limits: one file of at most EXTERNAL_CERTIFICATE_MAX_BYTES (a larger declared
 * Content-Length is refused before a byte is read; a chunked one is cut off at the limit: 413), at most
 * 10 small form fields. While the feature is off nothing is read (403). The temporary file is removed
 * when the request ends, whatever its outcome.
 */
@Injectable()
export class CertificateUploadInterceptor implements NestInterceptor {
  private readonly upload: DiskUpload;

  constructor(
    config: AppConfig,
    private readonly settings: PlatformSettings,
  ) {
    const maxBytes = config.externalCertificates.maxBytes;
    this.upload = new DiskUpload({
      directory: join(config.dataDir, 'tmp', 'external-certificates'),
      field: CERTIFICATE_FILE_FIELD,
      maxBytes,
      tooLarge: () => fileTooLarge(maxBytes),
      fieldLimits: { fields: 10, fieldSize: 4 * 1024, parts: 11 },
    });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (!(await this.settings.get(ExternalCertificateSettings.enabled))) {
      request.resume();
      throw forbidden('VALIDATION.FEATURE_OFF');
    }
    await this.upload.receive(request, http.getResponse<Response>());
    const path = request.file?.path;
    return next.handle().pipe(
      finalize(() => {
        if (path) void rm(path, { force: true });
      }),
    );
  }
}

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '#libs/config/app-config.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden, notFound } from '#libs/errors/domain-error.js';
import { DiskUpload } from '#libs/http/disk-upload.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import { CertificateAccess } from '../../application/certificate-access.js';
import { ExternalCertificateSettings } from '../../application/validation-settings.js';
import { fileTooLarge } from '../../domain/external-certificate.js';
import { isUuid } from '../../infrastructure/external-certificate.repository.js';

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
    access: CertificateAccess,
  ) {
    const maxBytes = config.externalCertificates.maxBytes;
    this.upload = new DiskUpload({
      directory: join(config.dataDir, 'tmp', 'external-certificates'),
      field: CERTIFICATE_FILE_FIELD,
      maxBytes,
      tooLarge: () => fileTooLarge(maxBytes),
      fieldLimits: { fields: 10, fieldSize: 4 * 1024, parts: 11 },
      // A userId sent before the file is checked before a byte of the file is written (the handler checks again).
      beforeFile: async (request) => {
        const principal = (request as Request & { principal?: Principal }).principal;
        const userId: unknown = (request.body as Record<string, unknown> | undefined)?.userId;
        if (!principal || typeof userId !== 'string' || userId === '' || userId === principal.userId) return;
        if (!isUuid(userId) || !(await access.managedLearner(principal, userId))) throw notFound('VALIDATION.USER_NOT_FOUND');
      },
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

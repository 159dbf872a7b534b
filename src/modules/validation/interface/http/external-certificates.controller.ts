import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '#libs/auth/decorators.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { attachmentDisposition } from '#libs/http/content-disposition.js';
import { pageOf } from '#libs/http/pagination.js';
import { UploadExternalCertificateCommand } from '../../application/commands/upload-external-certificate/upload-external-certificate.handler.js';
import {
  GetExternalCertificateFileQuery,
  GetExternalCertificateHistoryQuery,
  GetExternalCertificateQuery,
  ListExternalCertificatesQuery,
} from '../../application/queries/external-certificate-queries.handlers.js';
import { PDF_CSP } from './review-page.js';
import { ReviewDecisions, type ReviewEdits } from '../../application/review-decisions.js';
import { CERTIFICATE_FILE_FIELD, CertificateUploadInterceptor } from './certificate-upload.interceptor.js';
import {
  EditExternalCertificateDto,
  ExternalCertificateDto,
  ExternalCertificatePageDto,
  HistoryEntryDto,
  ListExternalCertificatesQueryDto,
  RejectExternalCertificateDto,
  UploadExternalCertificateDto,
  ValidateExternalCertificateDto,
} from './validation.dto.js';

const editsOf = (body: EditExternalCertificateDto): ReviewEdits => ({
  name: body.name,
  deliveredOn: body.deliveredOn,
  expiresOn: body.expiresOn,
  definitionId: body.definitionId,
});

@ApiTags('external certificates')
@ApiBearerAuth()
@Controller('api/external-certificates')
export class ExternalCertificatesController {
  constructor(
    private readonly orm: MikroORM,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly decisions: ReviewDecisions,
  ) {}

  @Post()
  @UseInterceptors(CertificateUploadInterceptor)
  @ApiOperation({
    summary: 'Upload an external certificate (a PDF) for yourself, or for a user in your scope',
    description:
      'While validation is required it goes to its reviewer (pending_review); otherwise it is recorded. The file must be a PDF by its bytes.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'name', 'deliveredOn'],
      properties: {
        [CERTIFICATE_FILE_FIELD]: { type: 'string', format: 'binary' },
        name: { type: 'string' },
        deliveredOn: { type: 'string', format: 'date' },
        expiresOn: { type: 'string', format: 'date' },
        definitionId: { type: 'string', format: 'uuid' },
        credits: { type: 'string', example: '2.5' },
        userId: { type: 'string', format: 'uuid' },
      },
    },
  })
  @ApiCreatedResponse({ type: ExternalCertificateDto })
  @ApiForbiddenResponse({ description: 'VALIDATION.FEATURE_OFF, VALIDATION.ASSOCIATION_NOT_ALLOWED' })
  @ApiNotFoundResponse({ description: 'VALIDATION.USER_NOT_FOUND: unknown or outside your scope' })
  @ApiConflictResponse({ description: 'VALIDATION.NO_REVIEWER' })
  @ApiPayloadTooLargeResponse({ description: 'VALIDATION.FILE_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'VALIDATION.NOT_A_PDF' })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UploadExternalCertificateDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ): Promise<ExternalCertificateDto> {
    const { id } = await this.commands.execute(
      new UploadExternalCertificateCommand(principal, body, file ? { path: file.path, originalName: file.originalname } : undefined),
    );
    return this.queries.execute(new GetExternalCertificateQuery(principal, id));
  }

  @Get()
  @ApiOperation({ summary: 'Your external certificates, or (with external-certificates.manage) those of users in your scope; newest first' })
  @ApiOkResponse({ type: ExternalCertificatePageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListExternalCertificatesQueryDto): Promise<ExternalCertificatePageDto> {
    const { items, total } = await this.queries.execute(new ListExternalCertificatesQuery(principal, query));
    return pageOf(items, total, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One external certificate (learner, uploader, its reviewers, or managers whose scope covers the learner)' })
  @ApiOkResponse({ type: ExternalCertificateDto })
  @ApiNotFoundResponse({ description: 'Not found or not yours to see (indistinguishable on purpose)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ExternalCertificateDto> {
    return this.queries.execute(new GetExternalCertificateQuery(principal, id));
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Who did what when, with comments, oldest first' })
  @ApiOkResponse({ type: [HistoryEntryDto] })
  history(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<HistoryEntryDto[]> {
    return this.queries.execute(new GetExternalCertificateHistoryQuery(principal, id));
  }

  @Get(':id/file')
  @ApiOperation({ summary: 'The PDF as uploaded' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'Not found or not yours to see' })
  async file(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const file = await this.queries.execute(new GetExternalCertificateFileQuery(principal, id));
    const stream = await file.open();
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // An uploaded PDF is untrusted content: opened in the browser it runs sandboxed, loading nothing.
    response.setHeader('Content-Security-Policy', PDF_CSP);
    response.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(stream, { type: 'application/pdf', disposition: attachmentDisposition(file.fileName), length: file.size });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'A reviewer edits a pending certificate (name, dates, definition)' })
  @ApiOkResponse({ type: ExternalCertificateDto })
  @ApiConflictResponse({ description: 'VALIDATION.ALREADY_DECIDED, VALIDATION.VERSION_CONFLICT' })
  async edit(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: EditExternalCertificateDto,
  ): Promise<ExternalCertificateDto> {
    await this.orm.em.fork().transactional((em) => this.decisions.edit(em, id, { via: 'api', principal }, editsOf(body), body.version));
    return this.queries.execute(new GetExternalCertificateQuery(principal, id));
  }

  @Post(':id/validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a pending certificate, with optional edits and comment' })
  @ApiOkResponse({ type: ExternalCertificateDto })
  @ApiConflictResponse({ description: 'VALIDATION.ALREADY_DECIDED, VALIDATION.VERSION_CONFLICT' })
  async validate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ValidateExternalCertificateDto,
  ): Promise<ExternalCertificateDto> {
    await this.orm.em
      .fork()
      .transactional((em) =>
        this.decisions.decide(em, id, { via: 'api', principal }, { action: 'validate', edits: editsOf(body), comment: body.comment ?? null, expectedVersion: body.version }),
      );
    return this.queries.execute(new GetExternalCertificateQuery(principal, id));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a pending certificate; a comment is required' })
  @ApiOkResponse({ type: ExternalCertificateDto })
  @ApiConflictResponse({ description: 'VALIDATION.ALREADY_DECIDED, VALIDATION.VERSION_CONFLICT' })
  async reject(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RejectExternalCertificateDto,
  ): Promise<ExternalCertificateDto> {
    await this.orm.em
      .fork()
      .transactional((em) =>
        this.decisions.decide(em, id, { via: 'api', principal }, { action: 'reject', edits: {}, comment: body.comment ?? null, expectedVersion: body.version }),
      );
    return this.queries.execute(new GetExternalCertificateQuery(principal, id));
  }
}

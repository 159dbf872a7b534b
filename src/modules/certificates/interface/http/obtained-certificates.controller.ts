import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { RegisterObtainedCertificateCommand } from '#libs/contracts/certificates/index.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { attachmentDisposition } from '#libs/http/content-disposition.js';
import { pageOf } from '#libs/http/pagination.js';
import {
  GetAttachmentContentQuery,
  GetObtainedCertificateQuery,
  ListObtainedCertificatesQuery,
} from '../../application/queries/obtained-certificate-queries.handlers.js';
import { ATTACHMENT_FIELD, AttachmentUploadInterceptor } from './attachment-upload.interceptor.js';
import { ListObtainedCertificatesQueryDto, ObtainedCertificateDto, ObtainedCertificatePageDto, RegisterObtainedCertificateDto } from './certificates.dto.js';

@ApiTags('obtained certificates')
@ApiBearerAuth()
@Controller('api/obtained-certificates')
export class ObtainedCertificatesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'Obtained certificates of the users in your scope, newest first, paginated' })
  @ApiOkResponse({ type: ObtainedCertificatePageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListObtainedCertificatesQueryDto): Promise<ObtainedCertificatePageDto> {
    const { items, total } = await this.queries.execute(new ListObtainedCertificatesQuery(principal, query));
    return pageOf(items, total, query);
  }

  @Get(':id')
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'One obtained certificate; 404 when it does not exist or its holder is outside your scope' })
  @ApiOkResponse({ type: ObtainedCertificateDto })
  @ApiNotFoundResponse({ description: 'Not found or not in scope (indistinguishable on purpose)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ObtainedCertificateDto> {
    return this.queries.execute(new GetObtainedCertificateQuery(principal, id));
  }

  @Post()
  @RequirePermissions(Permissions.CertificatesRegister)
  @UseInterceptors(AttachmentUploadInterceptor)
  @ApiOperation({
    summary: 'Register a certificate by hand for a user in your scope, with an optional PDF/PNG/JPEG attachment',
    description: 'The attachment type is decided from its content, not its name or declared type.',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['userId', 'dateObtained'],
      properties: {
        userId: { type: 'string', format: 'uuid' },
        definitionCode: { type: 'string', example: 'VCA-BASIS' },
        definitionId: { type: 'string', format: 'uuid' },
        dateObtained: { type: 'string', format: 'date' },
        dateExpires: { type: 'string', format: 'date' },
        number: { type: 'string' },
        autoNumber: { type: 'boolean' },
        [ATTACHMENT_FIELD]: { type: 'string', format: 'binary' },
      },
    },
  })
  @ApiCreatedResponse({ type: ObtainedCertificateDto })
  @ApiNotFoundResponse({ description: 'User not found or not in scope; definition not found' })
  @ApiPayloadTooLargeResponse({ description: 'CERTIFICATES.ATTACHMENT_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED' })
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body() body: RegisterObtainedCertificateDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ): Promise<ObtainedCertificateDto> {
    const { id } = await this.commands.execute(
      new RegisterObtainedCertificateCommand(principal, {
        userId: body.userId,
        definitionId: body.definitionId,
        definitionCode: body.definitionCode,
        dateObtained: body.dateObtained,
        dateExpires: body.dateExpires,
        number: body.number,
        autoNumber: body.autoNumber,
        source: 'manual',
        attachment: file ? { kind: 'local-file', path: file.path, fileName: file.originalname } : undefined,
      }),
    );
    return this.queries.execute(new GetObtainedCertificateQuery(principal, id));
  }

  @Get(':id/attachments/:attachmentId/content')
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'The bytes of an attachment, as uploaded' })
  @ApiProduces('application/pdf', 'image/png', 'image/jpeg')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'Not found or not in scope' })
  async content(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const content = await this.queries.execute(new GetAttachmentContentQuery(principal, id, attachmentId));
    const stream = await content.open();
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(stream, { type: content.mediaType, disposition: attachmentDisposition(content.fileName), length: content.size });
  }
}

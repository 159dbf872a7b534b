import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { join } from 'node:path';
import { CurrentPrincipal } from '#libs/auth/decorators.js';
import { AcceptsStreamTicket, StreamTickets } from '#libs/auth/stream-tickets.js';
import { AppConfig } from '#libs/config/app-config.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, invalid } from '#libs/errors/domain-error.js';
import { attachmentDisposition } from '#libs/http/content-disposition.js';
import { DiskUpload } from '#libs/http/disk-upload.js';
import { pageOf, PageQueryDto } from '#libs/http/pagination.js';
import { pickLanguage } from '#libs/http/problem-details.filter.js';
import { isLegacyExcelName } from '#libs/spreadsheet/legacy-excel.js';
import { CancelImportCommand } from '../../application/commands/cancel-import/cancel-import.handler.js';
import { ConfirmImportCommand } from '../../application/commands/confirm-import/confirm-import.handler.js';
import { SetImportMappingCommand } from '../../application/commands/set-import-mapping/set-import-mapping.handler.js';
import { UndoImportCommand } from '../../application/commands/undo-import/undo-import.handler.js';
import { RunValidatedImportCommand } from '../../application/commands/run-validated-import/run-validated-import.handler.js';
import { StartImportCommand } from '../../application/commands/start-import/start-import.handler.js';
import { ImportDocuments, type DocumentTarget } from '../../application/import-documents.js';
import { ImportColumns } from '../../application/import-columns.js';
import { ImportTypeRegistry } from '../../application/import-type-registry.js';
import { GetImportQuery, ListImportChangesQuery, ListImportRowCodesQuery, ListImportRowsQuery, ListImportsQuery, ListImportTypesQuery } from '../../application/queries/import-queries.handlers.js';
import { ImportEventStream, importStreamResource, lastEventIdOf } from './import-event-stream.js';
import {
  ConfirmImportBodyDto,
  ImportChangePageDto,
  DELIMITERS,
  TemplateQueryDto,
  SetImportMappingBodyDto,
  ImportDetailDto,
  ImportPageDto,
  ImportRowPageDto,
  ImportTypeDto,
  ListImportRowsQueryDto,
  ListImportsQueryDto,
  RowCodeDto,
  StartedImportDto,
  StartImportBodyDto,
  StreamTicketDto,
  DownloadTicketBodyDto,
  DownloadTicketDto,
  ImportFileQueryDto,
} from './imports.dto.js';
import { ImportQuota } from '../../application/pending-import-bytes.js';
import { legacyExcel } from '../../domain/sheet-and-availability-messages.js';

/** What a download ticket opens: one file of one import. */
const importFileResource = (importId: string | undefined, file: 'error-file' | 'results-file') => `import-file:${importId ?? ''}:${file}`;

const MEDIA = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8', txt: 'text/plain; charset=utf-8' };

@ApiTags('imports')
@ApiBearerAuth()
@Controller('api')
export class ImportsController {
  private readonly upload: DiskUpload;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly registry: ImportTypeRegistry,
    private readonly documents: ImportDocuments,
    private readonly quota: ImportQuota,
    private readonly config: AppConfig,
    private readonly tickets: StreamTickets,
    private readonly stream: ImportEventStream,
    private readonly columns: ImportColumns,
  ) {
    this.upload = new DiskUpload({
      directory: join(config.dataDir, 'tmp', 'import-uploads'),
      field: 'file',
      maxBytes: config.imports.maxUploadBytes,
      tooLarge: () => new DomainError('IMPORTS.FILE_TOO_LARGE', 'payload_too_large', { limitMegabytes: Math.round(config.imports.maxUploadBytes / 1024 ** 2) }),
      // With the type sent before the file (as the API docs show), a caller without its permission, or
      // for whom the type is switched off, is refused before a byte of the file reaches the disk; so is an
      // old .xls by its name.
      beforeFile: async (request, fileName) => {
        const principal = (request as Request & { principal: Principal }).principal;
        const type = (request.body as { type?: unknown } | undefined)?.type;
        if (typeof type === 'string') await registry.usableBy(type, principal);
        else if (!principal.permissions.some((permission) => permission.startsWith('imports.'))) {
          throw new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: 'imports.*' });
        }
        if (isLegacyExcelName(fileName)) throw legacyExcel(fileName);
      },
    });
  }

  @Get('import-types')
  @ApiOperation({ summary: 'The import types you may run, with their columns' })
  @ApiOkResponse({ type: [ImportTypeDto] })
  types(@CurrentPrincipal() principal: Principal): Promise<ImportTypeDto[]> {
    return this.queries.execute(new ListImportTypesQuery(principal));
  }

  @Get('import-types/:type/template')
  @ApiOperation({ summary: "Download a type's template: mandatory columns pink, formats in header notes, TRUE/FALSE drop-downs" })
  @ApiProduces(MEDIA.xlsx, MEDIA.csv, MEDIA.txt)
  @ApiQuery({ name: 'options', required: false, description: 'JSON object with the type\'s options (e.g. {"group":"<id>"}): the template then lists the columns these options add (a group\'s custom attributes)' })
  async template(@CurrentPrincipal() principal: Principal, @Param('type') typeKey: string, @Query() query: TemplateQueryDto, @Res() response: Response) {
    const type = await this.registry.usableBy(typeKey, principal);
    // With options, checked as at the mapping (schema, scope) before the columns they open are listed.
    const options = query.options === undefined ? undefined : await this.columns.checkOptions(type, principal, parseJsonObject(query.options, 'IMPORTS.OPTIONS_INVALID'));
    const columns = options === undefined ? type.columns : (await this.columns.for(type, principal, options)).filter((column) => !column.refusal);
    const format = query.format ?? 'xlsx';
    const fileName = format === 'xlsx' ? type.templateFileName : type.templateFileName.replace(/\.xlsx$/, `.${format}`);
    response.setHeader('Content-Type', MEDIA[format]);
    response.setHeader('Content-Disposition', attachmentDisposition(fileName));
    await this.documents.writeTemplate(type, response, format, DELIMITERS[query.delimiter ?? 'comma'], columns);
  }

  @Post('imports')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start an import (multipart: file + type [+ validateOnly, autoConfirm, mapping, options]); processing continues in the background',
    description:
      'Answers 202 with the import id at once. The worker reads the header and the first rows; the import then waits in awaiting_mapping with a preview ' +
      '(PUT /api/imports/{id}/mapping), unless autoConfirm=true and the mapping is complete. Follow it at /api/imports/{id} or as Server-Sent Events at /api/imports/{id}/events.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'type'],
      properties: {
        file: { type: 'string', format: 'binary', description: '.xlsx, .csv or .zip, as the type accepts; at most 500 MB' },
        type: { type: 'string', example: 'obtained-certificates-with-files' },
        validateOnly: { type: 'string', enum: ['true', 'false'], description: 'Stop after validation (default: the type\'s default, usually false)' },
        autoConfirm: { type: 'string', enum: ['true', 'false'], description: 'Run straight through when the mapping is complete and nothing needs confirming' },
        mapping: { type: 'string', description: 'JSON header -> column key or null, e.g. {"Personeelsnummer": "userCode"}' },
        options: { type: 'string', description: "JSON object with the type's options" },
      },
    },
  })
  @ApiAcceptedResponse({ type: StartedImportDto })
  @ApiForbiddenResponse({ description: 'Missing the permission of the import type (named in the problem document)' })
  @ApiPayloadTooLargeResponse({
    description: 'The file is over the upload limit, or over what is left of your pending-import quota (IMPORTS.PENDING_QUOTA_EXCEEDED); refused before it is stored',
  })
  async start(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<StartedImportDto> {
    // The user's pending-import quota: what their running imports hold already leaves this much room.
    const room = await this.quota.remaining(principal.userId);
    await this.upload.receive(request, response, {
      maxBytes: room,
      exceeded: () => this.quota.exceeded(this.config.imports.pendingQuotaBytes - room, Number(request.header('content-length') ?? room + 1)),
    });
    const file = request.file;
    try {
      const body = await validatedBody(request.body);
      if (!file) throw invalid('IMPORTS.FILE_REQUIRED');
      const options = parseJsonObject(body.options, 'IMPORTS.OPTIONS_INVALID');
      const mapping = body.mapping === undefined ? undefined : checkedMapping(parseJsonObject(body.mapping, 'IMPORTS.MAPPING_INVALID'));
      const { id } = await this.commands.execute(
        new StartImportCommand(principal, String(body.type), { path: file.path, originalName: file.originalname.normalize('NFC'), size: file.size }, {
          validateOnly: body.validateOnly === undefined ? undefined : body.validateOnly === 'true' || body.validateOnly === '1',
          autoConfirm: body.autoConfirm === 'true' || body.autoConfirm === '1',
          options,
          mapping,
        }),
      );
      response.setHeader('Location', `/api/imports/${id}`);
      return { id, status: 'queued', href: `/api/imports/${id}`, events: `/api/imports/${id}/events` };
    } finally {
      if (file) await import('node:fs/promises').then((fs) => fs.rm(file.path, { force: true }));
    }
  }

  @Get('imports')
  @ApiOperation({ summary: 'The import overview (yours; all for platform admins), newest first, with counts; filter by type, status, who started it and when' })
  @ApiOkResponse({ type: ImportPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListImportsQueryDto, @Req() request: Request): Promise<ImportPageDto> {
    const { items, total } = await this.queries.execute(new ListImportsQuery(principal, query, pickLanguage(request)));
    return pageOf(items, total, query);
  }

  @Get('imports/:id')
  @ApiOperation({ summary: 'One import: status, counts, progress, timings, who, warnings' })
  @ApiOkResponse({ type: ImportDetailDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() request: Request): Promise<ImportDetailDto> {
    return this.queries.execute(new GetImportQuery(principal, id, pickLanguage(request)));
  }

  @Post('imports/:id/events/ticket')
  @HttpCode(201)
  @ApiOperation({
    summary: 'A one-time ticket for the event stream of this import (for EventSource, which cannot send a bearer token)',
    description:
      'Open `url` within `expiresInSeconds`, for this import only, one stream at a time. When the server ends the stream after its lifetime, ' +
      'an EventSource reconnecting to the same `url` is let in again (within SSE_MAX_STREAM_SECONDS + 60 s of the last use). ' +
      'A password change or a revoked API token ends the ticket.',
  })
  @ApiCreatedResponse({ type: StreamTicketDto })
  async eventsTicket(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() request: Request): Promise<StreamTicketDto> {
    await this.queries.execute(new GetImportQuery(principal, id, pickLanguage(request)));
    // Only from a request that shows what it signed in with: the ticket is bound to that credential.
    if (!principal.credential) throw new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
    const { ticket, expiresInSeconds } = await this.tickets.issue(principal.userId, importStreamResource(id), principal.credential);
    return { ticket, url: `/api/imports/${id}/events?ticket=${ticket}`, expiresInSeconds };
  }

  @Get('imports/:id/events')
  @AcceptsStreamTicket((params) => importStreamResource(params.id))
  @ApiOperation({
    summary: 'Live progress as Server-Sent Events',
    description:
      '`progress` events carry the same body as GET /api/imports/{id} whenever it changes; `end` closes the stream when the import has ended. ' +
      'Event ids are the import version: reconnect with the Last-Event-ID header (or `?lastEventId=`) to get only what changed since. ' +
      'Authenticate with a bearer token, or with `?ticket=` from POST /api/imports/{id}/events/ticket (one use). ' +
      'The server ends a stream after a maximum lifetime (reconnect), and refuses more than a few streams per user (429).',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'ticket', required: false, description: 'One-time stream ticket, instead of the Authorization header' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'Resume after this event id (as the Last-Event-ID header)' })
  async events(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() request: Request, @Res() response: Response) {
    const lastEventId = lastEventIdOf(request.header('last-event-id'), request.query.lastEventId);
    await this.stream.serve(principal, id, pickLanguage(request), lastEventId, response);
  }

  @Get('imports/:id/rows')
  @ApiOperation({ summary: 'Per-row results in row order, filterable by outcome (failed, succeeded, skipped, warnings) and by error or warning code' })
  @ApiOkResponse({ type: ImportRowPageDto })
  async rows(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ListImportRowsQueryDto,
    @Req() request: Request,
  ): Promise<ImportRowPageDto> {
    const { items, total } = await this.queries.execute(new ListImportRowsQuery(principal, id, query, pickLanguage(request)));
    return pageOf(items, total, query);
  }

  @Get('imports/:id/changes')
  @ApiOperation({
    summary: 'Review the updated records: what each row changed, before and after, in row order (paged)',
    description:
      'One item per row that changed something (the run of a type that records changes for undo): the entity, its id, and the values ' +
      'the row changed as they were before and after. Visible to whoever may see the import.',
  })
  @ApiOkResponse({ type: ImportChangePageDto })
  async changes(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: PageQueryDto): Promise<ImportChangePageDto> {
    const { items, total } = await this.queries.execute(new ListImportChangesQuery(principal, id, { page: query.page, pageSize: query.pageSize }));
    return pageOf(items, total, query);
  }

  @Get('imports/:id/row-codes')
  @ApiOperation({ summary: "The error and warning codes on this import's rows, with how many rows carry each (the choices of the rows' `code` filter)" })
  @ApiOkResponse({ type: [RowCodeDto] })
  rowCodes(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() request: Request): Promise<RowCodeDto[]> {
    return this.queries.execute(new ListImportRowCodesQuery(principal, id, pickLanguage(request)));
  }

  @Post('imports/:id/download-ticket')
  @HttpCode(201)
  @ApiOperation({
    summary: 'A one-time link to the error file or the results file, for a browser to download it itself',
    description:
      'A browser link cannot send a bearer token; with the ticket in its URL it can, and the browser then streams the file to disk with its own ' +
      'progress instead of a script holding it in memory. The URL works once, within `expiresInSeconds`, for this file of this import only. ' +
      'Checked now, as the download would be: who may see the import, and (error file) that rows failed.',
  })
  @ApiCreatedResponse({ type: DownloadTicketDto })
  async downloadTicket(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: DownloadTicketBodyDto, @Req() request: Request): Promise<DownloadTicketDto> {
    const language = pickLanguage(request);
    const run = await this.queries.execute(new GetImportQuery(principal, id, language));
    if (body.file === 'error-file' && run.counts.failed === 0) throw invalid('IMPORTS.NO_FAILED_ROWS');
    if (!principal.credential) throw new DomainError('COMMON.UNAUTHENTICATED', 'unauthenticated');
    const { ticket, expiresInSeconds } = await this.tickets.issue(principal.userId, importFileResource(id, body.file), principal.credential);
    const query = new URLSearchParams({ format: body.format ?? 'xlsx', ...(body.delimiter ? { delimiter: body.delimiter } : {}), lang: language, ticket });
    return { ticket, url: `/api/imports/${id}/${body.file}?${query}`, expiresInSeconds };
  }

  @Get('imports/:id/error-file')
  @AcceptsStreamTicket((params) => importFileResource(params.id, 'error-file'), { singleUse: true })
  @ApiOperation({
    summary: 'The failed rows as uploaded plus a last column Errors (XLSX, or CSV with ?format=csv, or tab-delimited text with ?format=txt)',
    description: 'Fix the rows in this file and upload it again as a new import: the Errors column is ignored. Cells are neutralised against formulas.',
  })
  @ApiProduces(MEDIA.xlsx, MEDIA.csv, MEDIA.txt)
  async errorFile(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ImportFileQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const run = await this.queries.execute(new GetImportQuery(principal, id, query.lang ?? pickLanguage(request)));
    if (run.counts.failed === 0) throw invalid('IMPORTS.NO_FAILED_ROWS');
    await this.documents.writeErrorFile(principal, id, this.download(run.fileName, 'errors', query, request, response));
  }

  @Get('imports/:id/results-file')
  @AcceptsStreamTicket((params) => importFileResource(params.id, 'results-file'), { singleUse: true })
  @ApiOperation({
    summary: 'Every row in row order: Row, the cells as uploaded, Outcome, Errors, Warnings, Entity (XLSX, or CSV with ?format=csv, or tab-delimited text with ?format=txt)',
    description:
      'Row is the row number in the uploaded file; Outcome is succeeded, failed or skipped; Errors and Warnings hold one message a line, ' +
      'prefixed with the column they are about; Entity is the id of what the row created or changed. Headers in the language of Accept-Language. ' +
      'For an import still running, the file holds the rows recorded so far. Cells are neutralised against formulas.',
  })
  @ApiProduces(MEDIA.xlsx, MEDIA.csv, MEDIA.txt)
  async resultsFile(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ImportFileQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    const run = await this.queries.execute(new GetImportQuery(principal, id, query.lang ?? pickLanguage(request)));
    await this.documents.writeResultsFile(principal, id, this.download(run.fileName, 'results', query, request, response));
  }

  /** Sets the headers of a file download named `<uploaded name>_<suffix>.<format>`; where to write it. */
  private download(uploadedName: string, suffix: string, query: ImportFileQueryDto, request: Request, response: Response): DocumentTarget {
    const format = query.format ?? 'xlsx';
    response.setHeader('Content-Type', MEDIA[format]);
    response.setHeader('Content-Disposition', attachmentDisposition(`${uploadedName.replace(/\.[^.]+$/, '')}_${suffix}.${format}`));
    // A ticket's URL may land in the browser's history: it is used up, and nobody caches the file.
    response.setHeader('Cache-Control', 'no-store');
    return { output: response, format, language: query.lang ?? pickLanguage(request), delimiter: DELIMITERS[query.delimiter ?? 'comma'] };
  }

  @Post('imports/:id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a running import; rows already done stay done and are reported' })
  async cancel(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() request: Request) {
    await this.commands.execute(new CancelImportCommand(principal, id));
    return this.queries.execute(new GetImportQuery(principal, id, pickLanguage(request)));
  }

  @Put('imports/:id/mapping')
  @ApiOperation({
    summary: 'Set the mapping (header -> column key, or null to skip) and the options of an import that waits in awaiting_mapping; validation starts',
    description:
      'Checked before any work: every mandatory column mapped, no key twice, only columns you may import, options against the type\'s schema ' +
      'and your scope (400/403). The mapping is remembered for the next file with the same headers.',
  })
  @ApiOkResponse({ type: ImportDetailDto })
  async setMapping(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: SetImportMappingBodyDto, @Req() request: Request) {
    await this.commands.execute(new SetImportMappingCommand(principal, id, checkedMapping(body.mapping), body.options ?? {}));
    return this.queries.execute(new GetImportQuery(principal, id, pickLanguage(request)));
  }

  @Post('imports/:id/confirm')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run a validated import (awaiting_confirmation) for real; rows that failed validation are not run',
    description: '409 naming the codes when a warning in validation.toConfirm is not acknowledged, or when the import-level check fails.',
  })
  @ApiAcceptedResponse({ type: ImportDetailDto })
  async confirm(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ConfirmImportBodyDto, @Req() request: Request) {
    await this.commands.execute(new ConfirmImportCommand(principal, id, body.acknowledgedWarnings));
    return this.queries.execute(new GetImportQuery(principal, id, pickLanguage(request)));
  }

  @Post('imports/:id/undo')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Undo a completed import: a new import (mode undo) reverts its rows through the type\'s own commands',
    description: 'Rows whose entity changed since the import are not reverted and are reported as skipped. One undo per import.',
  })
  @ApiAcceptedResponse({ type: StartedImportDto })
  async undo(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<StartedImportDto> {
    const { id: undoId } = await this.commands.execute(new UndoImportCommand(principal, id));
    return { id: undoId, status: 'validating', href: `/api/imports/${undoId}`, events: `/api/imports/${undoId}/events` };
  }

  @Post('imports/:id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a finished validate-only import for real, with the same file and options' })
  @ApiAcceptedResponse({ type: StartedImportDto })
  async run(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() _body: unknown): Promise<StartedImportDto> {
    const { id: newId } = await this.commands.execute(new RunValidatedImportCommand(principal, id));
    return { id: newId, status: 'queued', href: `/api/imports/${newId}`, events: `/api/imports/${newId}/events` };
  }
}

/** The multipart fields, checked like any JSON body (a validateOnly of "yes" must not mean "no"). */
async function validatedBody(body: unknown): Promise<StartImportBodyDto> {
  const dto = plainToInstance(StartImportBodyDto, body ?? {});
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length === 0) return dto;
  const details = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((constraint) => ({ field: error.property, code: 'COMMON.INVALID_FIELD', params: { constraint } })),
  );
  throw new DomainError('COMMON.VALIDATION_FAILED', 'validation', { count: details.length }, details);
}

function parseJsonObject(raw: string | undefined, code: string): Record<string, unknown> {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw invalid(code, { reason: (error as Error).message });
  }
}

/** A mapping is header -> column key or null; anything else (numbers, objects) is refused, not coerced. */
function checkedMapping(mapping: Record<string, unknown>): Record<string, string | null> {
  const entries = Object.entries(mapping);
  if (entries.length > 16_384) throw invalid('IMPORTS.MAPPING_INVALID', { reason: 'too many headers' });
  for (const [header, key] of entries) {
    if (header.length > 1000 || !(key === null || (typeof key === 'string' && key.length <= 200))) {
      throw invalid('IMPORTS.MAPPING_INVALID', { reason: `"${header.slice(0, 100)}" must map to a column key or null` });
    }
  }
  return mapping as Record<string, string | null>;
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { attachmentDisposition } from '#libs/http/content-disposition.js';
import { CreateLicenceTypeCommand } from '../../application/commands/create-licence-type/create-licence-type.handler.js';
import { DeleteLicenceTypeCommand } from '../../application/commands/delete-licence-type/delete-licence-type.handler.js';
import { UpdateLicenceTypeCommand } from '../../application/commands/update-licence-type/update-licence-type.handler.js';
import { licenceImportInstructions } from '../../application/imports/licence-import-format.js';
import { LicencesExport } from '../../application/licences-export.js';
import { GetLicenceTypeQuery, ListLicenceTypesQuery } from '../../application/queries/licence-type-queries.handlers.js';
import { CreatedDto, CreateLicenceTypeDto, ExportQueryDto, LicenceTypeDto, ListLicenceTypesQueryDto, UpdateLicenceTypeDto } from './licences.dto.js';

/** 403 naming the first permission unless the principal holds one of them. */
export function requireAny(principal: Principal, ...permissions: string[]): void {
  if (!permissions.some((permission) => principal.permissions.includes(permission))) {
    throw new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: permissions[0] });
  }
}

/**
 * A type as the caller may see it: the count of licences of it is organisation-wide, so only who manages
 * the types (platform admins) gets it; a supervisor or importer would learn about users outside their scope.
 */
function typeFor(principal: Principal, type: LicenceTypeDto): LicenceTypeDto {
  if (principal.permissions.includes(Permissions.LicenceTypesManage)) return type;
  const { licences: _count, ...rest } = type;
  return rest;
}

@ApiTags('licences')
@ApiBearerAuth()
@Controller('api/licence-types')
export class LicenceTypesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly exports: LicencesExport,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Licence types, by code (licences.types.manage, licences.manage or imports.licences)' })
  @ApiOkResponse({ type: [LicenceTypeDto] })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListLicenceTypesQueryDto): Promise<LicenceTypeDto[]> {
    requireAny(principal, Permissions.LicenceTypesManage, Permissions.LicencesManage, Permissions.ImportLicences);
    const types = (await this.queries.execute(new ListLicenceTypesQuery(query.status))) as unknown as LicenceTypeDto[];
    return types.map((type) => typeFor(principal, type));
  }

  @Get('export')
  @ApiOperation({
    summary: 'Export available licences: the import file to fill in, one example row per active licence type (tab-delimited .txt or .xml)',
    description: 'Exactly the format of the licences import. The .xml carries the import instructions in a comment; for the .txt see /api/licence-types/export/instructions.',
  })
  @ApiProduces('text/plain', 'application/xml')
  async export(@CurrentPrincipal() principal: Principal, @Query() query: ExportQueryDto, @Res() response: Response) {
    requireAny(principal, Permissions.ImportLicences, Permissions.LicenceTypesManage);
    const format = query.format ?? 'txt';
    response.setHeader('Content-Type', format === 'xml' ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8');
    response.setHeader('Content-Disposition', attachmentDisposition(`available_licences.${format}`));
    await this.exports.write(format, response);
  }

  @Get('export/instructions')
  @ApiOperation({ summary: 'How to fill in the licences import file: columns, actions, date format, matching (plain text)' })
  @ApiProduces('text/plain')
  instructions(@CurrentPrincipal() principal: Principal, @Res() response: Response) {
    requireAny(principal, Permissions.ImportLicences, Permissions.LicenceTypesManage);
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.send(`${licenceImportInstructions()}\n`);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One licence type' })
  @ApiOkResponse({ type: LicenceTypeDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<LicenceTypeDto> {
    requireAny(principal, Permissions.LicenceTypesManage, Permissions.LicencesManage, Permissions.ImportLicences);
    return typeFor(principal, (await this.queries.execute(new GetLicenceTypeQuery(id))) as unknown as LicenceTypeDto);
  }

  @Post()
  @RequirePermissions(Permissions.LicenceTypesManage)
  @ApiOperation({ summary: 'Create a licence type (platform admins)' })
  @ApiCreatedResponse({ type: CreatedDto })
  @ApiConflictResponse({ description: 'The code is taken (LICENCES.TYPE_CODE_TAKEN)' })
  create(@Body() body: CreateLicenceTypeDto): Promise<CreatedDto> {
    return this.commands.execute(
      new CreateLicenceTypeCommand({
        code: body.code,
        name: body.name,
        issuingBody: body.issuingBody ?? null,
        numberRequired: body.numberRequired ?? false,
        defaultValidityMonths: body.defaultValidityMonths ?? null,
      }),
    );
  }

  @Patch(':id')
  @RequirePermissions(Permissions.LicenceTypesManage)
  @ApiOperation({ summary: 'Change a licence type (the code stays); licences already recorded keep their dates' })
  @ApiOkResponse({ type: LicenceTypeDto })
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateLicenceTypeDto): Promise<LicenceTypeDto> {
    await this.commands.execute(new UpdateLicenceTypeCommand(id, body));
    return this.queries.execute(new GetLicenceTypeQuery(id)) as unknown as Promise<LicenceTypeDto>;
  }

  @Post(':id/retire')
  @HttpCode(200)
  @RequirePermissions(Permissions.LicenceTypesManage)
  @ApiOperation({ summary: 'Retire a licence type: no new licences of it (by hand or import); existing ones stay' })
  @ApiOkResponse({ type: LicenceTypeDto })
  async retire(@Param('id', ParseUUIDPipe) id: string): Promise<LicenceTypeDto> {
    await this.commands.execute(new UpdateLicenceTypeCommand(id, { status: 'retired' }));
    return this.queries.execute(new GetLicenceTypeQuery(id)) as unknown as Promise<LicenceTypeDto>;
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @RequirePermissions(Permissions.LicenceTypesManage)
  @ApiOperation({ summary: 'Make a retired licence type active again' })
  @ApiOkResponse({ type: LicenceTypeDto })
  async reactivate(@Param('id', ParseUUIDPipe) id: string): Promise<LicenceTypeDto> {
    await this.commands.execute(new UpdateLicenceTypeCommand(id, { status: 'active' }));
    return this.queries.execute(new GetLicenceTypeQuery(id)) as unknown as Promise<LicenceTypeDto>;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.LicenceTypesManage)
  @ApiOperation({ summary: 'Delete a licence type no licence is of (409 LICENCES.TYPE_IN_USE otherwise: retire it)' })
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.commands.execute(new DeleteLicenceTypeCommand(id));
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { CreateDefinitionCommand } from '../../application/commands/create-definition/create-definition.handler.js';
import { DeleteDefinitionCommand } from '../../application/commands/delete-definition/delete-definition.handler.js';
import { UpdateDefinitionCommand } from '../../application/commands/update-definition/update-definition.handler.js';
import { GetDefinitionQuery, ListDefinitionsQuery } from '../../application/queries/catalogue-queries.handlers.js';
import { CreateDefinitionDto, DefinitionDto, IdDto, ListDefinitionsQueryDto, UpdateDefinitionDto } from './certificates.dto.js';

@ApiTags('certificate catalogue')
@ApiBearerAuth()
@Controller('api/certificate-definitions')
export class CertificateDefinitionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'Certificate definitions, by code; optionally of one category or matching a search' })
  @ApiOkResponse({ type: [DefinitionDto] })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListDefinitionsQueryDto): Promise<DefinitionDto[]> {
    const definitions: DefinitionDto[] = await this.queries.execute(new ListDefinitionsQuery(query));
    return definitions.map((definition) => definitionFor(principal, definition));
  }

  @Get(':id')
  @RequirePermissions(Permissions.CertificatesRead)
  @ApiOperation({ summary: 'One certificate definition' })
  @ApiOkResponse({ type: DefinitionDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<DefinitionDto> {
    return definitionFor(principal, await this.queries.execute(new GetDefinitionQuery(id)));
  }

  @Post()
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Define a certificate: unique code, name, category, default validity, automatic number prefix' })
  @ApiCreatedResponse({ type: IdDto })
  @ApiConflictResponse({ description: 'CERTIFICATES.DEFINITION_CODE_TAKEN' })
  create(@Body() body: CreateDefinitionDto): Promise<IdDto> {
    return this.commands.execute(
      new CreateDefinitionCommand(body.code, {
        name: body.name,
        categoryId: body.categoryId,
        validityMonths: body.validityMonths ?? null,
        numberPrefix: body.numberPrefix ?? null,
      }),
    );
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Change name, category, validity or number prefix (the code stays); registered certificates keep their dates' })
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateDefinitionDto) {
    await this.commands.execute(new UpdateDefinitionCommand(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CatalogueManage)
  @ApiOperation({ summary: 'Delete a definition that no obtained certificate refers to' })
  @ApiConflictResponse({ description: 'CERTIFICATES.DEFINITION_IN_USE' })
  async delete(@Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteDefinitionCommand(id));
  }
}

/**
 * A definition as the caller may see it: its count of certificates is organisation-wide, so only who manages
 * the catalogue gets it (as for licence types); a learner or a group admin would learn about users outside
 * their scope.
 */
function definitionFor(principal: Principal, definition: DefinitionDto): DefinitionDto {
  if (principal.permissions.includes(Permissions.CatalogueManage)) return definition;
  const { certificateCount: _count, ...rest } = definition;
  return rest;
}

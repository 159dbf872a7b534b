import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pageOf } from '#libs/http/pagination.js';
import type { CredentialInput } from '../../domain/credential.js';
import { CorrectOwnNameCommand, IssueCredentialCommand, RevokeCredentialCommand, UpdateCredentialCommand } from '../../application/commands/credential.handlers.js';
import { CreateDesignCommand, DeleteDesignCommand, UpdateDesignCommand } from '../../application/commands/design.handlers.js';
import { CreateCredentialGroupCommand, UpdateCredentialGroupCommand } from '../../application/commands/group.handlers.js';
import {
  GetCredentialGroupQuery,
  GetCredentialQuery,
  GetDesignQuery,
  ListCredentialGroupsQuery,
  ListCredentialsQuery,
  ListDesignsQuery,
  ListOwnCredentialsQuery,
} from '../../application/queries/credential-queries.handlers.js';
import {
  CorrectNameDto,
  CreateCredentialDto,
  CreateDesignDto,
  CreateCredentialGroupDto,
  CredentialDto,
  CredentialGroupDto,
  CredentialPageDto,
  DesignDto,
  IdDto,
  ListCredentialsQueryDto,
  ListGroupsQueryDto,
  RevokeCredentialDto,
  UpdateCredentialDto,
  UpdatedCredentialDto,
  UpdateDesignDto,
  UpdateCredentialGroupDto,
  VersionDto,
} from './credentials.dto.js';

/** Only the keys the client sent: a present null clears a field, an absent key leaves it. */
function present<T extends object>(body: T, keys: (keyof T)[]): Partial<T> {
  const result: Partial<T> = {};
  for (const key of keys) if (body[key] !== undefined) result[key] = body[key];
  return result;
}

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('api/credential-designs')
export class CredentialDesignsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Designs: a name and the attribute placeholders they show' })
  @ApiOkResponse({ type: [DesignDto] })
  list(): Promise<DesignDto[]> {
    return this.queries.execute(new ListDesignsQuery());
  }

  @Get(':id')
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOkResponse({ type: DesignDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DesignDto> {
    return this.queries.execute(new GetDesignQuery(id));
  }

  @Post()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiCreatedResponse({ type: IdDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateDesignDto): Promise<IdDto> {
    return this.commands.execute(new CreateDesignCommand(principal, body));
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Rename or change the placeholders; only by someone who manages every credential group using it (403 otherwise)' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateDesignDto) {
    await this.commands.execute(new UpdateDesignCommand(principal, id, present(body, ['name', 'placeholders'])));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiConflictResponse({ description: 'CREDENTIALS.DESIGN_IN_USE' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteDesignCommand(principal, id));
  }
}

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('api/credential-groups')
export class CredentialGroupsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Credential groups you manage (owned by a user group you administer; all for platform admins)' })
  @ApiOkResponse({ type: [CredentialGroupDto] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListGroupsQueryDto): Promise<CredentialGroupDto[]> {
    return this.queries.execute(new ListCredentialGroupsQuery(principal, query));
  }

  @Get(':id')
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOkResponse({ type: CredentialGroupDto })
  @ApiNotFoundResponse({ description: 'Unknown, or outside your scope' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CredentialGroupDto> {
    return this.queries.execute(new GetCredentialGroupQuery(principal, id));
  }

  @Post()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiCreatedResponse({ type: IdDto })
  @ApiConflictResponse({ description: 'CREDENTIALS.GROUP_NAME_TAKEN' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateCredentialGroupDto): Promise<IdDto> {
    return this.commands.execute(new CreateCredentialGroupCommand(principal, body));
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Change name, course, description, design (one update: credentials reference it through the group), owner, custom attributes' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateCredentialGroupDto) {
    await this.commands.execute(
      new UpdateCredentialGroupCommand(principal, id, present(body, ['name', 'course', 'description', 'designId', 'ownerGroupId', 'customAttributes'])),
    );
  }
}

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('api/credentials')
export class CredentialsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Credentials of the groups you manage, newest first, with filters' })
  @ApiOkResponse({ type: CredentialPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListCredentialsQueryDto): Promise<CredentialPageDto> {
    const { page, pageSize, ...filter } = query;
    const { items, total } = await this.queries.execute(new ListCredentialsQuery(principal, filter, { page, pageSize }));
    return pageOf(items, total, { page, pageSize });
  }

  @Get(':id')
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOkResponse({ type: CredentialDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CredentialDto> {
    return this.queries.execute(new GetCredentialQuery(principal, id));
  }

  @Post()
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({ summary: 'Issue a credential in a group you manage' })
  @ApiCreatedResponse({ type: IdDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateCredentialDto): Promise<IdDto> {
    const { groupId, ...input } = body;
    return this.commands.execute(new IssueCredentialCommand(principal, groupId, input));
  }

  @Patch(':id')
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOperation({
    summary: 'Change fields at the version you read (409 CREDENTIALS.VERSION_CONFLICT otherwise)',
    description: 'An expired credential given an expiry after today is renewed and costs one credit (409 CREDENTIALS.INSUFFICIENT_CREDITS without). Overwriting a recipient-corrected name clears its flag.',
  })
  @ApiOkResponse({ type: UpdatedCredentialDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateCredentialDto): Promise<UpdatedCredentialDto> {
    const patch: CredentialInput = present(body, ['recipientName', 'recipientEmail', 'recipientId', 'issuedOn', 'expiresOn', 'grade', 'attributes']);
    return this.commands.execute(new UpdateCredentialCommand(principal, id, body.expectedVersion, patch));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequirePermissions(Permissions.CredentialsManage)
  @ApiOkResponse({ type: VersionDto })
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: RevokeCredentialDto): Promise<VersionDto> {
    return this.commands.execute(new RevokeCredentialCommand(principal, id, body.expectedVersion));
  }
}

@ApiTags('credentials')
@ApiBearerAuth()
@Controller('api/me/credentials')
export class OwnCredentialsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The credentials issued to your email address' })
  @ApiOkResponse({ type: [CredentialDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<CredentialDto[]> {
    return this.queries.execute(new ListOwnCredentialsQuery(principal));
  }

  @Post(':id/name')
  @HttpCode(200)
  @ApiOperation({ summary: "Correct the recipient name on your own credential (flagged as corrected by you); anyone else's answers 404" })
  @ApiOkResponse({ type: VersionDto })
  correctName(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: CorrectNameDto): Promise<VersionDto> {
    return this.commands.execute(new CorrectOwnNameCommand(principal, id, body.name));
  }
}

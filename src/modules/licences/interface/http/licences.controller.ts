import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pageOf } from '#libs/http/pagination.js';
import { AddLicenceCommand } from '../../application/commands/add-licence/add-licence.handler.js';
import { ChangeLicenceCommand } from '../../application/commands/change-licence/change-licence.handler.js';
import { RemoveLicenceCommand } from '../../application/commands/remove-licence/remove-licence.handler.js';
import { GetLicenceQuery, ListLicencesQuery } from '../../application/queries/licence-queries.handlers.js';
import { DEFAULT_EXPIRING_WITHIN_DAYS } from '../../domain/licence.js';
import { AddLicenceDto, ChangeLicenceDto, ExpiringWithinQueryDto, LicenceDto, LicencePageDto, ListLicencesQueryDto } from './licences.dto.js';

@ApiTags('licences')
@ApiBearerAuth()
@Controller('api/licences')
export class LicencesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.LicencesManage)
  @ApiOperation({
    summary: "Licences of the users in your scope (a manager: their managees; a group admin: their groups' members), expiring first",
    description: 'Filters: userId (the learner), typeId or typeCode, status (active, expiring, expired: from the expiry date, "expiring" = within expiringWithinDays, default 60), expiringBefore (YYYY-MM-DD).',
  })
  @ApiOkResponse({ type: LicencePageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListLicencesQueryDto): Promise<LicencePageDto> {
    const { items, total } = await this.queries.execute(new ListLicencesQuery(principal, query));
    return pageOf(items, total, query);
  }

  @Get(':id')
  @RequirePermissions(Permissions.LicencesManage)
  @ApiOperation({ summary: 'One licence; 404 when it does not exist or its holder is outside your scope' })
  @ApiOkResponse({ type: LicenceDto })
  @ApiNotFoundResponse({ description: 'Not found or not in scope (indistinguishable on purpose)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() query: ExpiringWithinQueryDto): Promise<LicenceDto> {
    return this.queries.execute(new GetLicenceQuery(principal, id, query.expiringWithinDays ?? DEFAULT_EXPIRING_WITHIN_DAYS));
  }

  @Post()
  @RequirePermissions(Permissions.LicencesManage)
  @ApiOperation({ summary: "Record a licence for a user in your scope; an empty expiry date is the issue date + the type's default validity" })
  @ApiCreatedResponse({ type: LicenceDto })
  @ApiConflictResponse({ description: 'The user already has a licence of this type with this number (or without a number)' })
  async add(@CurrentPrincipal() principal: Principal, @Body() body: AddLicenceDto): Promise<LicenceDto> {
    const { id } = await this.commands.execute(new AddLicenceCommand(principal, body));
    return this.queries.execute(new GetLicenceQuery(principal, id));
  }

  @Patch(':id')
  @RequirePermissions(Permissions.LicencesManage)
  @ApiOperation({ summary: 'Change a licence (number, state, dates; null clears number, state or expiry)' })
  @ApiOkResponse({ type: LicenceDto })
  async change(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ChangeLicenceDto): Promise<LicenceDto> {
    await this.commands.execute(new ChangeLicenceCommand(principal, id, body));
    return this.queries.execute(new GetLicenceQuery(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.LicencesManage)
  @ApiOperation({ summary: 'Delete a licence of a user in your scope' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.commands.execute(new RemoveLicenceCommand(principal, id));
  }
}

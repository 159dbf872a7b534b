import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pageOf } from '#libs/http/pagination.js';
import { AssignManagerCommand } from '../../application/commands/assign-manager/assign-manager.handler.js';
import { CreateUserCommand } from '../../application/commands/create-user/create-user.handler.js';
import { DeleteUserCommand } from '../../application/commands/delete-user/delete-user.handler.js';
import { SetUserRolesCommand } from '../../application/commands/set-user-roles/set-user-roles.handler.js';
import { UpdateUserCommand } from '../../application/commands/update-user/update-user.handler.js';
import { ListManagerRelationsQuery } from '../../application/queries/directory-queries.handlers.js';
import { GetUserQuery, ListUsersQuery } from '../../application/queries/user-queries.handlers.js';
import {
  AssignManagerDto,
  CreateUserDto,
  IdDto,
  ListUsersQueryDto,
  ManagerRelationsDto,
  SetRolesDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './users.dto.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.UsersRead)
  @ApiOperation({ summary: 'List and search the users you may see (your scope), paginated' })
  @ApiOkResponse({ type: UserPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    const { items, total } = await this.queries.execute(new ListUsersQuery(principal, query));
    return pageOf(items, total, query);
  }

  @Get(':id')
  @RequirePermissions(Permissions.UsersRead)
  @ApiOperation({ summary: 'One user; 404 when it does not exist or is outside your scope' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: 'Not found or not in scope (indistinguishable on purpose)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return this.queries.execute(new GetUserQuery(principal, id));
  }

  @Post()
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Create a user (group admins must put them in a group they administer)' })
  @ApiCreatedResponse({ type: IdDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserDto): Promise<IdDto> {
    return this.commands.execute(new CreateUserCommand(principal, body));
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Change a user in your scope' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateUserDto) {
    await this.commands.execute(new UpdateUserCommand(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Delete a user (soft: history stays, sign-in and tokens stop working)' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteUserCommand(principal, id));
  }

  @Put(':id/roles')
  @HttpCode(204)
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Replace the roles of a user you may manage (only roles whose permissions you hold yourself)' })
  async setRoles(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: SetRolesDto) {
    await this.commands.execute(new SetUserRolesCommand(principal, id, body.roleKeys));
  }

  @Get(':id/managers')
  @RequirePermissions(Permissions.UsersRead)
  @ApiOperation({ summary: 'Managers/coaches of a user and the users they manage' })
  @ApiOkResponse({ type: ManagerRelationsDto })
  managers(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ManagerRelationsDto> {
    return this.queries.execute(new ListManagerRelationsQuery(principal, id));
  }

  @Put(':managerId/managees/:manageeId')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Make one user the manager (or coach) of another' })
  async assignManager(
    @CurrentPrincipal() principal: Principal,
    @Param('managerId', ParseUUIDPipe) managerId: string,
    @Param('manageeId', ParseUUIDPipe) manageeId: string,
    @Body() body: AssignManagerDto,
  ) {
    await this.commands.execute(new AssignManagerCommand(principal, managerId, manageeId, body.kind ?? 'manager'));
  }

  @Delete(':managerId/managees/:manageeId')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'End a manager/coach relation' })
  async unassignManager(
    @CurrentPrincipal() principal: Principal,
    @Param('managerId', ParseUUIDPipe) managerId: string,
    @Param('manageeId', ParseUUIDPipe) manageeId: string,
  ) {
    await this.commands.execute(new AssignManagerCommand(principal, managerId, manageeId, null));
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { ALL_PERMISSIONS, Permissions, type Principal } from '#libs/contracts/users/index.js';
import { DeleteRoleCommand } from '../../application/commands/delete-role/delete-role.handler.js';
import { SaveProfileFieldCommand } from '../../application/commands/save-profile-field/save-profile-field.handler.js';
import { SaveRoleCommand } from '../../application/commands/save-role/save-role.handler.js';
import { ListProfileFieldsQuery, ListRolesQuery } from '../../application/queries/directory-queries.handlers.js';
import {
  CreateProfileFieldDto,
  CreateRoleDto,
  IdDto,
  ProfileFieldDto,
  RoleDto,
  UpdateProfileFieldDto,
  UpdateRoleDto,
} from './users.dto.js';

@ApiTags('roles')
@ApiBearerAuth()
@Controller('api')
export class RolesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('permissions')
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Every named permission (import types add imports.<type>)' })
  @ApiOkResponse({ type: [String] })
  permissions(): string[] {
    return ALL_PERMISSIONS;
  }

  @Get('roles')
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Roles and their permissions' })
  @ApiOkResponse({ type: [RoleDto] })
  list(): Promise<RoleDto[]> {
    return this.queries.execute(new ListRolesQuery());
  }

  @Post('roles')
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Create a role (only with permissions you hold yourself)' })
  @ApiCreatedResponse({ type: IdDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRoleDto): Promise<IdDto> {
    return this.commands.execute(new SaveRoleCommand(principal, null, body));
  }

  @Patch('roles/:id')
  @HttpCode(204)
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Rename a role or replace its permissions (not for built-in roles; only permissions you hold, only roles whose holders you may manage)' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateRoleDto) {
    await this.commands.execute(new SaveRoleCommand(principal, id, body));
  }

  @Delete('roles/:id')
  @HttpCode(204)
  @RequirePermissions(Permissions.RolesManage)
  @ApiOperation({ summary: 'Delete a role (not for built-in roles)' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteRoleCommand(principal, id));
  }

  @Get('profile-fields')
  @RequirePermissions(Permissions.UsersRead)
  @ApiOperation({ summary: 'Profile field definitions' })
  @ApiOkResponse({ type: [ProfileFieldDto] })
  profileFields(): Promise<ProfileFieldDto[]> {
    return this.queries.execute(new ListProfileFieldsQuery());
  }

  @Post('profile-fields')
  @RequirePermissions(Permissions.ProfileFieldsManage)
  @ApiOperation({ summary: 'Define a profile field' })
  @ApiCreatedResponse({ type: ProfileFieldDto })
  async createProfileField(@Body() body: CreateProfileFieldDto) {
    const { key, ...input } = body;
    return this.commands.execute(new SaveProfileFieldCommand(key, true, input));
  }

  @Put('profile-fields/:key')
  @HttpCode(204)
  @RequirePermissions(Permissions.ProfileFieldsManage)
  @ApiOperation({ summary: 'Change a profile field definition' })
  async updateProfileField(@Param('key') key: string, @Body() body: UpdateProfileFieldDto) {
    await this.commands.execute(new SaveProfileFieldCommand(key, false, body));
  }
}

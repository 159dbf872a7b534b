import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { ChangeGroupMembershipCommand } from '../../application/commands/change-group-membership/change-group-membership.handler.js';
import { CreateGroupCommand } from '../../application/commands/create-group/create-group.handler.js';
import { DeleteGroupCommand } from '../../application/commands/delete-group/delete-group.handler.js';
import { UpdateGroupCommand } from '../../application/commands/update-group/update-group.handler.js';
import { ListGroupsQuery } from '../../application/queries/directory-queries.handlers.js';
import { CreateGroupDto, GroupDto, IdDto, UpdateGroupDto } from './users.dto.js';

@ApiTags('groups')
@ApiBearerAuth()
@Controller('api/groups')
export class GroupsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.UsersRead)
  @ApiOperation({ summary: 'Groups you may see (all for platform admins, administered ones and their subgroups otherwise), flat with parentId' })
  @ApiOkResponse({ type: [GroupDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<GroupDto[]> {
    return this.queries.execute(new ListGroupsQuery(principal));
  }

  @Post()
  @RequirePermissions(Permissions.GroupsManage)
  @ApiOperation({ summary: 'Create a group, optionally below a parent' })
  @ApiCreatedResponse({ type: IdDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateGroupDto): Promise<IdDto> {
    return this.commands.execute(new CreateGroupCommand(principal, body.name, body.parentId ?? null));
  }

  @Patch(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.GroupsManage)
  @ApiOperation({ summary: 'Rename or move a group (moving below its own subtree is refused)' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateGroupDto) {
    await this.commands.execute(new UpdateGroupCommand(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions(Permissions.GroupsManage)
  @ApiOperation({ summary: 'Delete a group without subgroups' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.commands.execute(new DeleteGroupCommand(principal, id));
  }

  @Put(':id/members/:userId')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Add a member' })
  async addMember(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string) {
    await this.commands.execute(new ChangeGroupMembershipCommand(p, id, userId, 'member', true));
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @RequirePermissions(Permissions.UsersManage)
  @ApiOperation({ summary: 'Remove a member' })
  async removeMember(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string) {
    await this.commands.execute(new ChangeGroupMembershipCommand(p, id, userId, 'member', false));
  }

  @Put(':id/admins/:userId')
  @HttpCode(204)
  @RequirePermissions(Permissions.GroupsManage)
  @ApiOperation({ summary: 'Make a user admin of the group (and so of its subgroups)' })
  async addAdmin(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string) {
    await this.commands.execute(new ChangeGroupMembershipCommand(p, id, userId, 'admin', true));
  }

  @Delete(':id/admins/:userId')
  @HttpCode(204)
  @RequirePermissions(Permissions.GroupsManage)
  @ApiOperation({ summary: 'Remove a group admin' })
  async removeAdmin(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string) {
    await this.commands.execute(new ChangeGroupMembershipCommand(p, id, userId, 'admin', false));
  }
}

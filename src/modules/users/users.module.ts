import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import './domain/messages.js';
import './domain/password-link-messages.js';
import { AuthenticationService } from './application/authentication.service.js';
import { AssignManagerHandler } from './application/commands/assign-manager/assign-manager.handler.js';
import { ChangeGroupMembershipHandler } from './application/commands/change-group-membership/change-group-membership.handler.js';
import { CreateGroupHandler } from './application/commands/create-group/create-group.handler.js';
import { ChangeOwnPasswordHandler } from './application/commands/change-own-password/change-own-password.handler.js';
import { CreateUserHandler } from './application/commands/create-user/create-user.handler.js';
import { DeleteGroupHandler } from './application/commands/delete-group/delete-group.handler.js';
import { DeleteRoleHandler } from './application/commands/delete-role/delete-role.handler.js';
import { DeleteUserHandler } from './application/commands/delete-user/delete-user.handler.js';
import { RequestPasswordResetHandler } from './application/commands/request-password-reset/request-password-reset.handler.js';
import { SetPasswordWithLinkHandler } from './application/commands/set-password-with-link/set-password-with-link.handler.js';
import { IssuePasswordLinkHandler } from './application/commands/issue-password-link/issue-password-link.handler.js';
import { ImportUsersChunkHandler } from './application/commands/import-users-chunk/import-users-chunk.handler.js';
import { IssuePasswordLinksHandler } from './application/commands/issue-password-links/issue-password-links.handler.js';
import { IssueApiTokenHandler } from './application/commands/issue-api-token/issue-api-token.handler.js';
import { RevokeApiTokenHandler } from './application/commands/revoke-api-token/revoke-api-token.handler.js';
import { SignOutHandler } from './application/commands/sign-out/sign-out.handler.js';
import { SaveProfileFieldHandler } from './application/commands/save-profile-field/save-profile-field.handler.js';
import { SaveRoleHandler } from './application/commands/save-role/save-role.handler.js';
import { SetUserRolesHandler } from './application/commands/set-user-roles/set-user-roles.handler.js';
import { UpdateGroupHandler } from './application/commands/update-group/update-group.handler.js';
import { UndoImportedUsersHandler } from './application/commands/undo-imported-users/undo-imported-users.handler.js';
import { UpdateUserHandler } from './application/commands/update-user/update-user.handler.js';
import { UsersImport } from './application/imports/users.import-type.js';
import {
  ListApiTokensHandler,
  ListGroupsHandler,
  ListManagerRelationsHandler,
  ListProfileFieldsHandler,
  ListRolesHandler,
} from './application/queries/directory-queries.handlers.js';
import { FindReviewersHandler } from './application/queries/find-reviewers.handler.js';
import { ListAdministeredGroupIdsHandler } from './application/queries/administered-groups.handler.js';
import { GetOpenPasswordLinkHandler } from './application/queries/password-link.queries.js';
import {
  FindUsersByCodesHandler,
  FindUsersByCodesOrEmailsHandler,
  GetPrincipalHandler,
  GetUserHandler,
  GetUsersInScopeHandler,
  ListUsersHandler,
  ResolveUserScopeHandler,
} from './application/queries/user-queries.handlers.js';
import { UserAccess } from './application/user-access.js';
import { UserUniqueness } from './application/user-uniqueness.js';
import { UserViews } from './application/user-views.js';
import { SystemRolesInitializer } from './infrastructure/system-roles.initializer.js';
import { USERS_ENTITIES } from './infrastructure/users.schemas.js';
import { UsersDemoSeeder } from './infrastructure/users-demo.seeder.js';
import { AuthController } from './interface/http/auth.controller.js';
import { AuthenticationGuard } from './interface/http/authentication.guard.js';
import { PasswordResetController } from './interface/http/password-reset.controller.js';
import { SetPasswordController } from './interface/http/set-password.controller.js';
import { GroupsController } from './interface/http/groups.controller.js';
import { RolesController } from './interface/http/roles.controller.js';
import { UsersController } from './interface/http/users.controller.js';

const commandHandlers = [
  ChangeOwnPasswordHandler,
  CreateUserHandler,
  UpdateUserHandler,
  DeleteUserHandler,
  SetUserRolesHandler,
  CreateGroupHandler,
  UpdateGroupHandler,
  DeleteGroupHandler,
  ChangeGroupMembershipHandler,
  AssignManagerHandler,
  SaveRoleHandler,
  DeleteRoleHandler,
  IssueApiTokenHandler,
  IssuePasswordLinkHandler,
  IssuePasswordLinksHandler,
  SetPasswordWithLinkHandler,
  RequestPasswordResetHandler,
  RevokeApiTokenHandler,
  SignOutHandler,
  SaveProfileFieldHandler,
  ImportUsersChunkHandler,
  UndoImportedUsersHandler,
];

const queryHandlers = [
  ListUsersHandler,
  GetUserHandler,
  ResolveUserScopeHandler,
  GetUsersInScopeHandler,
  FindUsersByCodesHandler,
  FindUsersByCodesOrEmailsHandler,
  GetPrincipalHandler,
  ListGroupsHandler,
  ListManagerRelationsHandler,
  ListRolesHandler,
  ListApiTokensHandler,
  ListProfileFieldsHandler,
  GetOpenPasswordLinkHandler,
  FindReviewersHandler,
  ListAdministeredGroupIdsHandler,
];

/** People, groups, managers, roles and permissions, authentication and scope. */
@Module({
  imports: [CqrsModule, MikroOrmModule.forFeature(USERS_ENTITIES)],
  controllers: [AuthController, PasswordResetController, SetPasswordController, UsersController, GroupsController, RolesController],
  providers: [
    ...commandHandlers,
    ...queryHandlers,
    UserAccess,
    UserViews,
    UserUniqueness,
    AuthenticationService,
    SystemRolesInitializer,
    UsersDemoSeeder,
    UsersImport,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
})
export class UsersModule {}

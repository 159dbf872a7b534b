import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Permissions, UserCreated, WelcomeMailRequested, hasPermission, type Principal } from '#libs/contracts/users/index.js';
import { conflict, forbidden } from '#libs/errors/domain-error.js';
import { pgArray } from '#libs/database/sql.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import { SYSTEM_ROLES } from '../../../domain/role.js';
import { ProfileFieldDefinition } from '../../../domain/profile-field-definition.js';
import { User, type UserDetails } from '../../../domain/user.js';
import { UserAccess } from '../../user-access.js';
import { UserUniqueness } from '../../user-uniqueness.js';

export interface CreateUserInput extends UserDetails {
  password?: string;
  profile?: Record<string, unknown>;
  groupIds?: string[];
  roleKeys?: string[];
  sendWelcomeMail?: boolean;
}

export class CreateUserCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly input: CreateUserInput,
  ) {
    super();
  }
}

const DEFAULT_ROLE_KEY = SYSTEM_ROLES.learner.key;
const DEFAULT_ROLE_PERMISSIONS = SYSTEM_ROLES.learner.permissions;

@CommandHandler(CreateUserCommand)
export class CreateUserHandler implements ICommandHandler<CreateUserCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
    private readonly uniqueness: UserUniqueness,
  ) {}

  async execute({ principal, input }: CreateUserCommand) {
    // A new user is always someone else, and admins never set other users' passwords (they could sign in
    // as them, or hand out credentials): the user gets no password until the reset/welcome link exists.
    if (input.password !== undefined) throw forbidden('USERS.PASSWORD_RESET_LINK_REQUIRED');
    const groupIds = [...new Set(input.groupIds ?? [])];
    const administered = await this.access.administeredGroupIds(principal);
    if (administered !== 'all') {
      // A limited admin must place the new user in a group they administer, or they could not see it.
      if (groupIds.length === 0 || groupIds.some((id) => !administered.includes(id))) {
        throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.ScopeAll });
      }
    }
    for (const groupId of groupIds) await this.access.assertGroupVisible(principal, groupId);
    if (input.roleKeys?.length && !hasPermission(principal, Permissions.RolesManage)) {
      throw forbidden('COMMON.FORBIDDEN', { permission: Permissions.RolesManage });
    }

    const user = User.create(input);
    await this.uniqueness.assertFree(user);
    if (input.profile) {
      const definitions = await this.em.find(ProfileFieldDefinition, { key: { $in: Object.keys(input.profile) } });
      user.setProfileValues(input.profile, new Map(definitions.map((d) => [d.key, d])));
    }

    await this.em.transactional(async (em) => {
      em.persist(user);
      await em.flush();
      for (const groupId of groupIds) {
        await em.execute(`insert into group_members (group_id, user_id) values (?, ?) on conflict do nothing`, [groupId, user.id]);
      }
      const explicitRoles = Boolean(input.roleKeys?.length);
      const roleKeys = explicitRoles ? input.roleKeys! : [DEFAULT_ROLE_KEY];
      const roles = await em.execute<{ id: string; key: string; permissions: string[] }[]>(`select id, key, permissions from roles where key = any(?::text[])`, [
        pgArray(roleKeys),
      ]);
      const unknown = roleKeys.filter((key) => !roles.some((r) => r.key === key));
      if (unknown.length > 0) throw conflict('USERS.ROLE_NOT_FOUND', { key: unknown.join(', ') });
      // The default learner role is not a grant by the caller: it carries only self-scoped permissions (what
      // a user sees of their own data; scope comes from group admin and manager relations, not from it),
      // and a system role cannot be edited. Checking it would stop a custom admin role with users.manage
      // but without the learner's permissions from creating anyone. Roles asked for explicitly are checked.
      // Should the stored learner role ever carry more than the built-in definition, it is checked like any grant.
      const granted = roles.flatMap((role) => role.permissions);
      const onlyDefault = !explicitRoles && granted.every((permission) => (DEFAULT_ROLE_PERMISSIONS as readonly string[]).includes(permission));
      if (!onlyDefault) new GrantPolicy(principal.permissions).assertMayGrant(granted);
      for (const role of roles) {
        await em.execute(`insert into user_roles (user_id, role_id) values (?, ?) on conflict do nothing`, [user.id, role.id]);
      }
      recordEvent(
        em,
        new UserCreated({
          userId: user.id,
          userCode: user.userCode,
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          language: user.language,
          createdBy: principal.userId,
          sendWelcomeMail: input.sendWelcomeMail ?? true,
        }),
      );
      if (input.sendWelcomeMail ?? true) {
        recordEvent(
          em,
          new WelcomeMailRequested({
            userId: user.id,
            email: user.email,
            firstName: user.firstName,
            language: user.language,
            requestedBy: principal.userId,
            importId: null,
          }),
        );
      }
    });
    return { id: user.id };
  }
}

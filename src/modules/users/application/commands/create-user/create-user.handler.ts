import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Permissions, UserCreated, hasPermission, type Principal } from '../../../../../../libs/contracts/users/index.js';
import { conflict, forbidden } from '../../../../../../libs/errors/domain-error.js';
import { pgArray } from '../../../../../../libs/database/sql.js';
import { recordEvent } from '../../../../../../libs/outbox/outbox.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import { hashPassword } from '../../../domain/password-hasher.js';
import { ProfileFieldDefinition } from '../../../domain/profile-field-definition.js';
import { User, type UserDetails } from '../../../domain/user.js';
import { assertPasswordStrength } from '../../passwords.js';
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

@CommandHandler(CreateUserCommand)
export class CreateUserHandler implements ICommandHandler<CreateUserCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
    private readonly uniqueness: UserUniqueness,
  ) {}

  async execute({ principal, input }: CreateUserCommand) {
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
    if (input.password !== undefined) {
      assertPasswordStrength(input.password);
      user.setPasswordHash(await hashPassword(input.password));
    }

    await this.em.transactional(async (em) => {
      em.persist(user);
      await em.flush();
      for (const groupId of groupIds) {
        await em.execute(`insert into group_members (group_id, user_id) values (?, ?) on conflict do nothing`, [groupId, user.id]);
      }
      const roleKeys = input.roleKeys?.length ? input.roleKeys : ['learner'];
      const roles = await em.execute<{ id: string; key: string; permissions: string[] }[]>(`select id, key, permissions from roles where key = any(?::text[])`, [
        pgArray(roleKeys),
      ]);
      const unknown = roleKeys.filter((key) => !roles.some((r) => r.key === key));
      if (unknown.length > 0) throw conflict('USERS.ROLE_NOT_FOUND', { key: unknown.join(', ') });
      new GrantPolicy(principal.permissions).assertMayGrant(roles.flatMap((role) => role.permissions));
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
    });
    return { id: user.id };
  }
}

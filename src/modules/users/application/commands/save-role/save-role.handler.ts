import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict, invalid, notFound } from '#libs/errors/domain-error.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { GrantPolicy } from '../../../domain/grant-policy.js';
import { Role } from '../../../domain/role.js';
import { UserAccess } from '../../user-access.js';

const ROLE_KEY = /^[a-z][a-z0-9-]{1,62}$/;

/**
 * Creates a role (no id) or changes one (id). Built-in roles refuse changes. A role's permissions are
 * limited to the caller's own, and a role held by users the caller may not manage is not theirs to change.
 */
export class SaveRoleCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly id: string | null,
    readonly input: { key?: string; name?: string; permissions?: string[] },
  ) {
    super();
  }
}

@CommandHandler(SaveRoleCommand)
export class SaveRoleHandler implements ICommandHandler<SaveRoleCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, id, input }: SaveRoleCommand) {
    const policy = new GrantPolicy(principal.permissions);
    if (id === null) {
      const key = input.key ?? '';
      if (!ROLE_KEY.test(key)) throw invalid('COMMON.BAD_REQUEST', { reason: 'key: lowercase letters, digits and dashes' });
      if (await this.em.count(Role, { key })) throw conflict('USERS.ROLE_KEY_TAKEN', { key });
      policy.assertMayGrant(input.permissions ?? []);
      const role = Role.create(key, input.name ?? key, input.permissions ?? []);
      await this.em.persist(role).flush();
      return { id: role.id };
    }
    const role = await this.em.findOne(Role, { id });
    if (!role) throw notFound('USERS.ROLE_NOT_FOUND');
    role.assertEditable();
    await this.access.assertCanChangeRole(principal, role.id);
    if (input.permissions !== undefined) policy.assertMayGrant(input.permissions);
    if (input.name !== undefined) role.rename(input.name);
    if (input.permissions !== undefined) role.setPermissions(input.permissions);
    await this.em.flush();
    return { id: role.id };
  }
}
